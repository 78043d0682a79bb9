from __future__ import annotations

import dataclasses
import datetime
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from chart_img_server import ChartRequest, Settings, create_app
from chart_img_server.market import MarketData
from chart_img_server.render_pool import Renderer
from chart_img_server.rendering import synthetic_data
from chart_img_server.spec import ApiSpec, load_spec
from starlette.testclient import TestClient

# TestClient answers with httpx2 responses, live servers (through httpx) with httpx ones.
AnyResponse = httpx.Response | httpx2.Response

TEST_API_KEY = "test-key"
KEY_HEADERS = {"x-api-key": TEST_API_KEY}
CHART_PATH = "/v3/coinalyze/advanced-chart"
# What an empty body asks for: every default of the spec, written out as the expected value.
DEFAULT_CHART = ChartRequest(
    exchange="BINANCE",
    ticker="BTCUSDT.P",
    interval="1D",
    width=800,
    height=600,
    theme="light",
    timezone="Etc/UTC",
    format="png",
    studies=(),
    watermark=None,
    watermark_size=16,
    watermark_opacity=1.0,
)
STORAGE_PATH = "/v3/coinalyze/advanced-chart/storage"
LIST_PATH = "/v3/coinalyze/exchange/list"
SYMBOLS_PATH = "/v3/coinalyze/exchange/{exchangeId}"

NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
DEFAULT_DATA = synthetic_data(DEFAULT_CHART, NOW)


class MutableClock:
    """A UTC clock that only moves when a test moves it."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, delta: datetime.timedelta) -> None:
        self.now += delta


class ManualMonotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture(scope="session")
def spec() -> ApiSpec:
    return load_spec()


@pytest.fixture
def client(server_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(server_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def client_factory(
    server_settings: Settings,
) -> Iterator[Callable[..., TestClient]]:
    """Builds in-process clients for variations of the test settings or renderer."""
    opened: list[TestClient] = []

    def build(renderer: Renderer | None = None, **changes: object) -> TestClient:
        settings = _replace(server_settings, **changes)
        test_client = TestClient(
            create_app(settings, renderer=renderer), raise_server_exceptions=False
        )
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield build
    for test_client in opened:
        test_client.__exit__(None, None, None)


class RecordingRenderer:
    """Records the chart requests it gets and answers a few fixed bytes."""

    def __init__(self) -> None:
        self.charts: list[ChartRequest] = []

    def __call__(self, chart: ChartRequest, data: MarketData) -> bytes:
        self.charts.append(chart)
        return b"stub image"


@pytest.fixture
def recorder() -> RecordingRenderer:
    return RecordingRenderer()


@pytest.fixture
def stub_client(
    client_factory: Callable[..., TestClient], recorder: RecordingRenderer
) -> TestClient:
    """An in-process server whose renderer only records what it was asked to draw."""
    return client_factory(renderer=recorder)


def _replace(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def assert_documented(spec: ApiSpec, response: AnyResponse, path: str, method: str) -> None:
    """The response's JSON body is what the spec documents for its status."""
    assert response.headers["content-type"].startswith("application/json")
    validator = spec.response_validator(path, method, response.status_code)
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], errors


def assert_error_message(spec: ApiSpec, response: AnyResponse, message: str) -> None:
    """A `{"message"}` error body, in the spec's `ErrorMessage` shape, with this message."""
    body = response.json()
    assert list(spec.validator("ErrorMessage").iter_errors(body)) == []
    assert body == {"message": message}


class BlockingRenderer:
    """A renderer that waits until the test releases it, then draws a stub image."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, chart: ChartRequest, data: MarketData) -> bytes:
        self.entered.set()
        self.release.wait()
        return b"late"


def storage_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())
