from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from chart_img_server import ChartRequest, RunningServer, Settings, running_server
from chart_img_server.market import MarketData
from chart_img_server.render_pool import RenderPool
from chart_img_server.spec import ApiSpec
from PIL import Image
from starlette.testclient import TestClient

from .conftest import (
    CHART_PATH,
    DEFAULT_CHART,
    DEFAULT_DATA,
    KEY_HEADERS,
    STORAGE_PATH,
    AnyResponse,
    BlockingRenderer,
    assert_documented,
)


def _image(response: AnyResponse) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize(
    ("body", "size", "image_format", "media_type"),
    [
        ({}, (800, 600), "PNG", "image/png"),
        ({"width": 400, "height": 300, "format": "jpeg"}, (400, 300), "JPEG", "image/jpeg"),
        (
            {
                "symbol": "BINANCE:BTCUSD.P",
                "interval": "12h",
                "theme": "dark",
                "studies": ["Open Interest", "Buy / Sell Volume"],
            },
            (800, 600),
            "PNG",
            "image/png",
        ),
        ({"width": 1280.0, "height": 720, "watermark": "chart-img-kit"}, (1280, 720), "PNG", None),
    ],
)
def test_chart_is_an_image_of_the_requested_size_and_format(
    client: TestClient,
    body: dict[str, Any],
    size: tuple[int, int],
    image_format: str,
    media_type: str | None,
) -> None:
    response = client.post(CHART_PATH, json=body, headers=KEY_HEADERS)
    image = _image(response)
    assert image.size == size
    assert image.format == image_format
    if media_type is not None:
        assert response.headers["content-type"] == media_type


def test_fixed_clock_gives_identical_images(client: TestClient) -> None:
    body = {"studies": ["Open Interest"], "watermark": "same"}
    first = client.post(CHART_PATH, json=body, headers=KEY_HEADERS)
    second = client.post(CHART_PATH, json=body, headers=KEY_HEADERS)
    assert first.content == second.content


def test_stored_chart_is_the_rendered_image(client: TestClient) -> None:
    stored = client.post(STORAGE_PATH, json={"format": "jpeg"}, headers=KEY_HEADERS).json()
    served = client.get(stored["url"].removeprefix("http://testserver"))
    image = _image(served)
    assert (image.format, image.size) == ("JPEG", (800, 600))
    assert len(served.content) == stored["size"]


@pytest.fixture
def blocking() -> Iterator[BlockingRenderer]:
    renderer = BlockingRenderer()
    yield renderer
    renderer.release.set()


@pytest.mark.parametrize("path", [CHART_PATH, STORAGE_PATH])
def test_slow_render_answers_504(
    client_factory: Callable[..., TestClient],
    blocking: BlockingRenderer,
    spec: ApiSpec,
    path: str,
) -> None:
    client = client_factory(renderer=blocking, render_timeout=0.05)
    response = client.post(path, headers=KEY_HEADERS)
    assert blocking.entered.is_set()
    assert response.status_code == 504
    assert_documented(spec, response, path, "post")
    assert response.json() == {"message": "Process Timeout"}


def test_failing_render_answers_500_without_a_traceback(
    client_factory: Callable[..., TestClient], spec: ApiSpec
) -> None:
    def broken(chart: ChartRequest, data: MarketData) -> bytes:
        raise RuntimeError("secret internals")

    client = client_factory(renderer=broken)
    response = client.post(CHART_PATH, headers=KEY_HEADERS)
    assert response.status_code == 500
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json() == {"message": "Internal Server Error"}


def test_renders_run_off_the_event_loop(server_settings: Settings) -> None:
    """While one render blocks its worker thread, the server still answers other requests."""
    blocking = BlockingRenderer()
    settings = Settings(**{**_fields(server_settings), "render_threads": 1, "render_timeout": 30.0})
    with running_server(settings, renderer=blocking) as server:
        result: dict[str, AnyResponse] = {}
        thread = threading.Thread(target=_post_chart, args=(server, result))
        thread.start()
        try:
            assert blocking.entered.wait(10)
            health = httpx.get(f"{server.base_url}/healthz")
            assert health.status_code == 200
        finally:
            blocking.release.set()
            thread.join()
        assert result["response"].status_code == 200
        assert result["response"].content == b"late"


class _CountingRenderer:
    """Blocks every render until released, and counts the renders that started."""

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.count = 0
        self.release = threading.Event()

    def __call__(self, chart: ChartRequest, data: MarketData) -> bytes:
        self.count += 1
        self.started.release()
        self.release.wait()
        return b"x"


async def test_the_render_pool_is_bounded() -> None:
    """With two workers, a third render waits for a free worker instead of starting."""
    renderer = _CountingRenderer()
    pool = RenderPool(renderer, workers=2)
    results: list[bytes] = []

    async def render_one() -> None:
        results.append(await pool.render(DEFAULT_CHART, DEFAULT_DATA))

    try:
        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(render_one)
            for _ in range(2):
                await anyio.to_thread.run_sync(renderer.started.acquire)
            running, started = pool.running, renderer.count
            renderer.release.set()
    finally:
        pool.close()
    assert (running, started) == (2, 2)
    assert results == [b"x"] * 3


async def test_a_render_that_timed_out_keeps_its_worker_until_it_ends() -> None:
    """Giving up on a render frees no worker: renders running never exceed the pool's size."""
    renderer = _CountingRenderer()
    pool = RenderPool(renderer, workers=1)
    try:
        with anyio.move_on_after(0.05):
            await pool.render(DEFAULT_CHART, DEFAULT_DATA)
        await anyio.to_thread.run_sync(renderer.started.acquire)
        with anyio.move_on_after(0.05) as waiting:
            await pool.render(DEFAULT_CHART, DEFAULT_DATA)
        assert waiting.cancelled_caught
        assert (pool.running, renderer.count) == (1, 1)  # the second never started
        renderer.release.set()
        assert await pool.render(DEFAULT_CHART, DEFAULT_DATA) == b"x"
        assert renderer.count == 2  # the first, then the third: never the abandoned second
    finally:
        renderer.release.set()
        pool.close()


def _fields(settings: Settings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}


def _post_chart(server: RunningServer, result: dict[str, AnyResponse]) -> None:
    result["response"] = httpx.post(
        f"{server.base_url}{CHART_PATH}", headers={"x-api-key": server.api_key}, timeout=30
    )


def _pixels(client: TestClient, body: dict[str, Any]) -> Image.Image:
    return _image(client.post(CHART_PATH, json=body, headers=KEY_HEADERS)).convert("RGB")


def _differs(first: Image.Image, second: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return first.crop(box).tobytes() != second.crop(box).tobytes()


def test_themes_have_light_and_dark_backgrounds(client: TestClient) -> None:
    light = _pixels(client, {"theme": "light"}).getpixel((2, 2))
    dark = _pixels(client, {"theme": "dark"}).getpixel((2, 2))
    assert isinstance(light, tuple)
    assert isinstance(dark, tuple)
    assert sum(light) > 600
    assert sum(dark) < 150


def test_watermark_changes_the_centre(client: TestClient) -> None:
    plain = _pixels(client, {})
    marked = _pixels(client, {"watermark": "chart-img-kit", "watermarkSize": 64})
    assert _differs(plain, marked, (200, 200, 600, 400))


def test_each_study_adds_a_pane(client: TestClient) -> None:
    none = _pixels(client, {})
    one = _pixels(client, {"studies": ["Open Interest"]})
    two = _pixels(client, {"studies": ["Open Interest", "Funding Rate"]})
    lower = (0, 450, 800, 560)
    assert _differs(none, one, lower)
    assert _differs(one, two, lower)


def test_timezone_changes_the_time_axis(client: TestClient) -> None:
    utc = _pixels(client, {"interval": "1h", "timezone": "Etc/UTC"})
    tokyo = _pixels(client, {"interval": "1h", "timezone": "Asia/Tokyo"})
    assert _differs(utc, tokyo, (0, 560, 800, 600))
