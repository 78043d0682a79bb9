"""Medians, percentiles and timing loops."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np


def median(samples: Sequence[float]) -> float:
    return float(statistics.median(samples))


def percentile(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples, dtype=np.float64), q))


def time_each(call: Callable[[int], object], iterations: int, warmup: int = 2) -> list[float]:
    """Seconds taken by each of `iterations` calls of `call(i)`, after `warmup` untimed ones."""
    for i in range(warmup):
        call(-1 - i)
    samples = []
    for i in range(iterations):
        started = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - started)
    return samples


def ms(seconds: float) -> float:
    return seconds * 1000.0
