"""Several server processes on one port (`--processes N`), supervised by the first.

The supervisor binds the port once and starts N processes (`spawn`, so each is a fresh
interpreter) that all accept on that one listening socket: the kernel hands each new
connection to whichever process accepts first, so a busy process takes fewer. Each runs the
same uvicorn server with the same protocol class (the connection limits of `limits`) as a
single process does. What the processes share goes through Redis (`redis_services`);
`/metrics` sums them through prometheus-client's multiprocess directory, which the
supervisor makes and removes.

A process that fails its start-up stops them all (exit status 3, as uvicorn's); one that
dies later is replaced. SIGINT or SIGTERM stops every process gracefully. SIGHUP stops nothing:
the supervisor passes it on to every process, and each reads its keys again (`auth`); a process
still starting gets it once it serves.
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
from collections.abc import Iterable, Iterator
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
# Reloads the keys (POSIX only).
_HANGUP: signal.Signals | None = getattr(signal, "SIGHUP", None)


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
        self.relay = HangupRelay()
        # SIGHUP's handler only counts it and wakes the watch loop (through this pipe, while
        # `run` runs), which passes it on.
        self.hangups = 0
        self._wake_read = self._wake_write = -1

    def run(self) -> int:
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        if _HANGUP is not None:
            previous[_HANGUP] = signal.signal(_HANGUP, self._hangup)
        status = 0
        try:
            self.children = [self._start(index) for index in range(self.settings.processes)]
            status = self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(self._wake_read)
            os.close(self._wake_write)
        return status

    def _start(self, index: int) -> SpawnProcess:
        child = self.context.Process(
            target=_child_main,
            args=(self.settings, self.sock, self.started),
            name=f"chart-img-server-{index}",
        )
        # The child is born with SIGHUP blocked (a mask survives exec), so that none stops it
        # before it ignores them; one sent to the supervisor meanwhile waits for the unblock.
        with _hangup_blocked():
            child.start()
        return child

    def _watch(self) -> int:
        while not self.stopping:
            sentinels = [child.sentinel for child in self.children]
            reader = self.started._reader  # type: ignore[attr-defined]
            wait([*sentinels, reader, self._wake_read], timeout=1.0)
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_read, 512)
            while not self.started.empty():
                _send_hangups(self.relay.serves(self.started.get()))
            if not self.announced and len(self.relay.serving) >= len(self.children):
                self._announce()
            if self.hangups and not self.stopping:
                self.hangups = 0
                self._pass_on_hangup()
            for index, child in enumerate(self.children):
                if child.is_alive() or self.stopping:
                    continue
                mark_process_dead(child.pid)
                self.relay.ended(child.pid)
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

    def _pass_on_hangup(self) -> None:
        live = [child.pid for child in self.children if child.is_alive() and child.pid]
        logger.info("SIGHUP: the %d server processes reload their keys", len(live))
        _send_hangups(self.relay.hangup(live))

    def _hangup(self, signum: int, frame: FrameType | None) -> None:
        self.hangups += 1
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_write, b"\0")

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


class HangupRelay:
    """Which server processes a SIGHUP must reach, and when: one that serves at once, one still
    starting once it serves (it may have read its keys before the file changed, and cannot
    reload them yet). Processes are named by pid."""

    def __init__(self) -> None:
        self.serving: set[int] = set()
        self.owed: set[int] = set()

    def hangup(self, live: Iterable[int]) -> list[int]:
        """A SIGHUP came: the processes to send it to now (the others are owed it)."""
        now = []
        for pid in live:
            if pid in self.serving:
                now.append(pid)
            else:
                self.owed.add(pid)
        return now

    def serves(self, pid: int) -> list[int]:
        """The process serves: itself, when it is owed a SIGHUP, else nothing."""
        self.serving.add(pid)
        if pid in self.owed:
            self.owed.discard(pid)
            return [pid]
        return []

    def ended(self, pid: int | None) -> None:
        self.serving.discard(pid or 0)
        self.owed.discard(pid or 0)


def _send_hangups(pids: Iterable[int]) -> None:
    for pid in pids:
        if _HANGUP is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, _HANGUP)


@contextlib.contextmanager
def _hangup_blocked() -> Iterator[None]:
    if _HANGUP is None:
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {_HANGUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {_HANGUP})


def _child_main(settings: Settings, sock: socket.socket, started: SimpleQueue[int]) -> None:
    from .__main__ import serve_in_process

    # A SIGHUP that comes before the server can reload its keys (one sent to the whole process
    # group, as a closing terminal does) must not stop it: the server's handler replaces this.
    if _HANGUP is not None:
        signal.signal(_HANGUP, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {_HANGUP})

    status = serve_in_process(settings, sock, on_started=lambda: started.put(os.getpid()))
    raise SystemExit(status)
