"""Time-axis ticks at round local times in the chart's timezone, TradingView-style.

A tick falls on the first bar after a boundary of the chosen step (a round hour, midnight,
the first of a month, a new year) in local time; it is labelled with the largest boundary it
crosses: the year, the month, the day of the month, or the time of day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

__all__ = ["TimeTick", "local_seconds", "time_ticks", "zone"]

IntArray = npt.NDArray[np.int64]

_DAY = 86400
# Candidate steps: seconds for intraday and days, or ("month", n).
_SECOND_STEPS = (60, 300, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200)
_DAY_STEPS = (1, 2, 3, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class TimeTick:
    bar: int
    label: str
    major: bool  # a day, month or year boundary, drawn in the stronger weight


@lru_cache(maxsize=128)
def zone(name: str) -> datetime.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def _offset(tz: datetime.tzinfo, seconds: int) -> int:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC).astimezone(tz)
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def local_seconds(times: IntArray, tz: datetime.tzinfo) -> IntArray:
    """Unix seconds shifted into local wall-clock seconds."""
    if len(times) == 0:
        return times
    first, last = _offset(tz, int(times[0])), _offset(tz, int(times[-1]))
    if first == last and _offset(tz, int(times[len(times) // 2])) == first:
        return times + first
    offsets = np.array([_offset(tz, int(t)) for t in times.tolist()], dtype=np.int64)
    return times + offsets


def _bucket(local: IntArray, step: tuple[str, int]) -> IntArray:
    kind, size = step
    if kind == "s":
        return local // size
    days = local // _DAY
    if kind == "d":
        # Weeks start on Monday (day 0 of the epoch was a Thursday).
        return (days + 3) // 7 if size == 7 else (days + 3) // 14 if size == 14 else days // size
    months = local.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return months // size


def _steps() -> list[tuple[tuple[str, int], int]]:
    """Every candidate step with its approximate length in seconds, shortest first."""
    steps = [(("s", s), s) for s in _SECOND_STEPS]
    steps += [(("d", d), d * _DAY) for d in _DAY_STEPS]
    steps += [(("M", m), m * 30 * _DAY) for m in _MONTH_STEPS]
    return steps


_CANDIDATES = _steps()


def _label(local: int, previous: int) -> tuple[str, bool]:
    now = datetime.datetime.fromtimestamp(local, datetime.UTC)
    before = datetime.datetime.fromtimestamp(previous, datetime.UTC)
    if now.year != before.year:
        return str(now.year), True
    if now.month != before.month:
        return _MONTH_NAMES[now.month - 1], True
    if now.date() != before.date():
        return str(now.day), True
    return f"{now.hour:02d}:{now.minute:02d}", False


def time_ticks(
    times: IntArray, bar_seconds: float, tz: datetime.tzinfo, bar_spacing: float, min_gap: float
) -> list[TimeTick]:
    """Ticks for bars opening at `times`, at least `min_gap` pixels apart."""
    if len(times) < 2:
        return []
    local = local_seconds(times, tz)
    bars_apart = max(1.0, min_gap / bar_spacing)
    step = next(
        (step for step, length in _CANDIDATES if length >= bars_apart * bar_seconds),
        _CANDIDATES[-1][0],
    )
    buckets = _bucket(local, step)
    starts = np.flatnonzero(np.diff(buckets) != 0) + 1
    ticks: list[TimeTick] = []
    previous = int(local[starts[0] - 1]) if len(starts) else 0
    for bar in starts.tolist():
        # Against the previous tick, not the previous bar: a month that began between two
        # ticks still names the first tick inside it.
        label, major = _label(int(local[bar]), previous)
        ticks.append(TimeTick(bar, label, major))
        previous = int(local[bar])
    return ticks
