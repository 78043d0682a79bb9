"""An upstream's call budget: at most so many calls in any rolling period.

In one process the window is kept in memory. Budgets made inside `sharing(shared)` (several
processes: `open_market` with Redis) spend from a window they share instead, with the same
waits, blocks and `UpstreamBusyError`s.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

import anyio

from ..metrics import UPSTREAM_CALLS, UPSTREAM_THROTTLED
from ._sharing import SharedWindow, current_sharing
from ._source import UpstreamBusyError


class CallBudget:
    """At most `calls` upstream calls in any rolling `period` of seconds.

    A caller that must wait waits, unless the wait would outlast its own deadline (the
    enclosing `anyio` cancel scope's): then `UpstreamBusyError` says when the budget frees.
    """

    def __init__(
        self,
        upstream: str,
        calls: int,
        period: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if calls < 1:
            raise ValueError("a call budget needs at least one call")
        self.upstream = upstream
        self.calls = calls
        self.period = period
        self._monotonic = monotonic
        self._spent: deque[tuple[float, int]] = deque()
        self._blocked_until = -math.inf
        self._shared: SharedWindow | None = current_sharing()
        self._pending_block = 0.0

    @property
    def spent(self) -> int:
        """Calls spent in the current window."""
        self._forget(self._monotonic())
        return sum(count for _, count in self._spent)

    async def spend(self, count: int) -> None:
        """Waits until `count` calls fit the budget, then records them as spent."""
        if count > self.calls:
            raise ValueError(f"{count} calls can never fit a budget of {self.calls}")
        if self._shared is not None:
            await self._spend_shared(self._shared, count)
            return
        while True:
            now = self._monotonic()
            wait = self.wait_for(count, now)
            if wait <= 0:
                self._spent.append((now, count))
                UPSTREAM_CALLS.labels(self.upstream).inc(count)
                return
            self._wait_or_give_up(wait)
            await anyio.sleep(wait)

    async def _spend_shared(self, window: SharedWindow, count: int) -> None:
        while True:
            block, self._pending_block = self._pending_block, 0.0
            wait = await window.spend(self.upstream, self.calls, self.period, count, block)
            if wait <= 0:
                UPSTREAM_CALLS.labels(self.upstream).inc(count)
                return
            self._wait_or_give_up(wait)
            await anyio.sleep(wait)

    def _wait_or_give_up(self, wait: float) -> None:
        if anyio.current_time() + wait > anyio.current_effective_deadline():
            raise UpstreamBusyError(self.upstream, wait)

    def block(self, seconds: float) -> None:
        """No call for `seconds`: the upstream said so (`Retry-After`). A shared budget is
        blocked for every process with the next `spend`."""
        UPSTREAM_THROTTLED.labels(self.upstream).inc()
        self._blocked_until = max(self._blocked_until, self._monotonic() + seconds)
        self._pending_block = max(self._pending_block, seconds)

    def wait_for(self, count: int, now: float) -> float:
        """Seconds from `now` until `count` more calls fit (zero or less: they fit now)."""
        self._forget(now)
        if self._blocked_until > now:
            return self._blocked_until - now
        excess = sum(c for _, c in self._spent) + count - self.calls
        for moment, spent in self._spent:
            if excess <= 0:
                break
            excess -= spent
            if excess <= 0:
                return moment + self.period - now
        return 0.0

    def _forget(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - self.period:
            self._spent.popleft()
