"""Bar intervals, and the window of bars a chart shows."""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

import numpy as np

from ._noise import IntArray

YEAR_SECONDS = 365.25 * 86400.0
_UNIT_SECONDS = {"m": 60, "h": 3600, "D": 86400, "W": 7 * 86400}
_INTERVAL_PATTERN = re.compile(r"^([1-9][0-9]*)([mhDWM])$")
# 1970-01-01 was a Thursday; weeks start on Monday, three days earlier.
_WEEK_EPOCH_SHIFT = 3 * 86400


@dataclass(frozen=True, slots=True)
class Interval:
    """A bar interval such as `15m`, `4h`, `1D`, `1W` (Monday-based) or `1M` (calendar)."""

    count: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Interval:
        match = _INTERVAL_PATTERN.match(text)
        if match is None:
            raise ValueError(f"not an interval: {text!r}")
        return cls(int(match.group(1)), match.group(2))

    @property
    def seconds(self) -> float:
        """The nominal length; a month counts as a twelfth of a year."""
        if self.unit == "M":
            return self.count * YEAR_SECONDS / 12
        return float(self.count * _UNIT_SECONDS[self.unit])

    @property
    def label(self) -> str:
        return f"{self.count}{self.unit}"

    @property
    def is_calendar(self) -> bool:
        """Weeks and months: built from daily bars where a source has no such interval."""
        return self.unit in ("W", "M")

    def index_at(self, moment: datetime.datetime) -> int:
        """The absolute index of the bar that contains `moment`."""
        return int(self.indices_of(np.array([math.floor(moment.timestamp())]))[0])

    def indices_of(self, seconds: IntArray) -> IntArray:
        """The absolute index of the bar that contains each instant (Unix seconds)."""
        if self.unit == "M":
            months = seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
            result: IntArray = months // self.count
            return result
        shifted = seconds + _WEEK_EPOCH_SHIFT if self.unit == "W" else seconds
        return shifted // (self.count * _UNIT_SECONDS[self.unit])

    def open_times(self, indices: IntArray) -> IntArray:
        """The opening instants (Unix seconds, UTC) of the bars with these indices."""
        if self.unit == "M":
            months = (indices * self.count).astype("datetime64[M]")
            result: IntArray = months.astype("datetime64[s]").astype(np.int64)
            return result
        opens = indices * (self.count * _UNIT_SECONDS[self.unit])
        return opens - _WEEK_EPOCH_SHIFT if self.unit == "W" else opens


DAY = Interval(1, "D")


@dataclass(frozen=True, slots=True)
class Window:
    """The bars of a chart: `count` bars of `interval`, the last one forming at `now`."""

    interval: Interval
    now: int
    count: int

    @classmethod
    def ending_at(cls, interval: Interval, now: datetime.datetime, count: int) -> Window:
        return cls(interval, math.floor(now.timestamp()), max(1, count))

    @property
    def last_index(self) -> int:
        return int(self.interval.indices_of(np.array([self.now], dtype=np.int64))[0])

    @property
    def indices(self) -> IntArray:
        last = self.last_index
        return np.arange(last - self.count + 1, last + 1, dtype=np.int64)

    @property
    def time(self) -> IntArray:
        """Each bar's opening instant, Unix seconds, oldest first."""
        return self.interval.open_times(self.indices)

    @property
    def start(self) -> int:
        return int(self.time[0])

    @property
    def forming_open(self) -> int:
        """The opening instant of the last bar, the one still forming."""
        return int(self.interval.open_times(np.array([self.last_index], dtype=np.int64))[0])
