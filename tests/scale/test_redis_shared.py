"""Several processes behave as one server, through a real Redis (issue 11, sections 1, 2, 5).

Redis is Debian's `redis-server` (`make redis`), started on 127.0.0.1 by the fixtures; no
fake stands in for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import time
from pathlib import Path

import anyio
import httpx
import pytest
from chart_img_server import Settings
from chart_img_server.__main__ import main
from chart_img_server.market import UpstreamBusyError
from chart_img_server.market._budget import CallBudget
from chart_img_server.market._sharing import sharing
from chart_img_server.plans import Plan
from chart_img_server.redis_services import LIMITER_DOWN, RedisShared, open_redis
from chart_img_server.serving import running_server

from .conftest import SCALE_KEY, RedisServer, server_processes

LIST_PATH = "/v3/coinalyze/exchange/list"
BURST = 12


def _burst(base_url: str, headers: dict[str, str], requests: int) -> tuple[list[int], float]:
    """`requests` requests at once over as many connections: their statuses and the seconds
    the burst took."""
    started = time.monotonic()

    def one(_: int) -> int:
        with httpx.Client(base_url=base_url, headers=headers, timeout=20) as client:
            return client.get(LIST_PATH).status_code

    with concurrent.futures.ThreadPoolExecutor(requests) as pool:
        statuses = list(pool.map(one, range(requests)))
    return statuses, time.monotonic() - started


@pytest.mark.slow
def test_one_bucket_holds_across_four_processes(tmp_path: Path, redis: RedisServer) -> None:
    rate = 1.0
    env = {"CHART_IMG_SERVER_RATE_LIMIT": str(rate), "CHART_IMG_SERVER_RATE_BURST": str(BURST)}
    with server_processes(tmp_path, redis.url, 4, env) as server:
        assert len(server.children()) >= 4
        statuses, seconds = _burst(server.base_url, dict(server.headers), 60)
        ok = statuses.count(200)
        # One bucket: the burst, and what the rate refilled meanwhile; four buckets would
        # let up to four bursts through.
        assert BURST <= ok <= BURST + math.ceil(seconds * rate) + 1, (ok, seconds)
        assert set(statuses) == {200, 429}
        # Summed over every process: each request counted once, whichever answered it.
        text = httpx.get(f"{server.base_url}/metrics", timeout=5).text
        counted = _sample(text, "chart_img_requests_total", operation="listExchanges")
        assert counted == {"200": ok, "429": 60 - ok}


def _sample(text: str, name: str, **labels: str) -> dict[str, int]:
    from prometheus_client.parser import text_string_to_metric_families

    found: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                found[sample.labels["status"]] = int(sample.value)
    return found


@pytest.mark.slow
def test_metrics_sum_the_processes(tmp_path: Path, redis: RedisServer) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    env = {"CHART_IMG_SERVER_RATE_LIMIT": "0"}
    with server_processes(tmp_path, redis.url, 2, env) as server:
        statuses, _ = _burst(server.base_url, dict(server.headers), 20)
        assert statuses == [200] * 20
        with httpx.Client(base_url=server.base_url, headers=server.headers, timeout=30) as client:
            for _ in range(3):
                assert client.post("/v3/coinalyze/advanced-chart", json={}).status_code == 200
            text = client.get("/metrics").text
        families = {family.name: family for family in text_string_to_metric_families(text)}
        assert _sample(text, "chart_img_requests_total", operation="listExchanges") == {"200": 20}
        assert _sample(text, "chart_img_requests_total", operation="captureAdvancedChart") == {
            "200": 3
        }
        renders = families["chart_img_render_seconds"].samples
        assert next(s.value for s in renders if s.name.endswith("_count")) == 3


async def test_upstream_metrics() -> None:
    from types import SimpleNamespace

    from chart_img_server.market._upstream import call_upstream
    from chart_img_server.metrics import exposition
    from prometheus_client.parser import text_string_to_metric_families

    budget = CallBudget("metrics-test", 5)

    async def answer() -> object:
        return SimpleNamespace(status_code=200, headers={})

    await call_upstream("metrics-test", budget, 2, answer, str)
    budget.block(1)
    samples = {
        (sample.name, sample.labels.get("upstream")): sample.value
        for family in text_string_to_metric_families(exposition().decode())
        for sample in family.samples
    }
    assert samples["chart_img_upstream_calls_total", "metrics-test"] == 2
    assert samples["chart_img_upstream_throttled_total", "metrics-test"] == 1
    assert samples["chart_img_upstream_seconds_count", "metrics-test"] == 1


@pytest.fixture
async def two_processes(redis: RedisServer):  # type: ignore[no-untyped-def]
    """Two connections to Redis, as two server processes have."""
    settings = Settings(redis_url=redis.url)
    async with open_redis(settings) as first, open_redis(settings) as second:
        yield first, second


async def test_the_upstream_budget_is_shared(
    two_processes: tuple[RedisShared, RedisShared],
) -> None:
    first, second = two_processes
    with sharing(first):
        here = CallBudget("coinalyze", 5)
    with sharing(second):
        there = CallBudget("coinalyze", 5)
    await here.spend(3)
    await there.spend(2)
    # The five calls are spent between them: a sixth waits for the window, within no deadline.
    with anyio.fail_after(0.5), pytest.raises(UpstreamBusyError) as busy:
        await here.spend(1)
    assert 55 < busy.value.retry_after <= 60
    # Another upstream has its own window.
    with sharing(second):
        await CallBudget("okx", 5).spend(5)


async def test_a_block_reaches_every_process(
    two_processes: tuple[RedisShared, RedisShared],
) -> None:
    first, second = two_processes
    with sharing(first):
        here = CallBudget("binance", 100)
    with sharing(second):
        there = CallBudget("binance", 100)
    await here.spend(1)
    here.block(30)  # the upstream answered 429 with Retry-After: 30
    with anyio.fail_after(0.5), pytest.raises(UpstreamBusyError):
        await here.spend(1)
    with anyio.fail_after(0.5), pytest.raises(UpstreamBusyError) as busy:
        await there.spend(1)
    assert 28 < busy.value.retry_after <= 30


async def test_a_budget_waits_for_its_window(
    two_processes: tuple[RedisShared, RedisShared],
) -> None:
    first, second = two_processes
    with sharing(first):
        here = CallBudget("coingecko", 2, period=0.5)
    with sharing(second):
        there = CallBudget("coingecko", 2, period=0.5)
    await here.spend(2)
    started = time.monotonic()
    with anyio.fail_after(5):
        await there.spend(1)
    assert 0.3 < time.monotonic() - started < 1.5


async def test_one_sweeper_an_interval(two_processes: tuple[RedisShared, RedisShared]) -> None:
    first, second = two_processes
    turns = await asyncio.gather(*(p.sweep_turn(0.3) for p in (first, second, first, second)))
    assert sorted(turns) == [False, False, False, True]
    await anyio.sleep(0.4)
    assert [await second.sweep_turn(0.3), await first.sweep_turn(0.3)] == [True, False]


async def test_plan_quota_and_rate_on_redis(two_processes: tuple[RedisShared, RedisShared]) -> None:
    first, second = two_processes
    plan = Plan("BASIC", 1.0, 3, 5, 800, 600, 14, 3, False, "chart-img.com")
    one, other = first.limiter(0, 1), second.limiter(0, 1)
    assert await one.acquire("key-a") is None  # no plan, no server rate: unlimited
    answers = [await (one if i % 2 else other).acquire("key-b", plan) for i in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None
    assert answers[3].message == "Too Many Requests"
    await anyio.sleep(2.1)  # two more tokens: the daily quota of 5 is then spent
    assert [await one.acquire("key-b", plan), await other.acquire("key-b", plan)] == [None, None]
    refused = await one.acquire("key-b", plan)
    assert refused is not None
    assert refused.message == "Daily Quota Exceeded"
    assert 1 <= refused.retry_after <= 86_400


def test_redis_going_away_fails_closed_and_recovers(tmp_path: Path, redis: RedisServer) -> None:
    settings = Settings(
        keys=(SCALE_KEY,), redis_url=redis.url, storage_dir=tmp_path, rate_limit=100.0
    )
    headers = {"x-api-key": SCALE_KEY}
    with running_server(settings) as server, httpx.Client(base_url=server.base_url) as client:
        assert client.get(LIST_PATH, headers=headers).status_code == 200
        ready = client.get("/readyz").json()
        assert ready["services"]["redis"] == "ok"
        redis.kill()
        started = time.monotonic()
        refused = client.get(LIST_PATH, headers=headers, timeout=10)
        assert time.monotonic() - started < 2.0
        assert refused.status_code == 503
        assert refused.json() == {"message": LIMITER_DOWN}
        assert refused.headers["retry-after"] == "1"
        not_ready = client.get("/readyz", timeout=10)
        assert not_ready.status_code == 503
        assert "redis" in not_ready.json()["failing"]
        redis.start()
        deadline = time.monotonic() + 5
        while client.get(LIST_PATH, headers=headers).status_code != 200:
            assert time.monotonic() < deadline, "no recovery after Redis came back"
            time.sleep(0.1)
        assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CHART_IMG_SERVER_KEYS": "k"}, "be 1 without CHART_IMG_SERVER_REDIS_URL"),
        ({"CHART_IMG_SERVER_REDIS_URL": "redis://127.0.0.1:1"}, "be 1 without configured keys"),
    ],
)
def test_several_processes_need_redis_and_keys(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    says: str,
) -> None:
    for name in ("KEYS", "KEYS_FILE", "REDIS_URL"):
        monkeypatch.delenv(f"CHART_IMG_SERVER_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["--processes", "2"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert says in error


def test_render_threads_and_the_old_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHART_IMG_SERVER_RENDER_THREADS", "3")
    assert Settings.from_env().render_threads == 3
    monkeypatch.delenv("CHART_IMG_SERVER_RENDER_THREADS")
    monkeypatch.setenv("CHART_IMG_SERVER_WORKERS", "5")
    assert Settings.from_env().render_threads == 5


def test_redis_unreachable_at_start_is_one_reason() -> None:
    from .conftest import free_port

    port = free_port()
    settings = Settings(redis_url=f"redis://127.0.0.1:{port}/0")

    async def reach() -> None:
        async with open_redis(settings):
            pass

    with pytest.raises(
        OSError, match=rf"cannot reach Redis at 127.0.0.1:{port}: Redis unreachable"
    ):
        anyio.run(reach)
