"""What every fake upstream shares: its clocks, call log, failure and stall switches, rolling
budget, in-process Starlette app and uvicorn runner on 127.0.0.1.

A fake subclasses `FakeUpstream`, lists its routes (each handled by `FakeUpstream.handle`) and
decides each request in `decide`, under the fake's lock; `decide` answers an `Outcome`: the
call to log, and either the whole response or a function computing a 200's JSON body, run in
a worker thread. Before `decide`, `handle` waits out a stall (`slow_down`): a client that hangs
up meanwhile is logged with `CLIENT_CLOSED` through `hung_up`, and never reaches `decide`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import math
import re
import socket
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import anyio
import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LOOPBACK = "127.0.0.1"
CLIENT_CLOSED = 499  # logged, never sent: the client hung up while the request was stalled

RecordT = TypeVar("RecordT")
FakeT = TypeVar("FakeT", bound="FakeUpstream[Any]")


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class FakeStartupError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Call:
    """One request a fake answered (the record of the Binance, OKX and CoinGecko fakes)."""

    path: str  # without the fake's prefix, e.g. "/futures/data/topLongShortAccountRatio"
    params: tuple[tuple[str, str], ...]  # the query, as sent
    client: str  # whom the budget charged: the client's IP, or its key
    status: int
    retry_after: int | None = None  # the wait the fake computed for a 429 (sent if documented)

    def param(self, name: str) -> str | None:
        """The last value sent for a query parameter, or None."""
        found = [value for key, value in self.params if key == name]
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class Outcome(Generic[RecordT]):
    """What a fake decided about one request: the record to log, and how to answer."""

    record: RecordT
    response: Response | None = None  # the answer, unless it is computed
    compute: Callable[[], Any] | None = None  # a 200's JSON body, computed off the event loop


@dataclass(slots=True)
class Failure:
    """A forced failure: its status, how many more requests it answers, its Retry-After."""

    status: int
    remaining: int | None  # None: until reset
    retry_after: int


@dataclass(slots=True)
class _Stall:
    loop: asyncio.AbstractEventLoop
    scope: anyio.CancelScope


class RollingBudget:
    """Each client's spending over the last `window` seconds of a monotonic clock."""

    def __init__(self, limit: int, clock: Callable[[], float], window: float = 60.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a budget needs a positive limit and window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._spent: dict[str, deque[tuple[float, int]]] = {}

    def _entries(self, key: str, now: float) -> deque[tuple[float, int]]:
        entries = self._spent.setdefault(key, deque())
        while entries and entries[0][0] + self.window <= now:
            entries.popleft()
        return entries

    def used(self, key: str) -> int:
        return sum(cost for _, cost in self._entries(key, self._clock()))

    def charge(self, key: str, cost: int = 1) -> int | None:
        """Spend `cost` and answer None, or answer the whole seconds until it would fit."""
        now = self._clock()
        entries = self._entries(key, now)
        excess = sum(spent for _, spent in entries) + cost - self.limit
        if excess <= 0:
            entries.append((now, cost))
            return None
        freed = 0
        for at, spent in entries:
            freed += spent
            if freed >= excess:
                return max(1, math.ceil(at + self.window - now))
        return math.ceil(self.window)  # more than a whole window's budget: it never fits


class FakeUpstream(Generic[RecordT]):
    """The machinery of a fake upstream; see the module. Thread-safe: the served app runs in
    uvicorn's thread while the test reads the log and flips the switches."""

    title: ClassVar[str]  # for messages and thread names, e.g. "Coinalyze"
    api_prefix: ClassVar[str] = ""  # the path every route starts with, e.g. "/v1"
    failure_statuses: ClassVar[frozenset[int]]  # what `force_failure` can force
    app: Starlette  # built by the subclass with `build_app`

    def __init__(
        self,
        *,
        base_url: str,
        now: Callable[[], datetime.datetime] | None,
        monotonic: Callable[[], float],
    ) -> None:
        self.base_url = base_url
        self._now = now or utc_now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # stalls began, or the log grew
        self._log: list[RecordT] = []
        self._failure: Failure | None = None
        self._delay = 0.0
        self._delays_left: int | None = None
        self._stalls: list[_Stall] = []
        self._delayed = 0
        self.started = threading.Event()
        self._startup_hooks: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ what a fake defines

    def decide(self, request: Request, path: str) -> Outcome[RecordT]:
        """The outcome of a request that was not stalled away; called under the lock."""
        raise NotImplementedError

    def hung_up(self, request: Request, path: str) -> RecordT:
        """The record of a request whose client hung up while it was stalled."""
        raise NotImplementedError

    def on_clear_log(self) -> None:
        """Forget what the fake counts besides the log; called under the lock."""

    # ------------------------------------------------------------------ test controls

    @property
    def calls(self) -> tuple[RecordT, ...]:
        """Every request answered so far, oldest first."""
        with self._lock:
            return tuple(self._log)

    def now(self) -> datetime.datetime:
        """The upstream's UTC clock."""
        return self._now()

    def force_failure(self, status: int, count: int | None = 1, *, retry_after: int = 30) -> None:
        """Answer the next `count` requests (None: all until `reset`) with `status`.

        Each fake's `fail_next` (typed with the statuses it can answer) calls this. Forced
        failures come before every check and are never charged.
        """
        if status not in self.failure_statuses:
            raise ValueError(f"the fake cannot be made to answer {status}")
        if count is not None and count < 1:
            raise ValueError("count must be positive, or None for until reset")
        with self._lock:
            self._failure = Failure(status, count, retry_after)

    def slow_down(self, seconds: float, count: int | None = None) -> None:
        """Stall the next `count` requests (None: all until `reset`) for `seconds` each.

        A stall ends early when the client hangs up, or on `release_stalls`/`reset`.
        """
        with self._lock:
            self._delay = seconds
            self._delays_left = count

    def release_stalls(self) -> None:
        """End every stall in progress now: the stalled requests are then answered."""
        with self._lock:
            stalls, self._stalls = self._stalls, []
        for stall in stalls:
            with contextlib.suppress(RuntimeError):  # its loop has closed: nothing to wake
                stall.loop.call_soon_threadsafe(stall.scope.cancel)

    def wait_until_stalled(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Block (a test thread, not the server's loop) until `count` requests are stalled."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._stalls) >= count, timeout)

    def wait_for_calls(self, count: int, timeout: float = 10.0) -> bool:
        """Block (a test thread) until the log holds `count` requests."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._log) >= count, timeout)

    @property
    def stalled(self) -> int:
        """Requests stalled right now."""
        with self._lock:
            return len(self._stalls)

    @property
    def delayed(self) -> int:
        """Requests stalled so far, whatever ended their stall."""
        with self._lock:
            return self._delayed

    def reset(self) -> None:
        """Clear the failure and delay switches and end the stalls; keeps the log and budget."""
        with self._lock:
            self._failure = None
            self._delay = 0.0
            self._delays_left = None
        self.release_stalls()

    def clear_log(self) -> None:
        """Forget the call log (and what the fake counts with it), not the rolling budget."""
        with self._lock:
            self._log.clear()
            self.on_clear_log()

    # ------------------------------------------------------------------ serving

    def build_app(self, paths: tuple[str, ...]) -> Starlette:
        """The fake's app: a GET route under the prefix for each path (Starlette syntax)."""
        routes = [Route(self.api_prefix + path, self.handle, methods=["GET"]) for path in paths]

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self.started.set()
            for hook in self._startup_hooks:
                hook()
            yield

        app = Starlette(routes=routes, lifespan=lifespan)
        app.state.fake = self
        return app

    async def handle(self, request: Request) -> Response:
        path = request.url.path.removeprefix(self.api_prefix)
        delay = self._take_delay()
        if delay > 0 and await self._stall(request, delay):
            self._append(self.hung_up(request, path))
            return Response(status_code=CLIENT_CLOSED)
        with self._lock:
            outcome = self.decide(request, path)
            self._log.append(outcome.record)
            self._changed.notify_all()
        if outcome.compute is not None:
            return json_response(200, await anyio.to_thread.run_sync(outcome.compute))
        assert outcome.response is not None, "an outcome answers or computes"
        return outcome.response

    def take_failure(self) -> Failure | None:
        """The forced failure this request answers, if any; call under the lock."""
        failure = self._failure
        if failure is not None and failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining == 0:
                self._failure = None
        return failure

    def _append(self, record: RecordT) -> None:
        with self._lock:
            self._log.append(record)
            self._changed.notify_all()

    def _take_delay(self) -> float:
        with self._lock:
            delay = self._delay
            if delay > 0 and self._delays_left is not None:
                self._delays_left -= 1
                if self._delays_left == 0:
                    self._delay, self._delays_left = 0.0, None
            return delay

    async def _stall(self, request: Request, seconds: float) -> bool:
        """Wait out the delay; True when the client hung up meanwhile."""
        hung_up = False

        async def watch(scope: anyio.CancelScope) -> None:
            nonlocal hung_up
            while (await request.receive())["type"] != "http.disconnect":
                pass
            hung_up = True
            scope.cancel()

        with anyio.CancelScope() as released:
            stall = _Stall(asyncio.get_running_loop(), released)
            with self._changed:
                self._stalls.append(stall)
                self._delayed += 1
                self._changed.notify_all()
            try:
                async with anyio.create_task_group() as group:
                    group.start_soon(watch, released)
                    await anyio.sleep(seconds)
                    group.cancel_scope.cancel()
            finally:
                with self._lock:
                    if stall in self._stalls:
                        self._stalls.remove(stall)
        return hung_up


def client_host(request: Request) -> str:
    """The client's IP (in-process clients have one too: 127.0.0.1)."""
    return request.client.host if request.client is not None else LOOPBACK


def query_items(request: Request) -> tuple[tuple[str, str], ...]:
    return tuple(request.query_params.multi_items())


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    # allow_nan=False: a NaN would be invalid JSON, so a gap in the synthetic data fails loudly.
    text = json.dumps(body, allow_nan=False, separators=(",", ":"))
    return Response(
        text.encode(), status_code=status, media_type="application/json", headers=headers
    )


@contextlib.contextmanager
def running(fake: FakeT) -> Iterator[FakeT]:
    """Serve `fake` with uvicorn on 127.0.0.1, on a free port, until the block ends.

    Its `base_url` becomes `http://127.0.0.1:<port>` and the fake's prefix; at the end its
    stalls are released and the server stopped.
    """
    with _listening_socket() as sock:
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            fake.app,
            lifespan="on",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        settled = threading.Event()
        thread = threading.Thread(
            target=_serve,
            args=(server, sock, settled),
            name=f"fake-{fake.title.lower()}:{port}",
        )
        fake._startup_hooks.append(settled.set)
        thread.start()
        try:
            settled.wait()
            if not fake.started.is_set():
                raise FakeStartupError(f"the fake {fake.title} stopped during start-up")
            fake.base_url = f"http://{LOOPBACK}:{port}{fake.api_prefix}"
            yield fake
        finally:
            server.should_exit = True
            fake.reset()
            thread.join()


def _serve(server: uvicorn.Server, sock: socket.socket, settled: threading.Event) -> None:
    try:
        server.run(sockets=[sock])
    finally:
        settled.set()


@contextlib.contextmanager
def _listening_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, 0))
        sock.listen(128)
        yield sock
    finally:
        sock.close()


_DECIMAL = re.compile(r"^\d+(\.\d+)?$", re.ASCII)


def decimal_string(value: float) -> str:
    """`repr` of a float, which the contracts' decimal strings must match (no exponent)."""
    text = repr(float(value))
    if not _DECIMAL.match(text):
        raise ValueError(f"{text} is not a decimal the contract allows")
    return text


class BadParameter(ValueError):
    """A query parameter missing or not valid; its name is the message."""


def optional_int(
    query: Mapping[str, str], name: str, minimum: int = 0, maximum: int = 10**16
) -> int | None:
    """An optional non-negative integer parameter (ASCII digits only), within bounds."""
    text = query.get(name)
    if text is None:
        return None
    if not _DIGITS.match(text) or not minimum <= int(text) <= maximum:
        raise BadParameter(name)
    return int(text)


_DIGITS = re.compile(r"^[0-9]{1,17}$", re.ASCII)
