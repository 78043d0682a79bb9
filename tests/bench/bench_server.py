"""Serving over loopback under wrk: the reference server against Prism mocking the same spec.

The two JSON runs alternate (ours, Prism, ours, Prism, ...) so that a noisy neighbour slows
both; each figure is the median over the repeats.
"""

from __future__ import annotations

from collections.abc import Callable

from chart_img_server import Settings

from ._common import Scale, chart_body
from ._processes import Service, prism_mock, reference_server, wrk_path
from ._report import Result
from ._stats import median
from ._wrk import LoadRun, wrk

SECTION = "server"
LIST_PATH = "/v3/coinalyze/exchange/list"
CHART_PATH = "/v3/coinalyze/advanced-chart"
LIST_TARGET = 2.0  # times Prism's requests/s
CHART_TARGET = 100.0  # requests/s with no errors


class WrkMissingError(RuntimeError):
    pass


def run(scale: Scale) -> list[Result]:
    binary = wrk_path()
    if binary is None:
        raise WrkMissingError("wrk is not installed: `apt-get install wrk` (make bench does)")
    workers = Settings.from_env().render_threads
    results = []
    with reference_server() as ours, prism_mock() as prism:
        for connections in scale.concurrencies:
            load = _loader(binary, connections, scale.load_seconds)
            runs: dict[str, list[LoadRun]] = {"ours": [], "prism": []}
            load(ours, LIST_PATH, None)  # warm-up: connections, caches, JIT in Prism's node
            load(prism, LIST_PATH, None)
            for _ in range(scale.load_repeats):
                runs["ours"].append(load(ours, LIST_PATH, None))
                runs["prism"].append(load(prism, LIST_PATH, None))
            results.append(_list_result(connections, workers, runs["ours"], runs["prism"]))
        for connections in scale.concurrencies:
            load = _loader(binary, connections, scale.load_seconds)
            load(ours, CHART_PATH, chart_body())
            chart_runs = [load(ours, CHART_PATH, chart_body()) for _ in range(scale.load_repeats)]
            results.append(_chart_result(connections, workers, chart_runs))
    return results


Loader = Callable[[Service, str, dict[str, object] | None], LoadRun]


def _loader(binary: str, connections: int, seconds: int) -> Loader:
    def load(service: Service, path: str, body: dict[str, object] | None) -> LoadRun:
        return wrk(
            binary,
            service.base_url + path,
            connections=connections,
            seconds=seconds,
            headers=service.headers,
            body=body,
        )

    return load


def _summary(runs: list[LoadRun]) -> dict[str, float]:
    return {
        "requests_per_second": median([r.requests_per_second for r in runs]),
        "p50_ms": median([r.p50_ms for r in runs]),
        "p99_ms": median([r.p99_ms for r in runs]),
        "requests": sum(r.requests for r in runs),
        "errors": sum(r.errors for r in runs),
    }


def _describe(summary: dict[str, float]) -> str:
    return (
        f"{summary['requests_per_second']:,.0f} req/s, p50 {summary['p50_ms']:.1f} ms, "
        f"p99 {summary['p99_ms']:.1f} ms, {summary['errors']:.0f} errors"
    )


def _list_result(
    connections: int, workers: int, ours_runs: list[LoadRun], prism_runs: list[LoadRun]
) -> Result:
    ours, prism = _summary(ours_runs), _summary(prism_runs)
    ratio = ours["requests_per_second"] / prism["requests_per_second"]
    return Result(
        section=SECTION,
        case=f"GET exchange/list, {connections} connections",
        figure=_describe(ours),
        baseline=f"Prism {_describe(prism)}; ours {ratio:.1f}x",
        target=f"≥ {LIST_TARGET:g}x Prism, 0 errors",
        met=ratio >= LIST_TARGET and ours["errors"] == 0,
        numbers={
            **ours,
            "connections": connections,
            "render_workers": workers,
            "prism_requests_per_second": prism["requests_per_second"],
            "prism_p50_ms": prism["p50_ms"],
            "prism_p99_ms": prism["p99_ms"],
            "prism_errors": prism["errors"],
            "ratio_vs_prism": ratio,
        },
    )


def _chart_result(connections: int, workers: int, runs: list[LoadRun]) -> Result:
    ours = _summary(runs)
    return Result(
        section=SECTION,
        case=f"POST advanced-chart 800x600 PNG, {connections} connections",
        figure=_describe(ours),
        baseline="",
        target=f"≥ {CHART_TARGET:g} req/s, 0 errors",
        met=ours["requests_per_second"] >= CHART_TARGET and ours["errors"] == 0,
        numbers={**ours, "connections": connections, "render_workers": workers},
    )
