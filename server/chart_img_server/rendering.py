"""The renderer's entry points: `render_chart(request, data) -> bytes`, and what it needs."""

from __future__ import annotations

import datetime

from .chart import ChartRequest
from .market import (
    Interval,
    MarketData,
    SyntheticSource,
    Window,
    generate_synthetic,
    plan_chart,
    synthetic_catalog,
)
from .render import max_visible_bars, render_chart

__all__ = ["chart_window", "draw_synthetic", "render_chart", "synthetic_data"]


def chart_window(chart: ChartRequest, now: datetime.datetime) -> Window:
    """The bars to fetch for a chart: as many as its width can show, the last forming at `now`."""
    return Window.ending_at(Interval.parse(chart.interval), now, max_visible_bars(chart.width))


def synthetic_data(chart: ChartRequest, now: datetime.datetime) -> MarketData:
    """The synthetic source's data for a chart, at once (for tools, tests and benchmarks)."""
    catalog = synthetic_catalog()
    market = catalog.market(chart.exchange, chart.ticker)
    if market is None:
        raise ValueError(f"{chart.symbol} is not in the synthetic catalogue")
    source = SyntheticSource(catalog)
    plan = plan_chart(market, chart.studies, catalog, source.serves, source.name)
    window = chart_window(chart, now)
    return MarketData(source.mark, window, plan, generate_synthetic(plan.needs, window))


def draw_synthetic(chart: ChartRequest, now: datetime.datetime) -> bytes:
    """The chart drawn from the synthetic source's data as of `now`."""
    return render_chart(chart, synthetic_data(chart, now))
