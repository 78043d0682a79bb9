"""Fakes for the overlay's tests: an in-memory API behind `httpx.MockTransport`."""

from __future__ import annotations

import hashlib
import io
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from chart_img.cli import CliState, app
from PIL import Image
from typer.testing import CliRunner, Result

API_KEY = "sk-test-5ecret-KEY"
BASE_URL = "http://api.test"
STORAGE_HOST = "storage.test"


class Images:
    """Real PNG and JPEG bytes of a given size, made with Pillow."""

    @staticmethod
    def png(width: int = 800, height: int = 600) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), (20, 30, 40)).save(buffer, "PNG")
        return buffer.getvalue()

    @staticmethod
    def jpeg(width: int = 800, height: int = 600, *, progressive: bool = False) -> bytes:
        buffer = io.BytesIO()
        image = Image.new("RGB", (width, height), (200, 30, 40))
        image.save(buffer, "JPEG", progressive=progressive, quality=80)
        return buffer.getvalue()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class FakeApi:
    """Answers like the API. `queue` holds answers (or exceptions) returned first, in order."""

    image: bytes = field(default_factory=Images.png)
    media_type: str = "image/png"
    queue: list[httpx.Response | Exception] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.queue:
            answer = self.queue.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return self.route(request)

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.url.host == STORAGE_HOST:
            return httpx.Response(
                200, content=self.image, headers={"content-type": self.media_type}
            )
        if path == "/v3/coinalyze/exchange/list":
            return json_response(
                200, {"updatedAt": "2024-08-11T12:00:00.000Z", "payload": ["BINANCE", "BYBIT"]}
            )
        if path.startswith("/v3/coinalyze/exchange/"):
            return json_response(
                200, {"updatedAt": None, "payload": ["BTCUSDT", "BTCUSDT.P", "ETHUSDT"]}
            )
        if path.startswith("/v3/coinalyze/advanced-chart") and b"NOPE" in request.content:
            return json_response(422, {"message": "Invalid Symbol"})
        if path == "/v3/coinalyze/advanced-chart":
            return httpx.Response(
                200, content=self.image, headers={"content-type": self.media_type}
            )
        if path == "/v3/coinalyze/advanced-chart/storage":
            return json_response(200, self.stored())
        return json_response(404, {"message": "Not Found"})

    def stored(self, **changes: Any) -> dict[str, Any]:
        body = {
            "url": f"http://{STORAGE_HOST}/20241210/chart.png",
            "size": len(self.image),
            "cors": "*",
            "etag": hashlib.md5(self.image).hexdigest(),
            "expireAt": "2099-12-10T14:21:16.788Z",
            "createdAt": "2024-08-12T14:21:16.952Z",
        }
        body.update(changes)
        return body


@dataclass
class SleepRecorder:
    """Stands in for `time.sleep`/`asyncio.sleep`: records the delays, never waits."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def images() -> Images:
    return Images()


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHART_IMG_API_KEY", raising=False)
    monkeypatch.delenv("CHART_IMG_BASE_URL", raising=False)


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens: the port was bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"CHART_IMG_API_KEY": API_KEY, "COLUMNS": "2000"})


def invoke(
    runner: CliRunner, api: FakeApi, *args: str, sleeps: SleepRecorder | None = None
) -> Result:
    """`chart-img --base-url BASE_URL ARGS...` against `api`, retries never waiting."""
    transport = httpx.MockTransport(api)
    recorder = sleeps or SleepRecorder()
    state = CliState(
        transport=transport, async_transport=transport, sleep=recorder, async_sleep=recorder.asleep
    )
    return runner.invoke(app, ["--base-url", BASE_URL, *args], obj=state)
