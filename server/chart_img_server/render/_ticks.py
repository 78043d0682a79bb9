"""Round axis ticks and the labels that go with them.

Labels follow TradingView: large values take a K, M, B or T suffix chosen by the value itself
(`800K`, `1.2M`), axis labels carry as many decimals as their step needs, and a legend value
keeps four significant digits, so a value that is not zero never prints as a bare `0`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "format_compact",
    "format_legend",
    "format_price",
    "format_tick",
    "nice_ticks",
    "price_decimals",
]

_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
_SIGNIFICANT = 4  # digits of a legend value
_MAX_DECIMALS = 10


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
    return min(decimals, _MAX_DECIMALS)


def format_price(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _suffix(magnitude: float) -> tuple[float, str]:
    for scale, suffix in _SUFFIXES:
        if magnitude >= scale * 0.9995:  # 999,960 rounds to 1M, not 1000K
            return scale, suffix
    return 1.0, ""


def format_compact(value: float, step: float) -> str:
    """An axis label: `800K`, `1.2M`, `-3.5K`, `0.85`; decimals enough to tell steps apart."""
    magnitude = abs(value)
    if not math.isfinite(value):
        return "n/a"
    if magnitude <= abs(step) * 1e-9 or magnitude == 0:
        return "0"
    scale, suffix = _suffix(magnitude)
    decimals = price_decimals(step / scale) if step > 0 else 2
    if suffix:
        decimals = min(decimals, 3)
    return f"{value / scale:.{decimals}f}{suffix}"


def _significant_decimals(magnitude: float, digits: int) -> int:
    """Decimals that show `digits` significant digits of `magnitude` (> 0)."""
    return max(0, min(_MAX_DECIMALS, digits - 1 - math.floor(math.log10(magnitude))))


def format_legend(value: float, unit: str) -> str:
    """A study's current value: `310K`, `1.236M`, `0.0100%`, `1.25`; never `0` unless it is."""
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if unit == "%":
        if magnitude == 0:
            return "0.00%"
        return f"{value:.{max(2, _significant_decimals(magnitude, 3))}f}%"
    if magnitude == 0:
        return "0"
    scale, suffix = _suffix(magnitude)
    mantissa = magnitude / scale
    decimals = _significant_decimals(mantissa, _SIGNIFICANT)
    text = f"{value / scale:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("1000", "-1000") and suffix != "T":  # rounding crossed into the next suffix
        return format_legend(math.copysign(1000.0 * scale, value), unit)
    return text + suffix


def format_tick(value: float, step: float, unit: str) -> str:
    """A study's axis label, with its unit where it reads naturally."""
    if unit == "%":
        return f"{value:.{max(2, price_decimals(step))}f}%"
    return format_compact(value, step)
