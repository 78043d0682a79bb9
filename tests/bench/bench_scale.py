"""Several processes (issue 11): chart throughput with 2 processes against 1 on this machine,
what the Redis limiter costs a request (one Lua round trip to a local redis-server), and what
storing a chart in an S3 bucket costs against a local directory (moto's S3 server, `make moto`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
from chart_img_server import Settings
from chart_img_server.rate_limit import TokenBuckets
from chart_img_server.redis_services import open_redis
from chart_img_server.rendering import draw_synthetic
from chart_img_server.s3_storage import open_storage
from chart_img_server.services import ObjectStore

from tests.moto_server import BUCKET, REGION, Moto, running_moto

from ._common import BENCH_KEY, BENCH_NOW, LOOPBACK, SMOKE, TWO_STUDIES, Scale, chart_body
from ._processes import _child, _wait_until_answering, free_port, wrk_path
from ._report import Result
from ._wrk import LoadRun, wrk
from .bench_render import Scenario

SECTION = "scale"
THROUGHPUT_TARGET = 1.7  # 2 processes against 1
LIMITER_TARGET_MS = 0.3  # median, a request
CONNECTIONS = 8
# A chart stored through each store: ~60 kB of PNG, put this many times (after a few untimed).
STORED_CHART = Scenario("1200x800 PNG, 2 studies", 1200, 800, TWO_STUDIES, "png")
PUTS, SMOKE_PUTS, WARMUP_PUTS = 300, 10, 5


def run(scale: Scale) -> list[Result]:
    binary = wrk_path()
    if binary is None:
        raise RuntimeError("wrk is not installed (make wrk)")
    with redis_server() as redis_url:
        throughput = {n: _chart_load(binary, redis_url, n, scale) for n in (1, 2)}
        limiter = anyio.run(_limiter_cost, redis_url, 200 if scale.load_repeats == 1 else 5000)
    image = draw_synthetic(STORED_CHART.request(), BENCH_NOW)
    puts = SMOKE_PUTS if scale == SMOKE else PUTS
    with running_moto() as moto, tempfile.TemporaryDirectory(prefix="chart-img-bench-") as scratch:
        stored = anyio.run(_store_puts, moto, Path(scratch), image, puts)
    return [
        _throughput_result(throughput),
        _limiter_result(limiter),
        _store_result(stored, len(image)),
    ]


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Debian's redis-server on a free port, nothing saved, stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (make redis)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((LOOPBACK, port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)
        yield f"redis://{LOOPBACK}:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def _chart_load(binary: str, redis_url: str, processes: int, scale: Scale) -> list[LoadRun]:
    with tempfile.TemporaryDirectory(prefix="chart-img-bench-scale-") as scratch:
        port = free_port()
        env = {
            **os.environ,
            "CHART_IMG_SERVER_KEYS": BENCH_KEY,
            "CHART_IMG_SERVER_RATE_LIMIT": "0",
            "CHART_IMG_SERVER_REDIS_URL": redis_url,
            "CHART_IMG_SERVER_STORAGE_DIR": str(Path(scratch) / "storage"),
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        command = [sys.executable, "-m", "chart_img_server", "--host", LOOPBACK]
        command += ["--port", str(port), "--processes", str(processes)]
        base_url = f"http://{LOOPBACK}:{port}"
        headers = {"x-api-key": BENCH_KEY}
        with _child(command, env, Path(scratch) / "server.log") as child:
            _wait_until_answering(child, Path(scratch) / "server.log", f"{base_url}/readyz", {})
            url = f"{base_url}/v3/coinalyze/advanced-chart"
            body = chart_body()
            # Warm every process (fonts, caches) before measuring.
            wrk(binary, url, connections=CONNECTIONS, seconds=1, headers=headers, body=body)
            return [
                wrk(
                    binary,
                    url,
                    connections=CONNECTIONS,
                    seconds=scale.load_seconds,
                    headers=headers,
                    body=body,
                )
                for _ in range(scale.load_repeats)
            ]


async def _limiter_cost(redis_url: str, requests: int) -> dict[str, list[float]]:
    """Milliseconds of each `acquire`, taking turns: Redis's limiter; a bare PING on the same
    connection (the round trip no Redis limiter can beat); the in-memory limiter."""
    async with open_redis(Settings(redis_url=redis_url)) as shared:
        redis_limiter = shared.limiter(1e9, 1_000_000)
        memory = TokenBuckets(1e9, 1_000_000, time.monotonic)
        timings: dict[str, list[float]] = {"redis": [], "ping": [], "memory": []}
        for index in range(requests):
            key = f"key-{index % 10}"
            for name, call in (
                ("redis", functools.partial(redis_limiter.acquire, key, None)),
                ("ping", shared.client.ping),
                ("memory", functools.partial(memory.acquire, key, None)),
            ):
                started = time.perf_counter()
                answer = await call()
                timings[name].append((time.perf_counter() - started) * 1000)
                assert answer in (None, True)
    return timings


@dataclasses.dataclass(slots=True)
class PutTimes:
    """Milliseconds of each put: on the clock, and of this process's CPU (all its threads)."""

    wall_ms: list[float] = dataclasses.field(default_factory=list)
    cpu_ms: list[float] = dataclasses.field(default_factory=list)


async def _store_puts(moto: Moto, directory: Path, image: bytes, puts: int) -> dict[str, PutTimes]:
    """The image stored `puts` times through each store, as the server stores a chart: the
    `ObjectStore` that `open_storage` makes of the settings. The stores take turns, put by put,
    so that both see the same machine."""
    with _aws_credentials(moto):
        stores: dict[str, ObjectStore] = {
            "local": open_storage(Settings(storage_dir=directory)),
            "s3": open_storage(
                Settings(storage_url=f"s3://{BUCKET}/bench", s3_endpoint_url=moto.endpoint)
            ),
        }
        times = {name: PutTimes() for name in stores}
        for index in range(WARMUP_PUTS + puts):
            for name, store in stores.items():
                wall, cpu = time.perf_counter(), time.process_time()
                stored = await store.put(image, "png")
                if index >= WARMUP_PUTS:
                    times[name].wall_ms.append((time.perf_counter() - wall) * 1000)
                    times[name].cpu_ms.append((time.process_time() - cpu) * 1000)
                assert stored.size == len(image)
    return times


@contextlib.contextmanager
def _aws_credentials(moto: Moto) -> Iterator[None]:
    """moto's key in the standard AWS_* variables, where the S3 client reads them, as a
    self-hoster sets them; the environment as it was afterwards."""
    given = {
        "AWS_ACCESS_KEY_ID": moto.access_key_id,
        "AWS_SECRET_ACCESS_KEY": moto.secret_access_key,
        "AWS_REGION": REGION,
    }
    cleared = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT", "AWS_ENDPOINT_URL")
    saved = {name: os.environ.get(name) for name in (*given, *cleared)}
    for name in cleared:
        os.environ.pop(name, None)
    os.environ.update(given)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _median(runs: list[LoadRun], field: str) -> float:
    return statistics.median(float(getattr(run, field)) for run in runs)


def _throughput_result(throughput: dict[int, list[LoadRun]]) -> Result:
    one, two = (_median(throughput[n], "requests_per_second") for n in (1, 2))
    errors = sum(run.errors for runs in throughput.values() for run in runs)
    ratio = two / one if one else 0.0
    return Result(
        section=SECTION,
        case=f"POST advanced-chart 800x600 PNG, {CONNECTIONS} connections, 2 processes",
        figure=f"{two:,.0f} req/s (p50 {_median(throughput[2], 'p50_ms'):.1f} ms)",
        baseline=f"1 process {one:,.0f} req/s; {ratio:.2f}x",
        target=f"≥ {THROUGHPUT_TARGET:g}x 1 process, 0 errors ({os.cpu_count()} CPUs)",
        met=ratio >= THROUGHPUT_TARGET and errors == 0,
        numbers={
            "one_process_rps": one,
            "two_processes_rps": two,
            "ratio": ratio,
            "errors": errors,
            "cpus": os.cpu_count() or 0,
        },
    )


def _limiter_result(timings: dict[str, list[float]]) -> Result:
    redis_ms = timings["redis"]
    median = statistics.median(redis_ms)
    p99 = statistics.quantiles(redis_ms, n=100)[98] if len(redis_ms) >= 100 else max(redis_ms)
    ping, memory = statistics.median(timings["ping"]), statistics.median(timings["memory"])
    return Result(
        section=SECTION,
        case="Redis limiter: one acquire (token bucket + quota script, local redis-server)",
        figure=f"median {median:.3f} ms, p99 {p99:.3f} ms over {len(redis_ms)}",
        baseline=(
            f"bare PING {ping:.3f} ms ({median / ping:.2f}x); in memory {memory * 1000:.1f} µs"
        ),
        target=f"≤ {LIMITER_TARGET_MS} ms median",
        met=median <= LIMITER_TARGET_MS,
        numbers={
            "median_ms": median,
            "p99_ms": p99,
            "ping_median_ms": ping,
            "memory_median_ms": memory,
        },
    )


def _store_result(times: dict[str, PutTimes], image_bytes: int) -> Result:
    s3, local = times["s3"], times["local"]
    wall, cpu = statistics.median(s3.wall_ms), statistics.median(s3.cpu_ms)
    local_wall, local_cpu = statistics.median(local.wall_ms), statistics.median(local.cpu_ms)
    return Result(
        section=SECTION,
        case=f"store a chart: S3 put (obstore, moto on {LOOPBACK}), {STORED_CHART.label}, "
        f"{image_bytes / 1000:.0f} kB",
        figure=f"median {wall:.2f} ms, {cpu:.2f} ms CPU over {len(s3.wall_ms)}",
        baseline=f"local directory {local_wall:.2f} ms, {local_cpu:.2f} ms CPU",
        # Against moto, a Python server on this machine, the time is mostly moto's: what it
        # shows is the cost, with no bound that would hold for a real bucket.
        target="reported (S3's time here is moto's)",
        met=None,
        numbers={
            "s3_median_ms": wall,
            "s3_cpu_median_ms": cpu,
            "local_median_ms": local_wall,
            "local_cpu_median_ms": local_cpu,
            "ratio": wall / local_wall if local_wall else 0.0,
            "puts": len(s3.wall_ms),
            "image_bytes": image_bytes,
        },
    )
