"""The bars of an upstream's series, each fetched once, shared by every upstream adapter.

An adapter says how to ask its upstream for a group of series (`FetchGroup`); this module
decides what to ask for: bars never held first, then forming bars older than the refresh
period, one fetch at a time per series (a concurrent request for the same bars waits and
reads the cache), and bars already held standing in when the upstream fails or its budget
is spent.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import numpy as np

from ..metrics import CACHE_LOOKUPS, UPSTREAM_SECONDS
from ._bar_cache import BarCache, Fetch
from ._budget import CallBudget
from ._intervals import DAY, Window
from ._noise import FloatArray, IntArray
from ._series import COLUMNS, Series, SeriesKind, build_from_daily
from ._shared_bars import SharedBars
from ._sharing import current_sharing
from ._source import MarketDataError, UpstreamBusyError
from ._studies import Need

logger = logging.getLogger("chart_img_server.market")


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """One upstream series: a symbol's series of one kind, in bars of one upstream period."""

    symbol: str
    kind: SeriesKind
    period: str  # the upstream's name for it: `1hour`, `4h`, `1H`
    seconds: int

    @property
    def name(self) -> str:
        """The series' name among the upstream's, for the bars shared by processes."""
        return f"{self.period}:{self.kind.value}:{self.symbol}"


THROTTLED = frozenset({429})
Answer = Any  # what a generated client's `asyncio_detailed` returns: a `Response[...]`

Rows = tuple[IntArray, FloatArray]  # bar opening times, and one row of COLUMNS[kind] each
FetchGroup = Callable[[SeriesKind, Sequence[SeriesKey], int], Awaitable[Mapping[SeriesKey, Rows]]]


class CachedUpstream:
    """An upstream's series through a bar cache; `max_per_call` series a fetch at most.

    Made inside `sharing(shared)` (several processes), the bars each fetch brings are
    shared, and bars the cache lacks are looked for there before the upstream is asked.
    """

    def __init__(
        self,
        upstream: str,
        cache: BarCache,
        max_per_call: int,
        absent_is_zero: frozenset[SeriesKind] = frozenset(),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self._cache = cache
        self._max_per_call = max_per_call
        self._absent_is_zero = absent_is_zero
        self._monotonic = monotonic
        self._locks: dict[SeriesKey, anyio.Lock] = {}
        store = current_sharing()
        self._shared = None if store is None else SharedBars(upstream, store, monotonic)

    async def series(
        self, keys: Mapping[Need, SeriesKey], window: Window, fetch: FetchGroup
    ) -> dict[Need, Series]:
        """Each need's series on the window's bars, fetching what the cache lacks."""
        unique = sorted(set(keys.values()), key=_key_order)
        if not unique:
            return {}
        start, forming = _span(window, unique[0].seconds)
        async with self._locked(unique):
            await self._refresh(unique, start, forming, fetch)
            return {need: self._read(key, window, start, forming) for need, key in keys.items()}

    async def _refresh(
        self, keys: list[SeriesKey], start: int, forming: int, fetch: FetchGroup
    ) -> None:
        needed = self._needed(keys, start, forming)
        hits = len(keys) - len(needed)
        if needed and self._shared is not None:
            await self._adopt_shared(list(needed), keys)
            needed = self._needed(list(needed), start, forming)
            CACHE_LOOKUPS.labels("shared").inc(len(keys) - hits - len(needed))
        CACHE_LOOKUPS.labels("hit").inc(hits)
        CACHE_LOOKUPS.labels("miss").inc(len(needed))
        batches: dict[tuple[bool, SeriesKind, int], list[SeriesKey]] = {}
        for key, fetch_from in needed.items():
            held = self._cache.get(key) is not None
            batches.setdefault((held, key.kind, fetch_from.start), []).append(key)
        fetched: list[SeriesKey] = []
        for held, kind, batch_start in sorted(batches, key=lambda batch: batch[0]):
            for group in _chunks(batches[held, kind, batch_start], self._max_per_call):
                try:
                    answered = await fetch(kind, group, batch_start)
                except (MarketDataError, UpstreamBusyError) as error:
                    if not held:
                        raise
                    logger.warning("%s: serving cached bars, %s", self.upstream, error)
                    continue
                self._store(kind, group, batch_start, forming, answered, keys)
                fetched.extend(group)
        for key in keys:
            self._cache.keep_window(key, start, forming)
        await self._share(fetched)

    def _needed(self, keys: list[SeriesKey], start: int, forming: int) -> dict[SeriesKey, Fetch]:
        now = self._monotonic()
        needed = {key: self._cache.fetch_needed(key, start, forming, now) for key in keys}
        return {key: fetch_from for key, fetch_from in needed.items() if fetch_from is not None}

    async def _adopt_shared(self, wanted: list[SeriesKey], keep: list[SeriesKey]) -> None:
        assert self._shared is not None
        found = await self._shared.read({key.name: tuple(COLUMNS[key.kind]) for key in wanted})
        for key in wanted:
            if key.name in found:
                self._cache.adopt(key, found[key.name], keep)

    async def _share(self, fetched: list[SeriesKey]) -> None:
        if self._shared is None or not fetched:
            return
        entries = {key.name: self._cache.get(key) for key in fetched}
        await self._shared.write({name: e for name, e in entries.items() if e is not None})

    def _store(
        self,
        kind: SeriesKind,
        group: Sequence[SeriesKey],
        start: int,
        forming: int,
        answered: Mapping[SeriesKey, Rows],
        keep: list[SeriesKey],
    ) -> None:
        columns = tuple(COLUMNS[kind])
        now = self._monotonic()
        empty: Rows = (np.zeros(0, dtype=np.int64), np.zeros((0, len(columns))))
        for key in group:
            times, values = answered.get(key, empty)
            self._cache.store(key, columns, start, forming, times, values, now, keep)

    def _read(self, key: SeriesKey, window: Window, start: int, forming: int) -> Series:
        """The cached bars of one key on the window's bars; NaN where there are none."""
        entry = self._cache.get(key)
        if entry is None:
            return Series.empty(key.kind, window.time)
        grid = np.arange(start, forming + 1, key.seconds, dtype=np.int64)
        times, values = entry.rows()
        columns = {name: values[:, i] for i, name in enumerate(COLUMNS[key.kind])}
        series = Series(key.kind, times, columns).aligned(grid)
        if key.kind in self._absent_is_zero:
            asked = grid >= entry.covered_from
            zeroed = {n: np.where(asked & np.isnan(v), 0.0, v) for n, v in series.columns.items()}
            series = Series(key.kind, grid, zeroed)
        if window.interval.is_calendar:
            present = np.isfinite(next(iter(series.columns.values())))
            days = Series(
                key.kind, grid[present], {n: v[present] for n, v in series.columns.items()}
            )
            return build_from_daily(days, window.interval).aligned(window.time)
        return series.aligned(window.time)

    @contextlib.asynccontextmanager
    async def _locked(self, keys: list[SeriesKey]) -> AsyncIterator[None]:
        """One fetch at a time per key: a concurrent request for the same bars waits for it."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                for key in keys:
                    await stack.enter_async_context(self._locks.setdefault(key, anyio.Lock()))
                yield
        finally:
            for key in keys:
                lock = self._locks.get(key)
                if lock is not None and not lock.locked() and not lock.statistics().tasks_waiting:
                    del self._locks[key]


def _span(window: Window, seconds: int) -> tuple[int, int]:
    """The opening instants of the first and the forming upstream bar the window needs.

    Weeks and months are read from days: the days from the first week's or month's start.
    """
    if window.interval.is_calendar:
        days = DAY.indices_of(np.array([window.start, window.now], dtype=np.int64))
        opens = DAY.open_times(days)
        return int(opens[0]), int(opens[1])
    return window.start, window.forming_open


def _chunks(keys: list[SeriesKey], size: int) -> Iterator[list[SeriesKey]]:
    for first in range(0, len(keys), size):
        yield keys[first : first + size]


def _key_order(key: SeriesKey) -> tuple[str, str, str]:
    return key.symbol, key.kind.value, key.period


async def call_upstream(
    upstream: str,
    budget: CallBudget,
    cost: int,
    request: Callable[[], Awaitable[Answer]],
    explain: Callable[[Answer], str],
    throttled: frozenset[int] = THROTTLED,
) -> Answer:
    """One call within the upstream's budget: its 200 answer, or why there is none.

    A throttled answer (429, and what else the upstream uses) blocks the budget for its
    `Retry-After` and the call waits for it, within the caller's deadline. `explain` words
    any other answer for the log: it must never include a key.
    """
    while True:
        await budget.spend(cost)
        try:
            with UPSTREAM_SECONDS.labels(upstream).time():
                response = await request()
        except httpx.TimeoutException:
            raise MarketDataError(upstream, "timed out") from None
        except httpx.HTTPError as error:
            raise MarketDataError(upstream, f"unreachable ({type(error).__name__})") from None
        except (ValueError, KeyError, TypeError):
            raise MarketDataError(upstream, "answered a body not in its documented shape") from None
        if response.status_code in throttled:
            budget.block(retry_after(response.headers.get("retry-after")))
            continue
        if response.status_code == 200:
            return response
        raise MarketDataError(upstream, explain(response))


def retry_after(header: str | None) -> float:
    """Seconds to wait from a `Retry-After` header (a minute when it says nothing usable)."""
    try:
        return max(1.0, float(header)) if header is not None else 60.0
    except ValueError:
        return 60.0
