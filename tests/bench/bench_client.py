"""Client overhead: the overlay and the generated client against raw httpx, same server.

Blocks of calls alternate between the three clients, so that a noisy neighbour slows them
alike; each figure is the median per-call time over the blocks, and the ratio is against raw
httpx on one kept-alive connection doing the same GET and JSON decoding.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from chart_img import ChartImg
from chart_img_api import AuthenticatedClient
from chart_img_api.api.market import list_exchanges

from ._common import BENCH_KEY, Scale
from ._processes import reference_server
from ._report import Result
from ._stats import median

SECTION = "client"
LIST_PATH = "/v3/coinalyze/exchange/list"
TARGET_RATIO = 1.2


def run(scale: Scale) -> list[Result]:
    with (
        reference_server() as server,
        httpx.Client(base_url=server.base_url, headers=dict(server.headers)) as raw_http,
        ChartImg(api_key=BENCH_KEY, base_url=server.base_url, max_retries=0) as overlay,
        AuthenticatedClient(
            base_url=server.base_url, token=BENCH_KEY, prefix="", auth_header_name="x-api-key"
        ) as generated,
    ):
        clients: dict[str, Callable[[], object]] = {
            "raw httpx": lambda: raw_http.get(LIST_PATH).raise_for_status().json(),
            "overlay ChartImg.exchanges()": overlay.exchanges,
            "generated list_exchanges.sync()": lambda: _generated_call(generated),
        }
        per_call = _alternating_blocks(clients, scale.client_calls, scale.client_rounds)
    raw = median(per_call["raw httpx"])
    return [
        _result(name, median(samples), raw)
        for name, samples in per_call.items()
        if name != "raw httpx"
    ]


def _generated_call(client: AuthenticatedClient) -> object:
    listing = list_exchanges.sync(client=client)
    if listing is None:
        raise RuntimeError("the generated client returned no exchange list")
    return listing


def _alternating_blocks(
    clients: dict[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, list[float]]:
    for call in clients.values():  # warm-up: connection, imports, first parse
        call()
    per_call: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, call in clients.items():
            started = time.perf_counter()
            for _ in range(calls):
                call()
            per_call[name].append((time.perf_counter() - started) / calls)
    return per_call


def _result(name: str, seconds: float, raw_seconds: float) -> Result:
    ratio = seconds / raw_seconds
    return Result(
        section=SECTION,
        case=f"{name} (GET exchange/list)",
        figure=f"{seconds * 1e6:,.0f} µs/call, {ratio:.2f}x raw",
        baseline=f"raw httpx {raw_seconds * 1e6:,.0f} µs/call",
        target=f"≤ {TARGET_RATIO:g}x raw httpx",
        met=ratio <= TARGET_RATIO,
        numbers={
            "us_per_call": seconds * 1e6,
            "raw_httpx_us_per_call": raw_seconds * 1e6,
            "ratio_vs_raw_httpx": ratio,
            "overhead_us_per_call": (seconds - raw_seconds) * 1e6,
        },
    )
