"""The top traders' and market-cap sources: ids, history limits, paging, cache, budget, failures."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable

import anyio
import numpy as np
import pytest
from chart_img_server.market import MarketDataError, UpstreamBusyError

from .conftest import MARKET_CAP_RATIO, TOP_ACCOUNTS, Upstreams, chart

GECKO = "coingecko"


def _paths(fake: object) -> list[str]:
    return [call.path for call in fake.calls]  # type: ignore[attr-defined]


async def test_a_shared_symbol_is_the_coin_with_the_largest_market_cap_looked_up_once(
    upstreams: Callable[..., Upstreams],
) -> None:
    upstream = upstreams()
    request = chart("BINANCE:1INCHUSDT.P", "4h", MARKET_CAP_RATIO)
    first = await upstream.data(request)
    assert upstream.coingecko.decoys_of("1INCH") == ["bridged-1inch"]
    asked = [call.path for call in upstream.coingecko.calls]
    assert asked[:2] == ["/coins/list", "/coins/markets"]
    assert asked[2] == "/coins/1inch/market_chart/range"
    assert np.isfinite(first.series[next(iter(first.series))]["close"]).any()
    await upstream.data(request)
    assert len(upstream.coingecko.calls) == 3  # the id and the market caps, cached


async def test_market_caps_are_fetched_once_then_only_the_latest(
    upstreams: Callable[..., Upstreams],
) -> None:
    upstream = upstreams()
    request = chart("BINANCE:BTCUSDT.P", "1h", MARKET_CAP_RATIO)
    await upstream.data(request)
    await upstream.data(request)
    assert _paths(upstream.coingecko) == ["/coins/bitcoin/market_chart/range"]
    first_to = upstream.coingecko.calls[0].param("to")
    upstream.ticks.value += 60.0
    await upstream.data(request)
    assert len(upstream.coingecko.calls) == 2
    assert upstream.coingecko.calls[1].param("from") == first_to


async def test_a_demo_key_s_year_is_all_a_weekly_chart_shows(
    upstreams: Callable[..., Upstreams],
) -> None:
    upstream = upstreams()
    data = await upstream.data(chart("BINANCE:BTCUSDT.P", "1W", MARKET_CAP_RATIO))
    (plan,) = data.plan.studies
    caps = next(
        s for n, s in data.series.items() if n.market == plan.chart and "value" in s.columns
    )
    shown = np.isfinite(caps["value"])
    assert 50 <= shown.sum() <= 54  # about 52 weeks, the newest
    assert shown[-1]
    assert not shown[0]
    assert all(call.status == 200 for call in upstream.coingecko.calls)


async def test_okx_pages_back_a_hundred_points_at_a_time(
    upstreams: Callable[..., Upstreams],
) -> None:
    upstream = upstreams()
    wide = dataclasses.replace(chart("OKX:BTCUSDT.P", "5m", TOP_ACCOUNTS), width=2048)
    data = await upstream.data(wide)
    (ratios,) = [s for s in data.series.values() if "ratio" in s.columns]
    assert np.isfinite(ratios["ratio"]).all()
    assert len(ratios) > 200
    assert len(upstream.okx.calls) == math.ceil(len(ratios) / 100)


async def test_binance_is_asked_for_30_days_at_most(upstreams: Callable[..., Upstreams]) -> None:
    upstream = upstreams()
    await upstream.data(chart("BINANCE:BTCUSDT.P", "1D", TOP_ACCOUNTS))
    (call,) = upstream.usdm.calls
    asked = (int(call.param("endTime") or 0) - int(call.param("startTime") or 0)) / 86_400_000
    assert asked <= 30


async def test_a_spent_budget_is_busy_and_a_ban_blocks_the_budget(
    upstreams: Callable[..., Upstreams],
) -> None:
    upstream = upstreams(calls_per_minute=1)
    await upstream.data(chart("BINANCE:BTCUSDT.P", "1h", TOP_ACCOUNTS))
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError) as caught:
        await upstream.data(chart("BINANCE:ETHUSDT.P", "1h", TOP_ACCOUNTS))
    assert caught.value.upstream == "binance"
    banned = upstreams()
    banned.usdm.fail_next(418, retry_after=120)
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError) as ban:
        await banned.data(chart("BINANCE:BTCUSDT.P", "1h", TOP_ACCOUNTS))
    assert 100 < ban.value.retry_after <= 120


async def test_cached_market_caps_stand_in_and_a_cold_failure_names_coingecko(
    upstreams: Callable[..., Upstreams], caplog: pytest.LogCaptureFixture
) -> None:
    upstream = upstreams()
    request = chart("BINANCE:BTCUSDT.P", "1h", MARKET_CAP_RATIO)
    await upstream.data(request)
    upstream.ticks.value += 3600.0
    upstream.coingecko.fail_next(500, None)
    with caplog.at_level(logging.WARNING):
        await upstream.data(request)
    assert "coingecko: serving cached market caps" in caplog.text
    with pytest.raises(MarketDataError) as caught:
        await upstream.data(chart("BINANCE:ETHUSDT.P", "1h", MARKET_CAP_RATIO))
    assert caught.value.upstream == GECKO
    assert (upstream.coingecko.api_key or "-") not in caplog.text
