"""The logs cannot be forged: escaped text, validated client addresses, JSON lines."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from chart_img_server import Settings
from chart_img_server.__main__ import _configure_logging
from chart_img_server.access_log import (
    TEXT_FORMAT,
    AccessArgs,
    AccessFormatter,
    JsonFormatter,
    ServerLogHandler,
    TextFormatter,
    client_address,
    escape_for_log,
    write_access_lines_to,
)
from starlette.testclient import TestClient

from .conftest import KEY_HEADERS, LIST_PATH


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "chart_img_server.access", logging.INFO, __file__, 1, message, args, None
    )
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("/v3/plain", "/v3/plain"),
        ("/a\n127.0.0.1 GET /forged 200", "/a\\x0a127.0.0.1 GET /forged 200"),
        ("/esc\x1b[31m/nul\x00/del\x7f", "/esc\\x1b[31m/nul\\x00/del\\x7f"),
        ("/crlf\r\n", "/crlf\\x0d\\x0a"),
        ("/rtl\u202egpj.exe/ls\u2028", "/rtl\\u202egpj.exe/ls\\u2028"),
        ("/back\\x0a", "/back\\\\x0a"),
        ("/ünï/📈", "/ünï/📈"),
    ],
)
def test_what_is_logged_stays_on_one_readable_line(text: str, logged: str) -> None:
    assert escape_for_log(text) == logged
    assert escape_for_log(text).isprintable()


@pytest.mark.parametrize(
    ("client", "logged"),
    [
        (("203.0.113.9", 5000), "203.0.113.9:5000"),
        (("2001:db8::1", 0), "[2001:db8::1]:0"),
        (('evil\n127.0.0.1 "GET /x" 200', 0), "-"),
        (("not-an-ip", 0), "-"),
        (("", 0), "-"),
        (None, "-"),
    ],
)
def test_only_an_ip_address_is_logged_as_the_client(
    client: tuple[str, int] | None, logged: str
) -> None:
    assert client_address({"type": "http", "client": client}) == logged


def test_a_text_line_escapes_the_message() -> None:
    line = TextFormatter().format(_record('%s "%s %s"', "-", "GET", "/a\nforged"))
    assert line.endswith('chart_img_server.access: - "GET /a\\x0aforged"')
    assert "\n" not in line


def test_a_json_line_carries_the_access_fields() -> None:
    record = _record(
        "m\n", client="-", method="GET", target="/a\n\x1b", status=200, duration_ms=1.5
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert line.isascii()
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "chart_img_server.access"
    assert (entry["message"], entry["target"], entry["status"]) == ("m\n", "/a\n\x1b", 200)
    assert entry["time"].endswith("+00:00")


def test_a_json_line_carries_a_traceback_as_one_field() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad\nvalue" in json.loads(line)["exception"]


@pytest.mark.parametrize(("raw", "expected"), [(None, "text"), ("json", "json"), ("JSON", "json")])
def test_log_format_is_a_setting(raw: str | None, expected: str) -> None:
    environ = {} if raw is None else {"CHART_IMG_SERVER_LOG_FORMAT": raw}
    assert Settings.from_env(environ).log_format == expected


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log_format"):
        Settings.from_env({"CHART_IMG_SERVER_LOG_FORMAT": "xml"})


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ("", "chart_img_server", "uvicorn")
    saved = [
        (logging.getLogger(n), logging.getLogger(n).handlers[:], logging.getLogger(n).propagate)
        for n in names
    ]
    yield
    write_access_lines_to(None)
    for logger, handlers, propagate in saved:
        logger.handlers = handlers
        logger.propagate = propagate


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_are_one_object_a_line_for_every_record(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure_logging("json")
    client.get(LIST_PATH + "/..%0A127.0.0.1%20%22GET%20/forged%22%20200%1B%00", headers=KEY_HEADERS)
    client.get(LIST_PATH, headers=KEY_HEADERS)
    logging.getLogger("uvicorn.error").warning("uvicorn says\nhello")
    logging.getLogger("some.library").warning("a library")  # written with the access lines
    lines = capsys.readouterr().err.splitlines()
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e["logger"] == "chart_img_server.access"]
    assert len(access) == 2
    assert "\n" in access[0]["target"]
    assert "\x1b" in access[0]["target"]
    assert {e["logger"] for e in entries} >= {"uvicorn.error", "some.library"}


@pytest.mark.usefixtures("restore_logging")
def test_text_logs_cannot_be_forged_through_the_path(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure_logging("text")
    client.get("/v3/%0A127.0.0.1:1%20%22GET%20/forged%22%20200%1B[2J%00", headers=KEY_HEADERS)
    logging.getLogger("chart_img_server").handlers[0].flush()
    [line] = capsys.readouterr().err.splitlines()
    assert "chart_img_server.access:" in line
    assert '"GET /v3/\\x0a127.0.0.1:1 %22GET /forged%22 200\\x1b[2J\\x00" ' in line
    assert line.isprintable()


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()])
@pytest.mark.parametrize(
    "args",
    [
        ("127.0.0.1:5000", "GET", "/v3/coinalyze/exchange/list", 200, 0.1),
        ("[2001:db8::1]:0", "POST", '/a\n%22"\x1b\u202e/📈?key=...', 503, 12345.6),
    ],
)
def test_an_access_line_made_without_a_record_reads_as_one_made_from_it(
    formatter: AccessFormatter, args: AccessArgs, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = dict(zip(("client", "method", "target", "status", "duration_ms"), args, strict=True))
    for created in (1_700_000_000.0, 1_700_000_000.9999, 1_700_000_001.0005, 1_733_212_345.25):
        # A record made at `created`, as logging makes one.
        monkeypatch.setattr(time, "time", lambda created=created: created)
        monkeypatch.setattr(time, "time_ns", lambda created=created: int(created * 1e9))
        record = _record('%s "%s %s" %d %.1fms', *args, **fields)
        monkeypatch.undo()
        assert formatter.format_access(created, args) == formatter.format(record)


def test_a_text_line_s_time_reads_as_logging_s_own() -> None:
    record = logging.LogRecord("chart_img_server", logging.INFO, __file__, 1, "ready", None, None)
    ours, standard = TextFormatter(), logging.Formatter(TEXT_FORMAT)
    assert ours.format(record) == standard.format(record)
    record.created += 1.5  # the next second's text is made anew
    record.msecs = 7.0
    assert ours.format(record) == standard.format(record)


# Access lines are written in batches; every other record at once.


class _Stream(io.StringIO):
    """A log stream that counts its writes and tells when one happens."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.written = threading.Event()

    def write(self, text: str) -> int:
        self.writes += 1
        self.written.set()
        return super().write(text)


def _handler(stream: _Stream, flush_interval: float) -> ServerLogHandler:
    handler = ServerLogHandler(stream, flush_interval)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    return handler


def _access(message: str) -> logging.LogRecord:
    return logging.LogRecord("chart_img_server.access", logging.INFO, "", 0, message, None, None)


def test_access_lines_are_gathered_and_written_together_in_time() -> None:
    stream = _Stream()
    handler = _handler(stream, flush_interval=0.05)
    handler.acquire()  # no flush while the lines arrive
    for n in range(100):
        handler.handle(_access(f"request {n}"))
    assert stream.getvalue() == ""
    handler.release()
    assert stream.written.wait(timeout=10)
    handler.acquire()  # the write is done once the flush lets go of the lock
    handler.release()
    lines = stream.getvalue().splitlines()
    assert lines == [f"chart_img_server.access request {n}" for n in range(100)]
    assert stream.writes == 1
    handler.close()


def test_another_record_is_written_at_once_after_the_lines_before_it() -> None:
    stream = _Stream()
    handler = _handler(stream, flush_interval=3600)
    handler.handle(_access("first"))
    handler.handle(logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "hello", None, None))
    assert stream.getvalue().splitlines() == [
        "chart_img_server.access first",
        "uvicorn.error hello",
    ]
    handler.handle(_access("second"))
    handler.flush()  # as logging.shutdown does at exit
    assert stream.getvalue().splitlines()[-1] == "chart_img_server.access second"
    handler.close()
