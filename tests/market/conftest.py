"""Synthetic market data at a fixed instant, and the studies derived from it."""

from __future__ import annotations

import datetime

from chart_img_server import market
from chart_img_server.market import Market, MarketData, Window

NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
CATALOG = market.synthetic_catalog()
SOURCE = market.SyntheticSource(CATALOG)


def market_of(symbol: str) -> Market:
    exchange, _, ticker = symbol.partition(":")
    found = CATALOG.market(exchange, ticker)
    assert found is not None, symbol
    return found


def window(interval: str, count: int, now: datetime.datetime = NOW) -> Window:
    return Window.ending_at(market.Interval.parse(interval), now, count)


def price(
    symbol: str, interval: str, count: int = 30, now: datetime.datetime = NOW
) -> market.Series:
    return market.synthetic_series(
        market_of(symbol), market.SeriesKind.OHLCV, window(interval, count, now)
    )


def data(
    symbol: str,
    studies: list[str],
    interval: str = "1h",
    count: int = 300,
    now: datetime.datetime = NOW,
) -> MarketData:
    plan = market.plan_chart(market_of(symbol), studies, CATALOG, SOURCE.serves, SOURCE.name)
    frame = window(interval, count, now)
    return MarketData(SOURCE.mark, frame, plan, market.generate_synthetic(plan.needs, frame))


def derived(
    name: str,
    symbol: str = "BINANCE:BTCUSDT.P",
    interval: str = "1h",
    count: int = 300,
    now: datetime.datetime = NOW,
) -> market.StudySeries:
    """One study over the synthetic data of a chart."""
    chart = data(symbol, [name], interval, count, now)
    (plan,) = chart.plan.studies
    return market.derive_study(plan, market.price_bars(chart), chart)
