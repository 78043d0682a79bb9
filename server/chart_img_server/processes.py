"""Several server processes on one port (`--processes N`), supervised by the first.

The supervisor binds the port once and starts N processes (`spawn`, so each is a fresh
interpreter) that all accept on that one listening socket: the kernel hands each new
connection to whichever process accepts first, so a busy process takes fewer. Each runs the
same uvicorn server with the same protocol class (the connection limits of `limits`) as a
single process does. What the processes share goes through Redis (`redis_services`);
`/metrics` sums them through prometheus-client's multiprocess directory, which the
supervisor makes and removes.

A process that fails its start-up stops them all (exit status 3, as uvicorn's); one that
dies later is replaced. SIGINT or SIGTERM stops every process gracefully.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import SimpleQueue
from types import FrameType

from .metrics import MULTIPROC_DIR_VARIABLE, mark_process_dead
from .settings import Settings

logger = logging.getLogger("uvicorn.error")

STARTUP_FAILURE = 3
# Seconds a process has to stop once told, past its own graceful shutdown.
_STOP_GRACE_SECONDS = 10.0


def run_processes(settings: Settings, sock: socket.socket) -> int:
    """`settings.processes` servers on the listening socket until SIGINT or SIGTERM."""
    with _metrics_directory():
        return _Supervisor(settings, sock).run()


@contextlib.contextmanager
def _metrics_directory() -> Iterator[str]:
    """A fresh prometheus multiprocess directory for the children (unless one is given)."""
    given = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if given:
        yield given
        return
    directory = tempfile.mkdtemp(prefix="chart-img-metrics-")
    os.environ[MULTIPROC_DIR_VARIABLE] = directory
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROC_DIR_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)


class _Supervisor:
    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self.sock = sock
        self.context = multiprocessing.get_context("spawn")
        self.started: SimpleQueue[int] = self.context.SimpleQueue()
        self.children: list[SpawnProcess] = []
        self.stopping = False
        self.announced = False

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        status = 0
        try:
            self.children = [self._start(index) for index in range(self.settings.processes)]
            status = self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def _start(self, index: int) -> SpawnProcess:
        child = self.context.Process(
            target=_child_main,
            args=(self.settings, self.sock, self.started),
            name=f"chart-img-server-{index}",
        )
        child.start()
        return child

    def _watch(self) -> int:
        ready: set[int] = set()
        while not self.stopping:
            sentinels = [child.sentinel for child in self.children]
            wait([*sentinels, self.started._reader], timeout=1.0)  # type: ignore[attr-defined]
            while not self.started.empty():
                ready.add(self.started.get())
            if not self.announced and len(ready) >= len(self.children):
                self._announce()
            for index, child in enumerate(self.children):
                if child.is_alive() or self.stopping:
                    continue
                mark_process_dead(child.pid)
                if child.exitcode == STARTUP_FAILURE:
                    logger.error("a server process failed to start: stopping all")
                    return STARTUP_FAILURE
                logger.warning(
                    "server process %s ended (exit %s): starting another", child.pid, child.exitcode
                )
                self.children[index] = self._start(index)
        return 0

    def _announce(self) -> None:
        from .__main__ import _announce

        self.announced = True
        _announce(self.sock, len(self.children))

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _stop_all(self) -> None:
        self.stopping = True
        for child in self.children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)
        deadline = self.settings.render_timeout + _STOP_GRACE_SECONDS
        for child in self.children:
            child.join(deadline)
            if child.is_alive():
                child.kill()
                child.join()
            mark_process_dead(child.pid)


def _child_main(settings: Settings, sock: socket.socket, started: SimpleQueue[int]) -> None:
    from .__main__ import serve_in_process

    status = serve_in_process(settings, sock, on_started=lambda: started.put(os.getpid()))
    raise SystemExit(status)
