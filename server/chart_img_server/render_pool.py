"""Renders off the event loop, a bounded number at a time, within a time limit."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import anyio
import anyio.to_thread

from .chart import ChartRequest
from .errors import ApiError

Renderer = Callable[[ChartRequest, datetime.datetime], bytes]


class RenderPool:
    def __init__(self, renderer: Renderer, workers: int, timeout: float) -> None:
        self._renderer = renderer
        self._limiter = anyio.CapacityLimiter(workers)
        self._timeout = timeout

    def statistics(self) -> anyio.CapacityLimiterStatistics:
        """Renders running (`borrowed_tokens`) and waiting for a worker (`tasks_waiting`)."""
        return self._limiter.statistics()

    async def render(self, chart: ChartRequest, now: datetime.datetime) -> bytes:
        """The image bytes; 504 when rendering (including the wait for a worker) is too slow.

        A render that times out is abandoned: its thread finishes on its own and its result
        is dropped, since a running thread cannot be interrupted.
        """
        job = functools.partial(self._renderer, chart, now)
        try:
            with anyio.fail_after(self._timeout):
                return await anyio.to_thread.run_sync(
                    job, limiter=self._limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            raise ApiError(504, "Process Timeout") from None


def default_renderer() -> Renderer:
    from .rendering import render_chart

    renderer: Renderer = render_chart
    return renderer
