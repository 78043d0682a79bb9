"""Retries with exponential backoff and jitter, honouring `Retry-After`.

Built on tenacity rather than a hand-written loop or a retrying httpx transport
(httpx-retries): the decision is taken on this package's typed errors, after the status has
been mapped, and tenacity runs the same stop/wait/retry policy both synchronously and under
asyncio, with an injectable `sleep` so that tests never wait.

Retried: 429, every 5xx (500 and 504 are documented; 502/503 come from proxies) and
connection errors, timeouts included. A `Retry-After` is waited exactly; one longer than
`retry_after_max` is not waited at all and the error is raised at once.

Requests that create something are retried only when it is certain that nothing was created:
`store()` is a POST that saves a chart, and a read timeout, a dropped connection, a 500 or a
504 may come after the server saved it, so retrying them could store the chart twice. For
such requests only these are retried: a connection that was never made (refused, DNS,
connect or pool timeout: the request was never sent), 429 (the rate limit refuses a request
before any work) and 503 (unavailable: not taken on). Everything else is raised at once for
the caller to judge, 502 included: the API's own 502 comes before anything is drawn, but a
proxy's 502 can come after the server behind it stored the chart, and the two look alike.
Reads (`exchanges()`, `symbols()`, downloads) and `chart()`, which only draws, are safe to
repeat and get every retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import tenacity

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    ProcessTimeoutError,
    RateLimitedError,
    ServerError,
)

__all__ = ["DEFAULT_MAX_RETRIES", "RetryPolicy"]

DEFAULT_MAX_RETRIES = 2
_RETRIED = (RateLimitedError, ServerError, ProcessTimeoutError, APIConnectionError)
# Statuses after which a request that creates something certainly created nothing.
_NOTHING_CREATED = frozenset({429, 503})
_log = logging.getLogger("chart_img")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Attributes:
        max_retries: retries after the first attempt; 0 disables retrying.
        backoff_initial: the first backoff, in seconds, doubled at each retry.
        backoff_max: the longest backoff, in seconds.
        jitter: up to this many seconds added at random to each backoff.
        retry_after_max: the longest `Retry-After` that is waited; longer ones fail at once.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.5
    retry_after_max: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")

    def retrying(
        self, sleep: Callable[[float], None] = time.sleep, *, idempotent: bool = True
    ) -> tenacity.Retrying:
        """A tenacity `Retrying`; `idempotent=False` for requests that create something."""
        return tenacity.Retrying(
            sleep=sleep,
            stop=self._stop,
            wait=self._wait,
            retry=_retry_condition(idempotent),
            before_sleep=_log_retry,
            reraise=True,
        )

    def async_retrying(
        self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, *, idempotent: bool = True
    ) -> tenacity.AsyncRetrying:
        """The asyncio twin of `retrying()`."""
        return tenacity.AsyncRetrying(
            sleep=sleep,
            stop=self._stop,
            wait=self._wait,
            retry=_retry_condition(idempotent),
            before_sleep=_log_retry,
            reraise=True,
        )

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number > self.max_retries:
            return True
        retry_after = _retry_after(state)
        return retry_after is not None and retry_after > self.retry_after_max

    def _wait(self, state: tenacity.RetryCallState) -> float:
        retry_after = _retry_after(state)
        if retry_after is not None:
            return retry_after
        backoff = tenacity.wait_exponential_jitter(
            multiplier=self.backoff_initial, max=self.backoff_max, jitter=self.jitter
        )
        return backoff(state)


def _retry_condition(idempotent: bool) -> tenacity.retry_base:
    if idempotent:
        return tenacity.retry_if_exception_type(_RETRIED)
    return tenacity.retry_if_exception(nothing_created)


def nothing_created(error: BaseException) -> bool:
    """Whether `error` proves that the request created nothing, so it may be sent again."""
    if isinstance(error, APIConnectionError):
        return not error.request_sent
    return isinstance(error, APIStatusError) and error.status_code in _NOTHING_CREATED


def _retry_after(state: tenacity.RetryCallState) -> float | None:
    error = state.outcome.exception() if state.outcome is not None else None
    return error.retry_after if isinstance(error, RateLimitedError) else None


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    delay = state.next_action.sleep if state.next_action is not None else 0.0
    _log.info("Retrying in %.2f s (attempt %d failed: %s)", delay, state.attempt_number, error)
