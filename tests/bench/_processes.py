"""The reference server and Prism as child processes on 127.0.0.1, always stopped at the end."""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from ._common import BENCH_KEY, LOOPBACK

REPO_ROOT = Path(__file__).resolve().parents[2]
PRISM = REPO_ROOT / "node_modules" / ".bin" / "prism"
_START_TIMEOUT = 60.0
_POLL_SECONDS = 0.05


class ServiceError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    base_url: str
    pid: int
    headers: Mapping[str, str]

    def rss_bytes(self) -> int:
        """Resident memory of the process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise ServiceError(f"no VmRSS for {self.name} (pid {self.pid})")


def spec_path() -> Path:
    """The spec copy shipped in the generated package: the one every package reads."""
    resource = importlib.resources.files("chart_img_api").joinpath("openapi.yaml")
    return Path(str(resource))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def reference_server(render_threads: int | None = None) -> Iterator[Service]:
    """`python -m chart_img_server` with a known key, no rate limit and a scratch storage dir."""
    with tempfile.TemporaryDirectory(prefix="chart-img-bench-") as scratch:
        port = free_port()
        env = {
            **os.environ,
            "CHART_IMG_SERVER_KEYS": BENCH_KEY,
            "CHART_IMG_SERVER_RATE_LIMIT": "0",
            "CHART_IMG_SERVER_STORAGE_DIR": str(Path(scratch) / "storage"),
        }
        command = [sys.executable, "-m", "chart_img_server", "--host", LOOPBACK]
        command += ["--port", str(port)]
        if render_threads is not None:
            command += ["--render-threads", str(render_threads)]
        headers = {"x-api-key": BENCH_KEY}
        base_url = f"http://{LOOPBACK}:{port}"
        log = Path(scratch) / "server.log"
        with _child(command, env, log) as child:
            _wait_until_answering(child, log, f"{base_url}/healthz", {})
            yield Service("chart_img_server", base_url, child.pid, headers)


@contextlib.contextmanager
def prism_mock() -> Iterator[Service]:
    """Stoplight Prism mocking the same spec, logging silenced."""
    if not PRISM.exists():
        raise ServiceError(f"Prism is not installed at {PRISM}: run `make setup`")
    with tempfile.TemporaryDirectory(prefix="chart-img-prism-") as scratch:
        port = free_port()
        command = [str(PRISM), "mock", str(spec_path()), "-h", LOOPBACK, "-p", str(port)]
        command += ["-v", "silent"]
        headers = {"x-api-key": BENCH_KEY}
        base_url = f"http://{LOOPBACK}:{port}"
        log = Path(scratch) / "prism.log"
        with _child(command, dict(os.environ), log) as child:
            _wait_until_answering(child, log, f"{base_url}/v3/coinalyze/exchange/list", headers)
            yield Service("prism", base_url, child.pid, headers)


def wrk_path() -> str | None:
    return shutil.which("wrk")


@contextlib.contextmanager
def _child(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    # A session of its own, so that stopping it also stops what it started (node under Prism).
    with log.open("wb") as out:
        child = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield child
        finally:
            _stop(child)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _wait_until_answering(
    child: subprocess.Popen[bytes], log: Path, url: str, headers: Mapping[str, str]
) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=dict(headers), timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        # Waiting on the child's exit doubles as the pause between attempts.
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=_POLL_SECONDS)
            raise ServiceError(f"{child.args!r} exited early:\n{_tail(log)}")
    raise ServiceError(f"{url} did not answer within {_START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
