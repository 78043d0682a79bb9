"""Renders in a fixed number of threads, a render's thread held until the render ends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .chart import ChartRequest
from .market import MarketData

Renderer = Callable[[ChartRequest, MarketData], bytes]


class RenderPool:
    """At most `workers` renders run at once, however many requests gave up waiting.

    A request that stops waiting (its time budget ran out) cancels its render if the render
    has not started; a started render cannot be interrupted, so it keeps its thread until it
    ends and no other render takes that thread meanwhile. Threads and memory stay bounded
    under any overload.
    """

    def __init__(self, renderer: Renderer, workers: int) -> None:
        self._renderer = renderer
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render")
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        """Renders on a thread now, including those whose requests gave up."""
        return self._running

    async def render(self, chart: ChartRequest, data: MarketData) -> bytes:
        """The image bytes, drawn on one of the pool's threads."""
        future = self._executor.submit(self._run, chart, data)
        # Cancelling the wrapper cancels the job if it has not started, and only then.
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Drops renders that have not started; started ones finish on their own."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, chart: ChartRequest, data: MarketData) -> bytes:
        with self._lock:
            self._running += 1
        try:
            return self._renderer(chart, data)
        finally:
            with self._lock:
                self._running -= 1


def default_renderer() -> Renderer:
    from .rendering import render_chart

    renderer: Renderer = render_chart
    return renderer
