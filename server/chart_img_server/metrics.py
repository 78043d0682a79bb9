"""`GET /metrics`: Prometheus text, summed over every server process.

With several processes (`--processes`), the supervisor points `PROMETHEUS_MULTIPROC_DIR` at a
fresh directory before it starts them; each process writes its values there and `/metrics`,
whichever process answers it, reads and sums them all. A single process keeps its values in
memory (the default registry).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# The spec's operationIds, by route path and method; other routes by their path.
OPERATIONS = {
    ("GET", "/v3/coinalyze/exchange/list"): "listExchanges",
    ("GET", "/v3/coinalyze/exchange/{exchange_id}"): "listExchangeSymbols",
    ("POST", "/v3/coinalyze/advanced-chart"): "captureAdvancedChart",
    ("POST", "/v3/coinalyze/advanced-chart/storage"): "storeAdvancedChart",
}
UNROUTED = "none"  # no route matched: a 404, 405 or a request refused before routing

REQUESTS = Counter(
    "chart_img_requests",
    "Requests answered, by operation (the spec's operationId, else the route) and status.",
    ["operation", "status"],
)
RENDER_SECONDS = Histogram(
    "chart_img_render_seconds",
    "Time to draw and encode one chart, on a render thread.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UPSTREAM_SECONDS = Histogram(
    "chart_img_upstream_seconds",
    "Time an upstream market-data call took, by upstream.",
    ["upstream"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UPSTREAM_CALLS = Counter(
    "chart_img_upstream_calls",
    "Calls spent from an upstream's budget, by upstream.",
    ["upstream"],
)
UPSTREAM_THROTTLED = Counter(
    "chart_img_upstream_throttled",
    "Upstream answers that throttled the server (429 and the like), by upstream.",
    ["upstream"],
)
CACHE_LOOKUPS = Counter(
    "chart_img_bar_cache_lookups",
    "Bar-cache lookups of one series: hit (nothing to fetch), shared (read from another"
    " process's fetch, through Redis) or miss (fetched from the upstream).",
    ["result"],
)

_T = TypeVar("_T")


def timed_render(render: Callable[..., _T]) -> Callable[..., _T]:
    """The renderer, each call observed in `chart_img_render_seconds`."""

    def timed(*args: object) -> _T:
        started = time.perf_counter()
        try:
            return render(*args)
        finally:
            RENDER_SECONDS.observe(time.perf_counter() - started)

    return timed


def mark_process_dead(pid: int | None) -> None:
    """Forgets a stopped process's live gauges (its counters stay in the sums)."""
    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if pid is not None and directory:
        _multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """Every metric, in Prometheus text format, summed over the processes when several."""
    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def metrics_endpoint(request: Request) -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


def operation_of(scope: Scope) -> str:
    route: BaseRoute | None = scope.get("route")
    if not isinstance(route, Route):
        return UNROUTED
    return OPERATIONS.get((scope["method"], route.path), route.path)


def count_request(scope: Scope, status: int) -> None:
    """Counts an HTTP request by operation and status (the access log's middleware calls
    this once the answer is known, so that a request is observed once)."""
    labels = (operation_of(scope), status)
    counter = _requests_by_labels.get(labels)
    if counter is None:
        counter = _requests_by_labels[labels] = REQUESTS.labels(labels[0], str(status))
    counter.inc()


# Each request's counter, found once: prometheus-client checks the labels on every look-up.
_requests_by_labels: dict[tuple[str, int], Counter] = {}
