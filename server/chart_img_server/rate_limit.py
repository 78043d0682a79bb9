"""The request limiter, in memory, for one process: a token bucket per API key, and for keys
with a plan the plan's rate, burst and daily quota (per UTC day, on the settings' clock)."""

from __future__ import annotations

import datetime
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .plans import (
    DAILY_QUOTA_EXCEEDED,
    TOO_MANY_REQUESTS,
    Plan,
    Refusal,
    seconds_to_utc_midnight,
    utc_day,
)
from .settings import utc_now


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class _Day:
    date: datetime.date
    used: int


class TokenBuckets:
    """Allows `rate` requests a second per key on average, and bursts of up to `burst`; a key
    with a plan gets its plan's rate and burst instead, and at most its plan's requests a UTC day.

    A rate of 0 turns the server's own limit off (keys with a plan keep theirs). A request
    refused, by the rate or the day, spends nothing.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        monotonic: Callable[[], float],
        clock: Callable[[], datetime.datetime] = utc_now,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._monotonic = monotonic
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._days: dict[str, _Day] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    async def acquire(self, key_id: str, plan: Plan | None = None) -> Refusal | None:
        """Takes one request from the key's allowance: None if allowed, else why not and the
        seconds to wait (to the next UTC midnight when the day's quota is spent)."""
        if plan is None:
            wait = self.take(key_id)
            return None if wait is None else Refusal(TOO_MANY_REQUESTS, wait)
        today = utc_day(now := self._clock())
        with self._lock:
            day = self._days.get(key_id)
            if day is None or day.date != today:
                day = self._days[key_id] = _Day(today, 0)
            if day.used >= plan.daily:
                return Refusal(DAILY_QUOTA_EXCEEDED, seconds_to_utc_midnight(now))
            wait = self._take(key_id, plan.rate, plan.burst)
            if wait is not None:
                return Refusal(TOO_MANY_REQUESTS, wait)
            day.used += 1
        return None

    def take(self, key: str) -> int | None:
        """Takes a token at the server's own rate: None if allowed, else the seconds to wait."""
        if not self.enabled:
            return None
        with self._lock:
            return self._take(key, self._rate, self._burst)

    def _take(self, key: str, rate: float, burst: int) -> int | None:
        now = self._monotonic()
        bucket = self._buckets.setdefault(key, _Bucket(float(burst), now))
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(burst), bucket.tokens + elapsed * rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))
