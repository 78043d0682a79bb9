"""Round axis ticks and the labels that go with them."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["format_compact", "format_price", "format_value", "nice_ticks", "price_decimals"]

_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def nice_ticks(low: float, high: float, max_count: int) -> tuple[npt.NDArray[np.float64], float]:
    """Round values inside [low, high], at most `max_count` of them, and their step."""
    span = high - low
    if not math.isfinite(span) or span <= 0 or max_count < 1:
        return np.array([low]), max(abs(low), 1.0)
    raw = span / max_count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in _STEPS if m * magnitude >= raw)
    first = math.ceil(low / step)
    last = math.floor(high / step)
    return np.arange(first, last + 1, dtype=np.float64) * step, step


def price_decimals(step: float) -> int:
    """Enough decimals to tell ticks `step` apart (2.5 needs one more than 2)."""
    if step <= 0 or not math.isfinite(step):
        return 2
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if not math.isclose(step / 10.0**-decimals, round(step / 10.0**-decimals), rel_tol=1e-6):
        decimals += 1
    return min(decimals, 10)


def format_price(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def format_compact(value: float, step: float) -> str:
    """`12.5M`, `-3.2K`, `0.85`: large values with a suffix, small ones with decimals."""
    magnitude = abs(value)
    if magnitude <= abs(step) * 1e-9:
        return "0"
    for scale, suffix in _SUFFIXES:
        if magnitude >= scale or step >= scale:
            decimals = price_decimals(step / scale) if step > 0 else 2
            return f"{value / scale:.{min(decimals, 2)}f}{suffix}"
    return format_price(value, price_decimals(step) if step > 0 else 2)


def format_value(value: float, step: float, unit: str) -> str:
    """A study value for an axis or a legend, with its unit where it reads naturally."""
    if unit == "%":
        return f"{value:.{max(2, price_decimals(step))}f}%"
    return format_compact(value, step)
