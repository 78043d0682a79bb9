"""Logging that cannot be forged: an access log that never records an API key, every record
escaped, and JSON lines on request; access lines written in batches."""

from __future__ import annotations

import datetime
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .addresses import client_address_of

logger = logging.getLogger("chart_img_server.access")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What else watches each request's answer (the metrics): its scope and status.
Observer = Callable[[Scope, int], None]
# What an access record carries besides its message, for JSON logs, and their values.
_ACCESS_FIELDS = ("client", "method", "target", "status", "duration_ms")
AccessArgs = tuple[str, str, str, int, float]


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
            if logger.isEnabledFor(logging.INFO):
                _log_access(scope, status, time.perf_counter() - started)
            for observe in self.observers:
                observe(scope, status)


def _log_access(scope: Scope, status: int, seconds: float) -> None:
    """One access line: straight to the server's own log handler when it has one, else as a
    record of `logger` (made without `Logger.info`'s look-up of the calling frame, which every
    request would pay for and the line never shows)."""
    args: AccessArgs = (
        client_address(scope),
        str(scope["method"]),
        redacted_target(scope),
        status,
        round(seconds * 1000, 1),
    )
    if _direct_handler is not None and _direct_handler.write_access(args):
        return
    make_record = logging.getLogRecordFactory()
    record = make_record(logger.name, logging.INFO, __file__, 0, _ACCESS_LINE, args, None)
    record.__dict__.update(zip(_ACCESS_FIELDS, args, strict=True))
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


class AccessFormatter(logging.Formatter):
    """A formatter that also makes an access line without a record: the line `format` makes
    of the access record with these arguments."""

    def format_access(self, created: float, args: AccessArgs) -> str:
        raise NotImplementedError


class TextFormatter(AccessFormatter):
    """Lines of text; each record's message is escaped (a traceback follows on its own lines)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self._time_text(record.created, record.msecs)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_for_log(record.message)
        return super().formatMessage(record)

    def format_access(self, created: float, args: AccessArgs) -> str:
        return TEXT_FORMAT % {
            "asctime": self._time_text(created, _msecs(created)),
            "levelname": "INFO",
            "name": logger.name,
            "message": escape_for_log(_ACCESS_LINE % args),
        }

    def _time_text(self, created: float, msecs: float) -> str:
        # The same second's text, made once: a busy server logs thousands of lines a second.
        second = int(created)
        if second != self._second[0]:
            self._second = (second, time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second)))
        return f"{self._second[1]},{int(msecs):03d}"


def _msecs(created: float) -> float:
    # As a LogRecord works out its `msecs` from its `created`.
    return int((created - int(created)) * 1000) + 0.0


class JsonFormatter(AccessFormatter):
    """One JSON object a line for every record: time, level, logger, message, and an access
    record's fields; a traceback is a string field. Non-ASCII is escaped, so nothing in a
    value can end the line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = _json_entry(record.created, record.levelname, record.name, record.getMessage())
        entry.update(
            (name, getattr(record, name)) for name in _ACCESS_FIELDS if hasattr(record, name)
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True, default=str)

    def format_access(self, created: float, args: AccessArgs) -> str:
        entry = _json_entry(created, "INFO", logger.name, _ACCESS_LINE % args)
        entry.update(zip(_ACCESS_FIELDS, args, strict=True))
        return json.dumps(entry, ensure_ascii=True, default=str)


def _json_entry(created: float, level: str, name: str, message: str) -> dict[str, Any]:
    moment = datetime.datetime.fromtimestamp(created, datetime.UTC)
    return {
        "time": moment.isoformat(timespec="milliseconds"),
        "level": level,
        "logger": name,
        "message": message,
    }


class ServerLogHandler(logging.StreamHandler[TextIO]):
    """Records to a stream, one line each: access lines gathered and written together at
    most `flush_interval` seconds later (a busy server would otherwise make a write to its
    log for every request), every other record written at once, after the lines gathered
    before it. A process that is killed loses at most that interval's access lines."""

    def __init__(self, stream: TextIO | None = None, flush_interval: float = 0.5) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.flush_interval = flush_interval
        self._gathered: list[str] = []
        self._flusher: threading.Thread | None = None
        self._closed = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        # Called under the handler's lock (Handler.handle).
        try:
            self._gathered.append(self.format(record) + self.terminator)
            if record.name != logger.name:
                self.flush()
            else:
                self._start_flusher()
        except Exception:
            self.handleError(record)  # logging's rule: a record never raises

    def write_access(self, args: AccessArgs) -> bool:
        """Gathers the access line of `args`, made by the formatter without a record; False
        when the formatter cannot make one."""
        formatter = self.formatter
        if not isinstance(formatter, AccessFormatter):
            return False
        line = formatter.format_access(time.time(), args) + self.terminator
        self.acquire()
        try:
            self._gathered.append(line)
            self._start_flusher()
        finally:
            self.release()
        return True

    def flush(self) -> None:
        self.acquire()
        try:
            self._write_gathered()
            super().flush()
        finally:
            self.release()

    def close(self) -> None:
        self._closed.set()
        super().close()

    def _write_gathered(self) -> None:
        lines, self._gathered = "".join(self._gathered), []
        if lines:
            self.stream.write(lines)

    def _start_flusher(self) -> None:
        # One thread for the handler's life: a thread a flush would scatter its allocations
        # over the C library's per-thread memory arenas.
        if self._flusher is None:
            self._flusher = threading.Thread(
                target=self._flush_periodically, name="log-flush", daemon=True
            )
            self._flusher.start()

    def _flush_periodically(self) -> None:
        while not self._closed.wait(self.flush_interval):
            if self._gathered:
                try:
                    self.flush()
                except Exception:
                    self.handleError(logging.makeLogRecord({"msg": "access lines not written"}))


def log_formatter(log_format: str) -> AccessFormatter:
    """The formatter for a `Settings.log_format`: `text` or `json`."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


_direct_handler: ServerLogHandler | None = None


def write_access_lines_to(handler: ServerLogHandler | None) -> None:
    """Access lines go straight to `handler`, made without a record (a fifth of a small
    request's time in a busy server); None: as records of the access logger again. For the
    server run from its command line, which owns its process's logging."""
    global _direct_handler
    _direct_handler = handler
