"""The property that proves the adapter: over the fake, the same series as the synthetic source.

The fake serves the synthetic market in Coinalyze's shapes; the Coinalyze source reads it back
through the generated client. For the same chart at the same instant, every study Coinalyze can
serve derives the same values, and the image is the same but for the source's mark.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from chart_img_server import market
from chart_img_server.chart import ChartRequest
from chart_img_server.render import render_chart
from chart_img_server.rendering import synthetic_data
from chart_img_server.spec import load_spec

from tests.server.conftest import DEFAULT_CHART

from .conftest import NOW, Upstream

STUDIES: list[str] = list(load_spec().schema("Study")["enum"])
COINALYZE_KINDS = {
    kind
    for kind in market.SeriesKind
    if kind
    not in {
        market.SeriesKind.TOP_TRADER_ACCOUNTS,
        market.SeriesKind.TOP_TRADER_POSITIONS,
        market.SeriesKind.MARKET_CAP,
    }
}
SERVABLE = [s for s in STUDIES if set(market.recipe(s).kinds) <= COINALYZE_KINDS]


def _values(series: market.StudySeries) -> list[np.ndarray]:
    return [
        getattr(series, f.name)
        for f in dataclasses.fields(series)
        if isinstance(getattr(series, f.name), np.ndarray)
    ]


def test_coinalyze_serves_every_study_but_three() -> None:
    assert sorted(set(STUDIES) - set(SERVABLE)) == [
        "Long/Short Accounts Ratio Top Traders",
        "Long/Short Positions Ratio Top Traders",
        "Open Interest/Market Cap Ratio",
    ]


@pytest.mark.parametrize("interval", ["15m", "4h", "1D", "1W", "1M"])
async def test_every_servable_study_derives_the_same_values(
    upstream_factory: Callable[..., Upstream], interval: str
) -> None:
    upstream = upstream_factory()
    assert set(SERVABLE) == {
        s for s in SERVABLE if all(upstream.source.serves(k) for k in market.recipe(s).kinds)
    }
    await upstream.source.refresh_catalog()
    chart = dataclasses.replace(DEFAULT_CHART, interval=interval, studies=tuple(SERVABLE))
    real = await upstream.data(chart)
    invented = synthetic_data(chart, NOW)
    real_bars, invented_bars = market.price_bars(real), market.price_bars(invented)
    for name in ("time", "open", "high", "low", "close"):
        assert np.array_equal(getattr(real_bars, name), getattr(invented_bars, name)), name
    for real_plan, invented_plan in zip(real.plan.studies, invented.plan.studies, strict=True):
        assert [m.symbol for m in real_plan.markets] == [m.symbol for m in invented_plan.markets]
        ours = market.derive_study(real_plan, real_bars, real)
        theirs = market.derive_study(invented_plan, invented_bars, invented)
        for a, b in zip(_values(ours), _values(theirs), strict=True):
            assert np.array_equal(a, b, equal_nan=True), real_plan.study


@pytest.mark.parametrize(
    "studies",
    [
        ("Open Interest", "Buy / Sell Volume"),
        (
            "Aggregated Liquidations Profile Visible Range STABLECOIN-margined Contracts",
            "Aggregated Funding Rate",
            "Aggregated CVD Spot",
        ),
    ],
)
async def test_the_image_is_the_same_but_for_the_source_mark(
    upstream_factory: Callable[..., Upstream], studies: tuple[str, ...]
) -> None:
    upstream = upstream_factory()
    await upstream.source.refresh_catalog()
    chart: ChartRequest = dataclasses.replace(DEFAULT_CHART, interval="4h", studies=studies)
    real = await upstream.data(chart)
    invented = synthetic_data(chart, NOW)
    unmarked = [dataclasses.replace(data, mark="") for data in (real, invented)]
    assert render_chart(chart, unmarked[0]) == render_chart(chart, unmarked[1])
    assert render_chart(chart, real) != render_chart(chart, invented)
    assert (real.mark, invented.mark) == ("Data: Coinalyze", "Synthetic data")
