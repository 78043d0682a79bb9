"""The Coinalyze source's behaviour: catalogue, call budget, cache, and failures."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable
from typing import Literal

import anyio
import numpy as np
import pytest
from chart_img_server import market
from chart_img_server.market import MarketDataError, SeriesKind, UpstreamBusyError

from tests.server.conftest import DEFAULT_CHART

from .conftest import NOW, Upstream

AGGREGATED = dataclasses.replace(
    DEFAULT_CHART,
    interval="1h",
    studies=("Aggregated Open Interest STABLECOIN+COIN-margined Contracts",),
)
TWO_AGGREGATES = dataclasses.replace(
    AGGREGATED,
    studies=(*AGGREGATED.studies, "Aggregated Liquidations STABLECOIN+COIN-margined Contracts"),
)
SIMPLE = dataclasses.replace(DEFAULT_CHART, interval="1h", studies=("Open Interest",))


def _charged(upstream: Upstream) -> int:
    return upstream.fake.symbol_calls


async def test_the_catalogue_is_upstream_s_in_chart_img_names(
    upstream_factory: Callable[..., Upstream],
) -> None:
    upstream = upstream_factory()
    with pytest.raises(MarketDataError, match="not loaded"):
        await upstream.source.catalog()
    catalog = await upstream.source.refresh_catalog()
    assert "BINANCE" in catalog.exchange_ids
    assert "HYPERLIQUID" in catalog.exchange_ids  # no pinned ID: named after the exchange
    binance = catalog.symbols("binance") or ()
    assert {"BTCUSDT", "BTCUSDT.P", "BTCUSD.P", "1000PEPEUSDT.P"} <= set(binance)
    assert not any("_" in ticker for ticker in binance)  # dated futures are not offered
    perpetual = catalog.market("BINANCE", "BTCUSD.P")
    assert perpetual is not None
    assert (perpetual.source_symbol, perpetual.margined) == ("BTCUSD_PERP.A", market.Margin.COIN)
    assert catalog.updated_at == "2024-08-12T14:21:16.952Z"
    assert [call.path for call in upstream.fake.calls] == [
        "/exchanges",
        "/future-markets",
        "/spot-markets",
    ]


async def test_weeks_and_months_are_fetched_as_days(
    upstream_factory: Callable[..., Upstream],
) -> None:
    upstream = upstream_factory()
    await upstream.source.refresh_catalog()
    data = await upstream.data(dataclasses.replace(SIMPLE, interval="1W"))
    assert {call.interval for call in upstream.fake.calls[3:]} == {"daily"}
    weeks = data.price
    assert {
        datetime.datetime.fromtimestamp(int(t), datetime.UTC).weekday() for t in weeks.time
    } == {0}


async def test_a_chart_again_costs_nothing_and_the_forming_bar_is_refreshed_after_a_while(
    upstream_factory: Callable[..., Upstream],
) -> None:
    upstream = upstream_factory(refresh=60.0)
    await upstream.source.refresh_catalog()
    await upstream.data(AGGREGATED)
    first = _charged(upstream)
    symbols = len([s for call in upstream.fake.calls for s in call.symbols])
    assert first == 3 + symbols  # the catalogue, then one call a symbol and series
    for _ in range(99):
        await upstream.data(AGGREGATED)
    assert _charged(upstream) == first
    before = len(upstream.fake.calls)
    upstream.ticks.value += 60.0
    await upstream.data(AGGREGATED)
    assert _charged(upstream) == first + symbols
    forming = market.Window.ending_at(market.Interval.parse("1h"), NOW, 1).forming_open
    assert {call.from_ for call in upstream.fake.calls[before:]} == {forming}


async def test_new_bars_are_fetched_incrementally(
    upstream_factory: Callable[..., Upstream],
) -> None:
    now = [NOW]
    upstream = upstream_factory(clock=lambda: now[0])
    await upstream.source.refresh_catalog()
    await upstream.data(SIMPLE)
    before = len(upstream.fake.calls)
    now[0] = NOW + datetime.timedelta(hours=3)
    data = await upstream.data(SIMPLE)
    asked = {call.from_ for call in upstream.fake.calls[before:]}
    previous_forming = market.Window.ending_at(market.Interval.parse("1h"), NOW, 1).forming_open
    assert asked == {previous_forming}
    assert np.isfinite(data.price["close"]).all()


async def test_concurrent_identical_charts_share_one_fetch(
    upstream_factory: Callable[..., Upstream],
) -> None:
    upstream = upstream_factory()
    await upstream.source.refresh_catalog()
    results: list[market.MarketData] = []

    async def chart() -> None:
        results.append(await upstream.data(AGGREGATED))

    async with anyio.create_task_group() as tasks:
        for _ in range(5):
            tasks.start_soon(chart)
    fetched = [(call.path, s) for call in upstream.fake.calls[3:] for s in call.symbols]
    assert len(fetched) == len(set(fetched)) > 20
    assert len(results) == 5


async def test_the_budget_is_never_exceeded_and_a_chart_beyond_it_is_busy(
    upstream_factory: Callable[..., Upstream],
) -> None:
    upstream = upstream_factory(calls_per_minute=40, refresh=60.0)
    await upstream.source.refresh_catalog()
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError) as caught:
        await upstream.data(TWO_AGGREGATES)
    assert 0 < caught.value.retry_after <= 60
    assert all(call.status == 200 for call in upstream.fake.calls)
    assert upstream.fake.budget_used() <= 40
    assert all(len(call.symbols) <= 20 for call in upstream.fake.calls)
    # A minute on, what was fetched is held (stale now, refreshed only if budget is left)
    # and what was never fetched goes first: the retry draws the chart.
    upstream.ticks.value += 61.0
    with anyio.fail_after(5):
        data = await upstream.data(TWO_AGGREGATES)
    for need, series in data.series.items():
        assert np.isfinite(next(iter(series.columns.values()))).any(), need
    assert all(call.status == 200 for call in upstream.fake.calls)
    assert all(len(plan.markets) > 20 for plan in data.plan.studies)


async def test_upstream_retry_after_is_honoured(upstream_factory: Callable[..., Upstream]) -> None:
    upstream = upstream_factory()
    await upstream.source.refresh_catalog()
    upstream.fake.fail_next(429, retry_after=30)
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError) as caught:
        await upstream.data(SIMPLE)
    assert 29 <= caught.value.retry_after <= 30
    calls = len(upstream.fake.calls)
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError):
        await upstream.data(SIMPLE)
    assert len(upstream.fake.calls) == calls  # blocked: no call until Retry-After has passed


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "answered 500"), (401, "rejected the API key")],
)
async def test_cached_bars_stand_in_when_upstream_fails(
    upstream_factory: Callable[..., Upstream],
    caplog: pytest.LogCaptureFixture,
    status: Literal[401, 500],
    reason: str,
) -> None:
    upstream = upstream_factory()
    await upstream.source.refresh_catalog()
    warm = await upstream.data(SIMPLE)
    upstream.ticks.value += 3600.0  # the forming bar is old: the source asks again
    upstream.fake.fail_next(status, None)
    with caplog.at_level(logging.WARNING, logger="chart_img_server.coinalyze"):
        stale = await upstream.data(SIMPLE)
    assert np.array_equal(stale.price["close"], warm.price["close"], equal_nan=True)
    assert reason in caplog.text
    assert upstream.fake.api_key not in caplog.text
    cold = dataclasses.replace(SIMPLE, ticker="ETHUSDT.P")
    with pytest.raises(MarketDataError, match=reason) as caught:
        await upstream.data(cold)
    assert caught.value.upstream == "coinalyze"


async def test_bars_upstream_no_longer_keeps_are_asked_for_once(
    upstream_factory: Callable[..., Upstream],
) -> None:
    upstream = upstream_factory()
    upstream.fake.retention = 50
    await upstream.source.refresh_catalog()
    wide = dataclasses.replace(SIMPLE, interval="1m", width=1600)
    data = await upstream.data(wide)
    assert np.isnan(data.price["close"][:-50]).all()  # fewer bars: what upstream keeps
    assert np.isfinite(data.price["close"][-50:]).all()
    calls = len(upstream.fake.calls)
    await upstream.data(wide)
    assert len(upstream.fake.calls) == calls


def test_only_coinalyze_series_are_served(upstream_factory: Callable[..., Upstream]) -> None:
    source = upstream_factory().source
    assert not source.serves(SeriesKind.TOP_TRADER_ACCOUNTS)
    assert not source.serves(SeriesKind.MARKET_CAP)
    assert source.serves(SeriesKind.LIQUIDATIONS)


async def test_the_catalogue_is_refreshed_and_a_failed_refresh_keeps_the_last(
    upstream_factory: Callable[..., Upstream],
) -> None:
    now = [NOW]
    upstream = upstream_factory(clock=lambda: now[0])
    loaded = await upstream.source.refresh_catalog()
    now[0] = NOW + datetime.timedelta(hours=1)
    upstream.fake.fail_next(500)
    with pytest.raises(MarketDataError):
        await upstream.source.refresh_catalog()
    assert await upstream.source.catalog() is loaded
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(upstream.source.keep_catalog_fresh, 0.01, 0.01)
        with anyio.fail_after(5):
            while (await upstream.source.catalog()) is loaded:
                await anyio.sleep(0.01)  # polls what it waits for, within a bound
        tasks.cancel_scope.cancel()
    assert (await upstream.source.catalog()).updated_at == "2024-08-12T15:21:16.952Z"
