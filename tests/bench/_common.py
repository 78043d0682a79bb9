"""What every benchmark shares: the scale of a run, the key, and the charts it draws."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

BENCH_KEY = "bench-key"
LOOPBACK = "127.0.0.1"
# Renders are timed as of consecutive seconds from here, so that no two share cached bars.
BENCH_NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, tzinfo=datetime.UTC)

BENCH_SYMBOL = "BINANCE:BTCUSDT.P"
BENCH_INTERVAL = "4h"
TWO_STUDIES = ("Open Interest", "Buy / Sell Volume")
FIVE_STUDIES = (
    "Open Interest",
    "Buy / Sell Volume",
    "Funding Rate",
    "Aggregated Long/Short Accounts Ratio",
    "Aggregated CVD Spot",
)


@dataclass(frozen=True, slots=True)
class Scale:
    """How long each benchmark runs; `FULL` for `make bench`, `SMOKE` to prove the code works."""

    render_iterations: int
    render_large_iterations: int
    baseline_iterations: int
    baseline_large_iterations: int
    encode_iterations: int
    load_seconds: int
    load_repeats: int
    concurrencies: tuple[int, ...]
    client_calls: int
    client_rounds: int
    memory_first: int
    memory_total: int
    conformance_examples: int


FULL = Scale(
    render_iterations=200,
    render_large_iterations=60,
    baseline_iterations=5,
    baseline_large_iterations=3,
    encode_iterations=100,
    load_seconds=3,
    load_repeats=5,
    concurrencies=(1, 8, 32),
    client_calls=200,
    client_rounds=7,
    memory_first=100,
    memory_total=10_000,
    conformance_examples=30,
)

SMOKE = Scale(
    render_iterations=2,
    render_large_iterations=1,
    baseline_iterations=1,
    baseline_large_iterations=1,
    encode_iterations=2,
    load_seconds=1,
    load_repeats=1,
    concurrencies=(1, 2),
    client_calls=3,
    client_rounds=1,
    memory_first=2,
    memory_total=6,
    conformance_examples=2,
)


def chart_body(
    width: int = 800,
    height: int = 600,
    studies: tuple[str, ...] = TWO_STUDIES,
    image_format: str = "png",
    **extra: Any,
) -> dict[str, Any]:
    """An advanced-chart request body in the API's own field names."""
    return {
        "symbol": BENCH_SYMBOL,
        "interval": BENCH_INTERVAL,
        "width": width,
        "height": height,
        "theme": "dark",
        "format": image_format,
        "studies": list(studies),
        **extra,
    }
