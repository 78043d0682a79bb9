"""The self-hosting guide's reverse proxy, as run: Debian's nginx (`make nginx`) with
deploy/nginx.conf in front of two server processes with Redis and moto's S3 server.

The configuration is the repository's file, with its `listen` and `proxy_pass` addresses
replaced by free ports of 127.0.0.1; nothing else is changed."""

from __future__ import annotations

import contextlib
import hashlib
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.moto_server import Moto
from tests.tools import installed

from .conftest import LOOPBACK, SCALE_KEY, RedisServer, free_port, server_processes

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx.conf"
# The two lines of the file the test rewrites, each exactly once.
LISTEN = "listen 127.0.0.1:8080;"
UPSTREAM = "proxy_pass http://127.0.0.1:8090;"
PUBLIC_HOST = "charts.example"
LIST_PATH = "/v3/coinalyze/exchange/list"
STORAGE_PATH = "/v3/coinalyze/advanced-chart/storage"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FAILED_AUTH_BURST = 2
PROCESSES = 2


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """Debian's nginx (`make nginx`)."""
    return installed("nginx", "nginx")


@dataclass(frozen=True, slots=True)
class Proxy:
    port: int
    log: Path

    @property
    def public_base(self) -> str:
        """The public base URL, as clients name it: the public host, on the proxy's port."""
        return f"http://{PUBLIC_HOST}:{self.port}"

    def client(self, source: str = LOOPBACK) -> httpx.Client:
        """A client of the proxy connecting from `source` (any address of 127.0.0.0/8), naming
        the public host."""
        return httpx.Client(
            base_url=f"http://{LOOPBACK}:{self.port}",
            headers={"host": f"{PUBLIC_HOST}:{self.port}"},
            transport=httpx.HTTPTransport(local_address=source),
            timeout=30,
        )


@contextlib.contextmanager
def running_nginx(binary: str, tmp_path: Path, port: int, upstream_port: int) -> Iterator[Proxy]:
    """nginx in the foreground with the repository's file on `port`, in front of
    `upstream_port`; stopped at the end."""
    text = CONFIG.read_text()
    assert text.count(LISTEN) == 1, f"{CONFIG} no longer has `{LISTEN}` once"
    assert text.count(UPSTREAM) == 1, f"{CONFIG} no longer has `{UPSTREAM}` once"
    text = text.replace(LISTEN, f"listen {LOOPBACK}:{port};")
    text = text.replace(UPSTREAM, f"proxy_pass http://{LOOPBACK}:{upstream_port};")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    config = prefix / "nginx.conf"
    config.write_text(text)
    command = [binary, "-p", str(prefix), "-c", str(config)]
    command += ["-g", "daemon off; pid nginx.pid; error_log stderr;"]
    log = tmp_path / "nginx.log"
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_listening(child, log, port)
            yield Proxy(port, prefix / "access.log")
        finally:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_listening(child: subprocess.Popen[bytes], log: Path, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            pytest.fail(f"nginx exited {child.returncode}:\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"http://{LOOPBACK}:{port}/", timeout=1)
            return
        time.sleep(0.05)
    pytest.fail(f"nginx did not listen on {port}:\n{log.read_text()}")


@pytest.mark.slow
def test_two_processes_with_redis_and_s3_behind_nginx(
    nginx_binary: str, tmp_path: Path, redis: RedisServer, moto: Moto
) -> None:
    env = {
        "CHART_IMG_SERVER_ALLOWED_HOSTS": PUBLIC_HOST,
        # No public base URL: with a bucket it would name the bucket's own public address.
        # The server serves the charts at /storage/, and builds their URLs from the Host and
        # X-Forwarded-Proto that nginx passes.
        "CHART_IMG_SERVER_PUBLIC_BASE_URL": None,
        **moto.server_environment("reverse-proxy"),
        "CHART_IMG_SERVER_FAILED_AUTH_BURST": str(FAILED_AUTH_BURST),
        "CHART_IMG_SERVER_FAILED_AUTH_RATE": "0.01",
    }
    with (
        server_processes(tmp_path, redis.url, PROCESSES, env=env) as server,
        running_nginx(
            nginx_binary, tmp_path, free_port(), urlsplit(server.base_url).port or 0
        ) as proxy,
        proxy.client() as client,
    ):
        key = {"x-api-key": SCALE_KEY}
        listed = client.get(LIST_PATH, headers=key)
        assert listed.status_code == 200, listed.text
        assert "BINANCE" in listed.json()["payload"]
        # Only the hosts named are served, through the proxy as directly.
        other = client.get(LIST_PATH, headers={**key, "host": f"other.example:{proxy.port}"})
        assert (other.status_code, other.json()) == (400, {"message": "Invalid Host"})

        stored = client.post(STORAGE_PATH, headers=key, json={"width": 400, "height": 300})
        assert stored.status_code == 200, stored.text
        answer = stored.json()
        assert answer["url"].startswith(f"{proxy.public_base}/storage/"), answer
        # Fetched as a client that resolves the public host to the proxy.
        served = client.get(urlsplit(answer["url"]).path)
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "image/png"
        assert served.content.startswith(PNG_SIGNATURE)
        assert len(served.content) == answer["size"]
        assert hashlib.md5(served.content).hexdigest() == answer["etag"]
        assert served.headers["etag"] == f'"{answer["etag"]}"'

        # Metrics and probes: on the server's port, not through the proxy.
        for path in ("/metrics", "/healthz", "/readyz"):
            hidden = client.get(path)
            assert (hidden.status_code, hidden.json()) == (404, {"message": "Not Found"}), path
            assert hidden.headers["cache-control"] == "no-store"
        metrics = httpx.get(f"{server.base_url}/metrics", timeout=10)
        assert metrics.status_code == 200
        assert 'chart_img_requests_total{operation="storeAdvancedChart"' in metrics.text
        assert httpx.get(f"{server.base_url}/readyz", timeout=10).status_code == 200

        # nginx refuses a body over the server's max_body_bytes as the server would.
        body = b" " * 65537
        headers = {**key, "content-type": "application/json"}
        refused = client.post(STORAGE_PATH, headers=headers, content=body)
        direct = httpx.post(f"{server.base_url}{STORAGE_PATH}", headers=headers, content=body)
        assert refused.status_code == direct.status_code == 413
        assert refused.json() == direct.json()

        # The server sees the client's address, not the proxy's: nginx sets X-Forwarded-For
        # (a client's own is replaced) and uvicorn trusts it from 127.0.0.1.
        with proxy.client("127.0.0.2") as second:
            forged = {**key, "x-forwarded-for": "203.0.113.9"}
            assert second.get(LIST_PATH, headers=forged).status_code == 200
            # The failed-key throttle counts that address: each process allows a burst.
            statuses = []
            for _ in range(FAILED_AUTH_BURST * PROCESSES + 1):
                statuses.append(second.get(LIST_PATH, headers={"x-api-key": "wrong"}).status_code)
                if statuses[-1] == 429:
                    break
            assert statuses[-1] == 429, statuses
            assert set(statuses[:-1]) <= {403}, statuses
        with proxy.client("127.0.0.3") as third:
            assert third.get(LIST_PATH, headers={"x-api-key": "wrong"}).status_code == 403

    log = server.log.read_text()
    assert re.search(rf'127\.0\.0\.2:0 "GET {LIST_PATH}" 200 ', log), log
    assert re.search(rf'127\.0\.0\.2:0 "GET {LIST_PATH}" 429 ', log), log
    assert re.search(rf'127\.0\.0\.3:0 "GET {LIST_PATH}" 403 ', log), log
    assert "203.0.113.9" not in log
    # nginx logged every request it proxied, from the addresses that sent them.
    access = proxy.log.read_text()
    assert re.search(rf'^127\.0\.0\.2 .*"GET {LIST_PATH} HTTP/1\.1" 429 ', access, re.M), access
