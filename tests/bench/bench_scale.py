"""Several processes (issue 11): chart throughput with 2 processes against 1 on this machine,
and what the Redis limiter costs a request (one Lua round trip to a local redis-server)."""

from __future__ import annotations

import contextlib
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

from ._common import BENCH_KEY, LOOPBACK, Scale, chart_body
from ._processes import _child, _wait_until_answering, free_port, wrk_path
from ._report import Result
from ._wrk import LoadRun, wrk

SECTION = "scale"
THROUGHPUT_TARGET = 1.7  # 2 processes against 1
LIMITER_TARGET_MS = 0.3  # median, a request
CONNECTIONS = 8


def run(scale: Scale) -> list[Result]:
    binary = wrk_path()
    if binary is None:
        raise RuntimeError("wrk is not installed (make wrk)")
    with redis_server() as redis_url:
        throughput = {n: _chart_load(binary, redis_url, n, scale) for n in (1, 2)}
        limiter = anyio.run(_limiter_cost, redis_url, 200 if scale.load_repeats == 1 else 5000)
    return [_throughput_result(throughput), _limiter_result(*limiter)]


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


async def _limiter_cost(redis_url: str, requests: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each `acquire`: Redis's limiter, and the in-memory one as baseline."""
    async with open_redis(Settings(redis_url=redis_url)) as shared:
        redis_limiter = shared.limiter(1e9, 1_000_000)
        memory = TokenBuckets(1e9, 1_000_000, time.monotonic)
        timings: dict[str, list[float]] = {"redis": [], "memory": []}
        for name, limiter in (("redis", redis_limiter), ("memory", memory)):
            for index in range(requests):
                started = time.perf_counter()
                refused = await limiter.acquire(f"key-{index % 10}", None)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert refused is None
    return timings["redis"], timings["memory"]


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


def _limiter_result(redis_ms: list[float], memory_ms: list[float]) -> Result:
    median = statistics.median(redis_ms)
    p99 = statistics.quantiles(redis_ms, n=100)[98] if len(redis_ms) >= 100 else max(redis_ms)
    memory = statistics.median(memory_ms)
    return Result(
        section=SECTION,
        case="Redis limiter: one acquire (token bucket + quota script, local redis-server)",
        figure=f"median {median:.3f} ms, p99 {p99:.3f} ms over {len(redis_ms)}",
        baseline=f"in memory {memory * 1000:.1f} µs",
        target=f"≤ {LIMITER_TARGET_MS} ms median",
        met=median <= LIMITER_TARGET_MS,
        numbers={"median_ms": median, "p99_ms": p99, "memory_median_ms": memory},
    )
