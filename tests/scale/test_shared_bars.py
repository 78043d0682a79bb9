"""Bars shared through a real Redis: what one process fetched from Coinalyze, another reads.

Two Coinalyze sources over one fake Coinalyze stand for two server processes, each with its
own connection to Redis, as `open_market` makes them with several processes.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from chart_img_server import Settings
from chart_img_server.market import MarketData, UpstreamBusyError
from chart_img_server.market._bar_cache import BarCache
from chart_img_server.market._budget import CallBudget
from chart_img_server.market._sharing import sharing
from chart_img_server.market.coinalyze import CoinalyzeSource
from chart_img_server.metrics import CACHE_LOOKUPS
from chart_img_server.redis_services import RedisShared, open_redis

from tests.coinalyze.conftest import NOW, UNLIMITED, Ticks, Upstream, client_for
from tests.fakes.coinalyze import FakeCoinalyze, running_fake_coinalyze
from tests.server.conftest import DEFAULT_CHART
from tests.sources.conftest import (
    MARKET_CAP_RATIO,
    TOP_ACCOUNTS,
    TOP_POSITIONS,
    Upstreams,
    chart,
    upstreams,  # noqa: F401 (the fixture)
)

from .conftest import SCALE_KEY, RedisServer, server_processes

REFRESH = 60.0
CHART_PATH = "/v3/coinalyze/advanced-chart"
DEADLINE_SECONDS = 90.0
CHART = dataclasses.replace(
    DEFAULT_CHART, interval="1h", studies=(*DEFAULT_CHART.studies, "Open Interest")
)


@dataclasses.dataclass
class Processes:
    fake: FakeCoinalyze
    ticks: Ticks
    connections: tuple[RedisShared, RedisShared]

    @property
    def history_calls(self) -> int:
        """Symbol-calls spent on series (a process loading its catalogue spends some too)."""
        return sum(call.cost for call in self.fake.calls if call.symbols)

    async def source(self, process: int) -> Upstream:
        """A Coinalyze source as process 0 or 1 opens it: sharing budget and bars."""
        shared = self.connections[process]
        with sharing(shared):
            source = CoinalyzeSource(
                client_for(self.fake),
                CallBudget("coinalyze", UNLIMITED, monotonic=self.ticks),
                BarCache(max_bars=UNLIMITED, refresh=REFRESH),
                lambda: NOW,
                monotonic=self.ticks,
            )
        await source.refresh_catalog()
        return Upstream(self.fake, source, self.ticks, lambda: NOW)


@pytest.fixture
async def processes(redis: RedisServer) -> AsyncIterator[Processes]:
    ticks = Ticks()
    fake = FakeCoinalyze(calls_per_minute=UNLIMITED, now=lambda: NOW, monotonic=ticks)
    settings = Settings(redis_url=redis.url)
    async with open_redis(settings) as first, open_redis(settings) as second:
        first.wall_clock = second.wall_clock = ticks  # the processes' clocks move together
        yield Processes(fake, ticks, (first, second))


def _lookups(result: str) -> float:
    return float(CACHE_LOOKUPS.labels(result)._value.get())


def _assert_same(first: MarketData, second: MarketData) -> None:
    assert first.series.keys() == second.series.keys()
    for need, series in first.series.items():
        for name, values in series.columns.items():
            np.testing.assert_array_equal(values, second.series[need].columns[name], str(need))


async def test_bars_one_process_fetched_the_other_reads(processes: Processes) -> None:
    here, there = await processes.source(0), await processes.source(1)
    drawn_here = await here.data(CHART)
    cold = processes.history_calls
    assert cold > 0
    shared_before = _lookups("shared")
    drawn_there = await there.data(CHART)
    assert processes.history_calls == cold
    assert _lookups("shared") > shared_before
    _assert_same(drawn_here, drawn_there)

    # Once the forming bar is old, whichever process asks first refreshes it for both.
    processes.ticks.value += REFRESH
    await there.data(CHART)
    refreshed = processes.history_calls
    assert refreshed > cold
    await here.data(CHART)
    assert processes.history_calls == refreshed


async def test_a_third_process_starting_late_fetches_nothing_already_shared(
    processes: Processes,
) -> None:
    await (await processes.source(0)).data(CHART)
    cold = processes.history_calls
    # A wider window: only the older bars are fetched, from where the shared ones start.
    wider = dataclasses.replace(CHART, width=1600)
    await (await processes.source(1)).data(wider)
    assert cold < processes.history_calls <= 2 * cold
    calls = processes.history_calls
    await (await processes.source(0)).data(wider)
    await (await processes.source(1)).data(CHART)
    assert processes.history_calls == calls


async def test_without_redis_a_process_serves_what_it_holds(
    processes: Processes, redis: RedisServer
) -> None:
    here = await processes.source(0)
    drawn = await here.data(CHART)
    cold = processes.history_calls
    redis.kill()
    # Bars held serve, even once the forming bar is old: the budget cannot be read, so no
    # call is made (a budget that cannot be read is a spent one).
    _assert_same(drawn, await here.data(CHART))
    processes.ticks.value += REFRESH
    _assert_same(drawn, await here.data(CHART))
    assert processes.history_calls == cold
    with pytest.raises(UpstreamBusyError):
        await (await processes.source(1)).data(CHART)
    # Back, with nothing in it (a restart): the first process to fetch fills it again.
    redis.start()
    there = await processes.source(1)
    await there.data(CHART)
    refilled = processes.history_calls
    assert refilled > cold
    await (await processes.source(0)).data(CHART)
    assert processes.history_calls == refilled


async def test_top_traders_and_market_caps_are_shared_too(
    upstreams: Callable[..., Upstreams],  # noqa: F811 (the fixture)
    processes: Processes,
) -> None:
    first, second = processes.connections
    with sharing(first):
        here = upstreams()
    with sharing(second):
        there = upstreams(like=here)
    first.wall_clock = second.wall_clock = here.ticks

    def calls() -> int:
        fakes = (here.usdm, here.coin_m, here.okx, here.coingecko)
        return sum(len(fake.calls) for fake in fakes)

    charts = [
        chart("BINANCE:BTCUSDT.P", "1h", TOP_ACCOUNTS, TOP_POSITIONS, MARKET_CAP_RATIO),
        chart("OKX:ETHUSDT.P", "4h", TOP_ACCOUNTS, TOP_POSITIONS),
    ]
    drawn = [await here.data(one) for one in charts]
    cold = calls()
    assert cold > 0
    for one, before in zip(charts, drawn, strict=True):
        _assert_same(before, await there.data(one))
    assert calls() == cold
    here.ticks.value += REFRESH
    await there.data(charts[0])
    refreshed = calls()
    assert refreshed > cold
    await here.data(charts[0])
    assert calls() == refreshed


@pytest.mark.slow
def test_two_server_processes_fetch_each_bar_once(tmp_path: Path, redis: RedisServer) -> None:
    with running_fake_coinalyze(calls_per_minute=UNLIMITED) as fake:
        env = {
            "CHART_IMG_SERVER_MARKET": "coinalyze",
            "COINALYZE_API_KEY": fake.api_key,
            "CHART_IMG_SERVER_COINALYZE_URL": fake.base_url,
            "CHART_IMG_SERVER_COINALYZE_CALLS_PER_MINUTE": "1000",
            "CHART_IMG_SERVER_MARKET_REFRESH": "3600",  # no forming-bar refresh in the test
        }

        def history_calls() -> int:
            return sum(call.cost for call in fake.calls if call.symbols)

        chart = {"symbol": "BINANCE:BTCUSDT.P", "interval": "1h", "studies": ["Open Interest"]}
        body = json.dumps(chart).encode()
        headers = {"x-api-key": SCALE_KEY, "content-type": "application/json"}
        with server_processes(tmp_path, redis.url, 2, env) as server:
            workers = server.workers()
            answered: dict[int, int] = {pid: 0 for pid in workers}
            first = None
            deadline = time.monotonic() + DEADLINE_SECONDS
            while min(answered.values()) < 2:
                assert time.monotonic() < deadline, answered
                answer = server.ask("POST", CHART_PATH, headers, body)
                assert answer.status == 200, answer.content
                answered[answer.pid] += 1
                first = history_calls() if first is None else first
            metrics = httpx.get(f"{server.base_url}/metrics", timeout=10).text
    assert first is not None
    assert first > 0
    # Every chart after the first, whichever process drew it, read the bars from Redis.
    assert history_calls() == first
    assert 'chart_img_bar_cache_lookups_total{result="shared"}' in metrics
