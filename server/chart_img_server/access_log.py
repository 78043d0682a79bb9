"""Logging that cannot be forged: an access log that never records an API key, every record
escaped, and JSON lines on request."""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .addresses import client_address_of

logger = logging.getLogger("chart_img_server.access")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What else watches each request's answer (the metrics): its scope and status.
Observer = Callable[[Scope, int], None]
# What an access record carries besides its message, for JSON logs.
_ACCESS_FIELDS = ("client", "method", "target", "status", "duration_ms")


class AccessLogMiddleware:
    """Logs one line a request: client, method, path, query names, status and time; and hands
    the scope and status to each of `observers` (the metrics), so that a request's answer is
    watched once."""

    def __init__(self, app: ASGIApp, observers: Sequence[Observer] = ()) -> None:
        self.app = app
        self.observers = observers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            fields = {
                "client": client_address(scope),
                "method": str(scope["method"]),
                "target": redacted_target(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            _log_access(fields)
            for observe in self.observers:
                observe(scope, status)


def _log_access(fields: dict[str, Any]) -> None:
    """One access line. Made without `Logger.info`'s look-up of the calling frame, which every
    request would pay for and the line never shows."""
    if not logger.isEnabledFor(logging.INFO):
        return
    args = tuple(fields[name] for name in _ACCESS_FIELDS)
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 0, _ACCESS_LINE, args, None, extra=fields
    )
    logger.handle(record)


_ACCESS_LINE = '%s "%s %s" %d %.1fms'


def client_address(scope: Scope) -> str:
    """`host:port` of the client, or `-`: never a host that is not an IP address."""
    client = client_address_of(scope)
    return "-" if client is None else f"{client[0].shown}:{client[1]}"


def redacted_target(scope: Scope) -> str:
    """The path and the query's parameter names; values (the `key` among them) are dropped.

    A double quote in the (decoded) path is written `%22`, so that it cannot end the quoted
    request line early.
    """
    path: str = scope.get("path", "").replace('"', "%22")
    query = scope.get("query_string", b"").decode("latin-1")
    if not query:
        return path
    names = [
        name if _PLAIN_NAME.fullmatch(name) else "?"
        for name, _ in parse_qsl(query, keep_blank_values=True)
    ]
    return path + "?" + "&".join(f"{name}=..." for name in names)


def _escape_char(char: str) -> str:
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code <= 0xFF
        else f"\\u{code:04x}"
        if code <= 0xFFFF
        else f"\\U{code:08x}"
    )


def escape_for_log(text: str) -> str:
    """`text` on one line, readable, with nothing a terminal or a log reader acts on.

    Control characters, line and paragraph separators, format characters such as the
    right-to-left override, and unassigned code points become `\\xNN`, `\\uNNNN` escapes;
    a backslash is doubled, so that no escape can be forged.
    """
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        char if char.isprintable() and char != "\\" else _escape_char(char) for char in text
    )


class TextFormatter(logging.Formatter):
    """Lines of text; each record's message is escaped (a traceback follows on its own lines)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # The same second's text, made once: a busy server logs thousands of lines a second.
        second = int(record.created)
        if second != self._second[0]:
            self._second = (second, time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second)))
        return f"{self._second[1]},{int(record.msecs):03d}"

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_for_log(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line for every record: time, level, logger, message, and an access
    record's fields; a traceback is a string field. Non-ASCII is escaped, so nothing in a
    value can end the line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (name, getattr(record, name)) for name in _ACCESS_FIELDS if hasattr(record, name)
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


def log_formatter(log_format: str) -> logging.Formatter:
    """The formatter for a `Settings.log_format`: `text` or `json`."""
    return JsonFormatter() if log_format == "json" else TextFormatter()
