"""Bars fetched from an upstream, kept so that each is fetched once.

A closed bar never changes, so it is kept until memory is needed; only the forming bar is
fetched again, once it is older than the refresh period. Each entry remembers which span
of time it has asked the upstream about, so bars the upstream does not have (before its
retention, or with no trades) are not asked for again. An entry keeps the bars of the widest
window asked of it, back from the forming bar: as time passes, older bars go, so that an
entry does not grow with the server's uptime.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ._noise import FloatArray, IntArray


@dataclass(slots=True)
class CachedBars:
    """Closed bars from `covered_from` up to `closed_until`, and the forming bar if fetched."""

    columns: tuple[str, ...]
    time: IntArray
    values: FloatArray  # one row a bar, one column per name in `columns`
    covered_from: int
    closed_until: int
    forming_time: int | None = None
    forming: FloatArray | None = None
    forming_fetched: float = 0.0
    span: int = 0  # the widest window asked of it, in seconds back from the forming bar

    def rows(self) -> tuple[IntArray, FloatArray]:
        """Every bar held, the forming one last, oldest first."""
        if self.forming_time is None or self.forming is None:
            return self.time, self.values
        time = np.append(self.time, self.forming_time)
        return time, np.vstack([self.values, self.forming[None, :]])


@dataclass(frozen=True, slots=True)
class Fetch:
    """What to ask the upstream for: the bars opening from `start` to now."""

    start: int


class BarCache:
    """Cached bars per key (symbol, series, interval), at most `max_bars` in all, LRU."""

    def __init__(self, max_bars: int, refresh: float) -> None:
        self.max_bars = max_bars
        self.refresh = refresh
        self._entries: OrderedDict[Hashable, CachedBars] = OrderedDict()
        self._bars = 0

    def __len__(self) -> int:
        return self._bars

    def get(self, key: Hashable) -> CachedBars | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def fetch_needed(self, key: Hashable, start: int, forming: int, now: float) -> Fetch | None:
        """What to fetch so that bars opening from `start` to the forming one are all known."""
        entry = self._entries.get(key)
        if entry is None or start < entry.covered_from:
            return Fetch(start)
        if entry.closed_until < forming:
            return Fetch(entry.closed_until)
        # The forming bar was asked for (`closed_until` is its opening): again once it is old.
        if now - entry.forming_fetched >= self.refresh:
            return Fetch(forming)
        return None

    def store(
        self,
        key: Hashable,
        columns: tuple[str, ...],
        asked_from: int,
        forming: int,
        time: IntArray,
        values: FloatArray,
        now: float,
        keep: Iterable[Hashable] = (),
    ) -> None:
        """Bars the upstream answered for `asked_from` to now; `forming` opens the last bar."""
        closed = time < forming
        entry = self._entries.get(key)
        if entry is None:
            entry = CachedBars(columns, time[closed], values[closed], asked_from, forming)
            self._entries[key] = entry
            self._bars += len(entry.time)
        else:
            self._bars -= len(entry.time)
            entry.time, entry.values = _merged(entry, time[closed], values[closed])
            entry.covered_from = min(entry.covered_from, asked_from)
            entry.closed_until = max(entry.closed_until, forming)
            self._bars += len(entry.time)
        latest = np.flatnonzero(time == forming)
        entry.forming_time = forming if len(latest) else None
        entry.forming = values[latest[-1]] if len(latest) else None
        entry.forming_fetched = now
        self._entries.move_to_end(key)
        self._evict(frozenset(keep) | {key})

    def keep_window(self, key: Hashable, start: int, forming: int) -> None:
        """A window from `start` to the forming bar was asked of the entry: it keeps the
        widest such window's bars and drops older ones."""
        entry = self._entries.get(key)
        if entry is None:
            return
        entry.span = max(entry.span, forming - start)
        cut = forming - entry.span
        if entry.covered_from >= cut:
            return
        kept = entry.time >= cut
        self._bars -= len(entry.time) - int(np.count_nonzero(kept))
        entry.time, entry.values = entry.time[kept], entry.values[kept]
        entry.covered_from = cut

    def adopt(self, key: Hashable, other: CachedBars, keep: Iterable[Hashable] = ()) -> None:
        """Takes in an entry fetched elsewhere (another process): its closed bars join ours
        when the two spans meet, else the later span replaces ours; the forming bar of the
        later fetch stays."""
        entry = self._entries.get(key)
        if entry is None or not _meet(entry, other):
            if entry is None or other.closed_until > entry.closed_until:
                self._bars += len(other.time) - (len(entry.time) if entry else 0)
                self._entries[key] = other
        else:
            self._bars -= len(entry.time)
            entry.time, entry.values = _merged(entry, other.time, other.values)
            entry.covered_from = min(entry.covered_from, other.covered_from)
            entry.span = max(entry.span, other.span)
            self._bars += len(entry.time)
            later = (other.closed_until, other.forming_fetched)
            if later > (entry.closed_until, entry.forming_fetched):
                entry.closed_until = other.closed_until
                entry.forming_time, entry.forming = other.forming_time, other.forming
                entry.forming_fetched = other.forming_fetched
        self._entries.move_to_end(key)
        self._evict(frozenset(keep) | {key})

    def _evict(self, keep: frozenset[Hashable]) -> None:
        for key in list(self._entries):
            if self._bars <= self.max_bars:
                return
            if key not in keep:
                self._bars -= len(self._entries.pop(key).time)


def _meet(entry: CachedBars, other: CachedBars) -> bool:
    """Whether two entries' spans overlap or touch, so that their union leaves no gap."""
    return other.covered_from <= entry.closed_until and entry.covered_from <= other.closed_until


def _merged(entry: CachedBars, time: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray]:
    """The entry's closed bars with these added; a bar answered again takes the new values."""
    if not len(time):
        return entry.time, entry.values
    old = ~np.isin(entry.time, time)
    merged_time = np.concatenate([entry.time[old], time])
    merged_values = np.vstack([entry.values[old], values])
    order = np.argsort(merged_time, kind="stable")
    return merged_time[order], merged_values[order]


def as_arrays(rows: Sequence[Sequence[float]], width: int) -> tuple[IntArray, FloatArray]:
    """Rows of `(t, value, value, ...)` as a time array and a value matrix, sorted by time."""
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, width))
    table = np.asarray(rows, dtype=np.float64)
    order = np.argsort(table[:, 0], kind="stable")
    return table[order, 0].astype(np.int64), table[order, 1:]
