"""Connection limits, over raw sockets against a live server: the head is bounded, and an
idle connection, a trickled head and a slow body are closed on short configured deadlines
while other clients are served."""

from __future__ import annotations

import dataclasses
import json
import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from chart_img_server import RunningServer, Settings, running_server

from .conftest import CHART_PATH, TEST_API_KEY

HEAD_LIMIT = 4096
IDLE = 0.5
HEADER_DEADLINE = 0.6
BODY_DEADLINE = 0.6
# How long any test waits for the server to act on a deadline, at most.
PATIENCE = 10.0


@pytest.fixture
def limited(server_settings: Settings) -> Iterator[RunningServer]:
    settings = dataclasses.replace(
        server_settings,
        max_header_bytes=HEAD_LIMIT,
        max_header_count=20,
        idle_timeout=IDLE,
        header_timeout=HEADER_DEADLINE,
        body_timeout=BODY_DEADLINE,
    )
    with running_server(settings) as server:
        yield server


def _connect(server: RunningServer) -> socket.socket:
    address = urlsplit(server.base_url)
    return socket.create_connection((address.hostname or "", address.port or 80), PATIENCE)


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes, within PATIENCE."""
    received = b""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65_536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    else:
        pytest.fail(f"the server did not close the connection within {PATIENCE}s")
    return received


def _status(received: bytes) -> int:
    assert received.startswith(b"HTTP/1.1 "), received[:200]
    return int(received.split(b" ", 2)[1])


def _json_body(received: bytes) -> object:
    return json.loads(received.partition(b"\r\n\r\n")[2])


def send_oversized_head(server: RunningServer, most: int) -> tuple[bytes, int]:
    """Sends one header value of up to `most` bytes, reading between writes; returns what
    the server answered and how many bytes it took to answer."""
    chunk = b"a" * 65_536
    sent = 0
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ")
        while sent < most:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return _read_until_closed(sock), sent


def test_an_oversized_header_is_431_before_the_rest_is_read(limited: RunningServer) -> None:
    received, sent = send_oversized_head(limited, 16 * 1024 * 1024)
    assert _status(received) == 431
    assert _json_body(received) == {"message": "Request Header Fields Too Large"}
    # Answered within a few socket buffers of the limit, not at the end of the header.
    assert sent < 4 * 1024 * 1024
    assert httpx.get(f"{limited.base_url}/healthz").status_code == 200


def test_a_long_request_target_is_431(limited: RunningServer) -> None:
    with _connect(limited) as sock:
        sock.sendall(
            b"GET /healthz?" + b"q" * (2 * HEAD_LIMIT) + b" HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
        )
        assert _status(_read_until_closed(sock)) == 431


def test_too_many_header_fields_are_431(limited: RunningServer) -> None:
    fields = b"".join(b"x-f%d: 1\r\n" % n for n in range(21))
    with _connect(limited) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n" + fields + b"\r\n")
        assert _status(_read_until_closed(sock)) == 431


def test_a_head_at_the_limit_is_served(limited: RunningServer) -> None:
    fields = b"".join(b"x-f%d: %s\r\n" % (n, b"v" * 100) for n in range(18))
    with _connect(limited) as sock:
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n" + fields + b"\r\n"
        )
        assert _status(_read_until_closed(sock)) == 200


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_oversized_headers_on_four_connections_leave_memory_flat(
    server_settings: Settings,
) -> None:
    """The issue's attack, at default limits: four connections sending 32 MB headers."""
    with running_server(server_settings) as server:
        before = _resident_bytes()
        results: list[tuple[bytes, int]] = []
        threads = [
            threading.Thread(target=lambda: results.append(send_oversized_head(server, 32 << 20)))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE * 3)
        growth = _resident_bytes() - before
    assert [_status(received) for received, _ in results] == [431] * 4
    assert growth < 16 * 1024 * 1024, f"grew {growth / 1e6:.1f} MB"


def test_an_idle_connection_is_closed_after_the_idle_timeout(limited: RunningServer) -> None:
    with _connect(limited) as sock:
        started = time.monotonic()
        assert _read_until_closed(sock) == b""
        elapsed = time.monotonic() - started
    assert IDLE * 0.9 <= elapsed < IDLE + 2


def test_a_kept_alive_connection_is_closed_after_the_idle_timeout(
    limited: RunningServer,
) -> None:
    with _connect(limited) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        started = time.monotonic()
        received = _read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert _status(received) == 200
    assert received.endswith(b'{"status":"ok"}')
    assert IDLE * 0.9 <= elapsed < IDLE + 2


def test_a_head_trickled_a_byte_at_a_time_is_408(limited: RunningServer) -> None:
    head = b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n" + b"x-slow: " + b"s" * 1000
    with _connect(limited) as sock:
        started = time.monotonic()
        for byte in head:
            # One byte each 50 ms, as long as the server has nothing to say.
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                break
            sock.sendall(bytes([byte]))
        received = _read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert _status(received) == 408
    assert _json_body(received) == {"message": "Request Timeout"}
    assert elapsed < HEADER_DEADLINE + 2


def _chart_head(extra: bytes) -> bytes:
    return (
        b"POST " + CHART_PATH.encode() + b" HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        b"x-api-key: "
        + TEST_API_KEY.encode()
        + b"\r\ncontent-type: application/json\r\n"
        + extra
        + b"\r\n"
    )


class AccessRecords(logging.Handler):
    """Collects access-log records; `seen` is set at the first one."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if record.name == "chart_img_server.access":
            self.seen.set()


@pytest.fixture
def records() -> Iterator[AccessRecords]:
    handler = AccessRecords()
    watched = [logging.getLogger(name) for name in ("chart_img_server", "uvicorn")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler
    for logger, level in zip(watched, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize(
    ("framing", "body"),
    [
        (b"content-length: 100\r\n", b'{"width": 8'),
        (b"transfer-encoding: chunked\r\n", b"ffffffffffffffff\r\n{"),
    ],
    ids=["slow-body", "huge-chunk"],
)
def test_a_body_not_sent_in_time_is_cut_off_in_one_line(
    limited: RunningServer, records: AccessRecords, framing: bytes, body: bytes
) -> None:
    with _connect(limited) as sock:
        sock.sendall(_chart_head(framing) + body)
        started = time.monotonic()
        # One byte each 50 ms until the server closes (a body at 20 bytes a second).
        for _ in range(int(PATIENCE / 0.05)):
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                break
            try:
                sock.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
        received = _read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert received == b""
    assert elapsed < BODY_DEADLINE + 2
    assert records.seen.wait(PATIENCE)
    assert_one_quiet_access_line(records)


def assert_one_quiet_access_line(records: AccessRecords) -> None:
    access = [r for r in records.records if r.name == "chart_img_server.access"]
    assert [getattr(r, "status", None) for r in access] == [499]
    assert all(r.exc_info is None for r in records.records)
    assert [r.levelno for r in records.records if r.levelno >= logging.WARNING] == []


def test_a_client_that_leaves_mid_body_is_one_line_not_a_500(
    live_server: RunningServer, records: AccessRecords
) -> None:
    with _connect(live_server) as sock:
        sock.sendall(_chart_head(b"content-length: 1000\r\n") + b'{"width": 8')
    assert records.seen.wait(PATIENCE)
    assert_one_quiet_access_line(records)
    assert httpx.get(f"{live_server.base_url}/healthz").status_code == 200


def test_new_clients_are_served_while_slow_ones_wait(limited: RunningServer) -> None:
    idle = [_connect(limited) for _ in range(20)]
    trickling = [_connect(limited) for _ in range(20)]
    try:
        for sock in trickling:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
        started = time.monotonic()
        with httpx.Client(base_url=limited.base_url) as client:
            answers = [client.get("/healthz").status_code for _ in range(5)]
        assert answers == [200] * 5
        assert time.monotonic() - started < 1.0
        # And every slow one is let go by its deadline.
        closed = [_read_until_closed(sock) for sock in idle + trickling]
        assert closed.count(b"") == len(idle)
        assert [_status(received) for received in closed if received] == [408] * len(trickling)
    finally:
        for sock in idle + trickling:
            sock.close()


def test_connection_limits_have_sane_defaults() -> None:
    defaults = Settings()
    assert defaults.idle_timeout <= 30
    assert defaults.header_timeout <= 30
    assert 8192 <= defaults.max_header_bytes <= 65536
    settings = Settings.from_env(
        {
            "CHART_IMG_SERVER_MAX_HEADER_BYTES": "32768",
            "CHART_IMG_SERVER_MAX_HEADER_COUNT": "50",
            "CHART_IMG_SERVER_HEADER_TIMEOUT": "5",
            "CHART_IMG_SERVER_BODY_TIMEOUT": "20",
            "CHART_IMG_SERVER_IDLE_TIMEOUT": "2.5",
        }
    )
    assert (
        settings.max_header_bytes,
        settings.max_header_count,
        settings.header_timeout,
        settings.body_timeout,
        settings.idle_timeout,
    ) == (32768, 50, 5.0, 20.0, 2.5)
    with pytest.raises(ValueError, match="idle_timeout"):
        Settings(idle_timeout=0)
    with pytest.raises(ValueError, match="max_header_bytes"):
        Settings(max_header_bytes=10)
