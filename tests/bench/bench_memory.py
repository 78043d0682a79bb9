"""Server memory: resident size after the first renders and after many more, over HTTP.

The requests cycle through sizes, formats, themes, symbols and studies, so that every cache the
server keeps (bars, canvases, fonts) is filled the way real traffic would fill it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from ._common import FIVE_STUDIES, TWO_STUDIES, Scale, chart_body
from ._processes import Service, reference_server
from ._report import Result

SECTION = "memory"
CHART_PATH = "/v3/coinalyze/advanced-chart"
SENDERS = 4
GROWTH_TARGET = 0.10


class RenderFailedError(RuntimeError):
    pass


def run(scale: Scale) -> list[Result]:
    with reference_server() as server:
        bodies = _bodies()
        _render(server, bodies, scale.memory_first)
        first = server.rss_bytes()
        _render(server, bodies, scale.memory_total - scale.memory_first)
        last = server.rss_bytes()
    growth = (last - first) / first
    return [
        Result(
            section=SECTION,
            case=f"server RSS after {scale.memory_first:,} and {scale.memory_total:,} renders",
            figure=f"{first / 2**20:.0f} MiB → {last / 2**20:.0f} MiB ({growth:+.1%})",
            baseline=f"after {scale.memory_first:,} renders",
            target=f"growth ≤ {GROWTH_TARGET:.0%}",
            met=growth <= GROWTH_TARGET,
            numbers={
                "rss_first_bytes": first,
                "rss_last_bytes": last,
                "renders_first": scale.memory_first,
                "renders_total": scale.memory_total,
                "growth": growth,
            },
        )
    ]


def _bodies() -> Iterator[dict[str, Any]]:
    variants = [
        chart_body(),
        chart_body(image_format="jpeg", theme="light"),
        chart_body(studies=(), symbol="BINANCE:ETHUSDT", interval="15m"),
        chart_body(1280, 720, FIVE_STUDIES, watermark="chart-img-kit"),
        chart_body(2048, 1920, (), symbol="BINANCE:ETHUSDT", interval="1D"),
        chart_body(studies=TWO_STUDIES, symbol="BYBIT:SOLUSDT.P", interval="1h"),
    ]
    return itertools.cycle(variants)


def _render(server: Service, bodies: Iterator[dict[str, Any]], count: int) -> None:
    work = [next(bodies) for _ in range(count)]
    shares = [work[i::SENDERS] for i in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        for failure in pool.map(lambda share: _send_all(server, share), shares):
            if failure:
                raise RenderFailedError(failure)


def _send_all(server: Service, bodies: list[dict[str, Any]]) -> str:
    with httpx.Client(base_url=server.base_url, headers=dict(server.headers), timeout=60) as http:
        for body in bodies:
            response = http.post(CHART_PATH, json=body)
            if response.status_code != 200:
                return f"{response.status_code} for {body}: {response.text[:200]}"
    return ""
