"""A real Redis (Debian's redis-server, `make redis`) and the reference server as several
processes, both on 127.0.0.1 on free ports, always stopped at the end."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

LOOPBACK = "127.0.0.1"
SCALE_KEY = "scale-test-key"
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """`redis-server` as a child process, which a test may stop and start again (same port)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://{LOOPBACK}:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run `make redis`")
        command = [binary, "--port", str(self.port), "--bind", LOOPBACK]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection((LOOPBACK, self.port), 0.2) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.02)
        self.stop()
        pytest.fail("redis-server did not start")

    def kill(self) -> None:
        """Gone at once, as a crashed server would be."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def flush(self) -> None:
        with socket.create_connection((LOOPBACK, self.port), 1) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(16)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis(redis_server: RedisServer) -> RedisServer:
    """The session's Redis, running and empty."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    redis_server.flush()
    return redis_server


@dataclass(frozen=True, slots=True)
class ServerProcesses:
    base_url: str
    pid: int
    headers: Mapping[str, str]
    log: Path

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def children(self) -> list[int]:
        """The supervisor's child processes (the servers, and multiprocessing's helper)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid:
                    found.append(int(stat.parent.name))
        return found

    def workers(self) -> set[int]:
        """The server processes (not multiprocessing's resource tracker)."""
        return {
            pid
            for pid in self.children()
            if b"--multiprocessing-fork" in Path(f"/proc/{pid}/cmdline").read_bytes()
        }

    def ask(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None = None
    ) -> Answer:
        """One request on a new connection: the answer, and which process gave it."""
        workers = self.workers()
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            response = connection.getresponse()
            content = response.read()
            assert connection.sock is not None
            # Still open: the process that answered holds the connection's other end.
            client_port = connection.sock.getsockname()[1]
            return Answer(response.status, content, _holder(self.port, client_port, workers))
        finally:
            connection.close()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content: bytes
    pid: int


def _holder(port: int, client_port: int, pids: set[int]) -> int:
    """The process holding the server end of the connection from `client_port` to `port`:
    its socket's inode, from `/proc/net/tcp`, among the processes' descriptors."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
        if (local, remote) == (port, client_port):
            inode = fields[9]
    assert inode is not None, f"no server end for port {client_port}"
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(FileNotFoundError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    raise AssertionError(f"no server process holds socket {inode}")


@contextlib.contextmanager
def server_processes(
    tmp_path: Path, redis_url: str, processes: int, env: Mapping[str, str | None] | None = None
) -> Iterator[ServerProcesses]:
    """`python -m chart_img_server --processes N` with Redis and one key (`env`: a None unsets)."""
    port = free_port()
    given: dict[str, str | None] = {
        **os.environ,
        "CHART_IMG_SERVER_KEYS": SCALE_KEY,
        "CHART_IMG_SERVER_REDIS_URL": redis_url,
        "CHART_IMG_SERVER_STORAGE_DIR": str(tmp_path / "storage"),
        "CHART_IMG_SERVER_RENDER_THREADS": "1",
        **(env or {}),
    }
    environment = {name: value for name, value in given.items() if value is not None}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "chart_img_server", "--port", str(port)]
    command += ["--processes", str(processes)]
    log = tmp_path / "server.log"
    base_url = f"http://{LOOPBACK}:{port}"
    with log.open("wb") as out:
        child = subprocess.Popen(
            command, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_ready(child, log, base_url, processes)
            yield ServerProcesses(base_url, child.pid, {"x-api-key": SCALE_KEY}, log)
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()


def _wait_ready(child: subprocess.Popen[bytes], log: Path, base_url: str, processes: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    announced = f"with {processes} processes" if processes > 1 else "Uvicorn running"
    while time.monotonic() < deadline:
        if child.poll() is not None:
            pytest.fail(f"the server exited {child.returncode}:\n{log.read_text()}")
        if announced in log.read_text():
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    return
        time.sleep(0.1)
    pytest.fail(f"the server did not start:\n{log.read_text()}")
