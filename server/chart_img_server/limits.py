"""Connection limits uvicorn does not enforce: request-head size and field count, and
deadlines for an idle connection, a request's head and its body.

uvicorn's httptools protocol buffers a header of any length and only times a connection out
between requests, after a response. `GuardedHttpToolsProtocol` is that protocol with the
missing bounds, each checked as bytes arrive, before the application sees the request:

- a head (request line and fields) over `max_header_bytes`, or with more than
  `max_header_count` fields, is answered 431 and the connection closed, having buffered at
  most one socket read past the limit;
- a connection that starts no request within `idle_timeout` (a new one, or between
  requests) is closed;
- a head not complete within `header_timeout` of its first byte is answered 408 and closed;
- a body not complete within `body_timeout` of the end of its head is cut off (the
  application, if still reading it, sees the client go).

Every deadline is a total, not an inactivity timer: a client trickling a byte at a time
gains nothing. While the application works on a request no deadline runs (it has its own).
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from dataclasses import dataclass
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from .settings import Settings

logger = logging.getLogger("chart_img_server")


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_header_bytes: int
    max_header_count: int
    header_timeout: float
    body_timeout: float
    idle_timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            max_header_bytes=settings.max_header_bytes,
            max_header_count=settings.max_header_count,
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            idle_timeout=settings.idle_timeout,
        )


def http_protocol(settings: Settings) -> type[asyncio.Protocol]:
    """The protocol class to give uvicorn (`Config(http=...)`) for these settings."""
    limits = ConnectionLimits.from_settings(settings)

    class Protocol(GuardedHttpToolsProtocol):
        pass

    Protocol.limits = limits
    return Protocol


class _Phase(enum.Enum):
    IDLE = "idle"  # waiting for a request to begin
    HEAD = "head"  # request line and fields arriving
    BODY = "body"  # body arriving
    WORK = "work"  # request complete; the application answers it
    DONE = "done"  # refused or closed


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; the answer is in `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# How long a refused connection is read (and what arrives dropped) before it is closed.
_LINGER_SECONDS = 2.0
_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the head bounded and every wait given a deadline."""

    limits = ConnectionLimits(16384, 100, 10.0, 30.0, 15.0)

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._phase = _Phase.IDLE
        self._phase_seconds = {
            _Phase.IDLE: self.limits.idle_timeout,
            _Phase.HEAD: self.limits.header_timeout,
            _Phase.BODY: self.limits.body_timeout,
        }
        self._deadline: asyncio.TimerHandle | None = None
        self._due: float | None = None  # when the current phase's time is up (loop time)
        self._head_parsed = 0  # request-target and complete fields, as the parser gave them
        self._head_received = 0  # bytes of reads that fell wholly inside the head
        self._head_fields = 0

    # Connection

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        self._enter(_Phase.IDLE)

    def connection_lost(self, exc: Exception | None) -> None:
        self._enter(_Phase.DONE)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's own, but a refusal is answered with its status, not a 400.
        if self._phase is _Phase.DONE:
            return
        self._unset_keepalive_if_required()
        in_head = self._phase is _Phase.HEAD
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            refused = error.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.status, str(refused))
                return
            self._invalid()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._phase is _Phase.HEAD:
            # The parser keeps a field's value to itself until the field ends: count the
            # reads instead. A read that began the head is counted by what it parsed.
            if in_head:
                self._head_received += len(data)
            if max(self._head_parsed, self._head_received) > self.limits.max_header_bytes:
                self._refuse(431, "request head too large")

    def _invalid(self) -> None:
        self.logger.warning("Invalid HTTP request received.")
        self.send_400_response("Invalid HTTP request received.")
        self._enter(_Phase.DONE)

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_parsed = self._head_received = self._head_fields = 0
        self._enter(_Phase.HEAD)

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        if self._head_fields > self.limits.max_header_count:
            raise _Refused(431, "too many header fields")
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._enter(_Phase.BODY)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # An answer sent before the body was read (413, 403) leaves the connection idle.
        answered = self.cycle is not None and self.cycle.response_complete
        self._enter(_Phase.IDLE if answered and not self.pipeline else _Phase.WORK)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn arms its keep-alive timer only when no request is queued: ours replaces it.
        idle = self.timeout_keep_alive_task is not None
        self._unset_keepalive_if_required()
        if idle and self._phase is _Phase.WORK:
            self._enter(_Phase.IDLE)

    def _count_head(self, size: int) -> None:
        self._head_parsed += size
        if self._head_parsed > self.limits.max_header_bytes:
            raise _Refused(431, "request head too large")

    # Deadlines

    def _enter(self, phase: _Phase) -> None:
        self._phase = phase
        seconds = self._phase_seconds.get(phase)
        if seconds is None:  # working on a request (its render has its own time), or done
            self._due = None
            if phase is _Phase.DONE and self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            return
        self._due = self.loop.time() + seconds
        # One timer, moved only when it would fire late: a request passes through three
        # phases, and a timer made and cancelled for each would cost more than the request.
        if self._deadline is not None and self._deadline.when() > self._due:
            self._deadline.cancel()
            self._deadline = None
        if self._deadline is None:
            self._deadline = self.loop.call_at(self._due, self._on_deadline)

    def _on_deadline(self) -> None:
        self._deadline = None
        if self._due is None:
            return
        if self.loop.time() < self._due:  # the phase changed since: its own deadline
            self._deadline = self.loop.call_at(self._due, self._on_deadline)
            return
        self._expire(self._phase)

    def _expire(self, phase: _Phase) -> None:
        self._deadline = None
        if self._phase is not phase or self.transport.is_closing():
            return
        if phase is _Phase.HEAD:
            self._refuse(408, f"request head not received within {self.limits.header_timeout:g}s")
            return
        if phase is _Phase.BODY:
            self._log(f"request body not received within {self.limits.body_timeout:g}s")
        self._enter(_Phase.DONE)
        self.transport.close()

    # Answers

    def _refuse(self, status: int, why: str) -> None:
        """Answers `{"message"}` with `status` and closes, the application never seeing it."""
        self._log(why)
        self._enter(_Phase.DONE)
        if self.transport.is_closing():
            return
        body = json.dumps({"message": _REASONS[status]}).encode()
        head = [f"HTTP/1.1 {status} {_REASONS[status]}".encode()]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        # Closing with unread bytes would reset the connection, and the client could lose
        # the answer: end our side, discard what still comes for a moment, then close.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._deadline = self.loop.call_later(_LINGER_SECONDS, self.transport.close)

    def _log(self, why: str) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "-"
        logger.info("closed the connection from %s: %s", client, why)
