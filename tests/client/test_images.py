"""`ChartImage` (header parsing, save, Pillow) and `StoredChart` (dates, expiry, download)."""

from __future__ import annotations

import builtins
import datetime
import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from chart_img import (
    APIResponseError,
    ChartImage,
    ChartImg,
    ChartImgError,
    DownloadVerificationError,
    ImageFormat,
    StoredChart,
)
from chart_img_api.models import StoredChart as StoredChartModel

from .conftest import API_KEY, BASE_URL, FakeApi, Images, json_response


@pytest.mark.parametrize(("width", "height"), [(800, 600), (400, 300), (2048, 1920), (1280, 720)])
def test_png_dimensions(images: Images, width: int, height: int) -> None:
    image = ChartImage.from_bytes(images.png(width, height), "image/png")
    assert (image.format, image.width, image.height) == (ImageFormat.PNG, width, height)
    assert image.media_type == "image/png"
    assert image.extension == ".png"


@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_dimensions(images: Images, progressive: bool) -> None:
    image = ChartImage.from_bytes(images.jpeg(1280, 720, progressive=progressive), "image/jpeg")
    assert (image.format, image.width, image.height) == (ImageFormat.JPEG, 1280, 720)


def test_media_type_defaults_from_the_format(images: Images) -> None:
    assert ChartImage.from_bytes(images.jpeg(400, 300)).media_type == "image/jpeg"
    assert (
        ChartImage.from_bytes(images.png(400, 300), "image/png; charset=binary").media_type
        == "image/png"
    )


@pytest.mark.parametrize("content", [b"", b"string", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00"])
def test_not_an_image(content: bytes) -> None:
    with pytest.raises(APIResponseError):
        ChartImage.from_bytes(content)


def test_save_checks_the_extension(images: Images, tmp_path: Path) -> None:
    image = ChartImage.from_bytes(images.png(400, 300))
    assert image.save(tmp_path / "chart.png").read_bytes() == image.content
    assert image.save(tmp_path / "chart.bin").exists()
    with pytest.raises(ValueError, match=r"image/jpeg file but the chart is image/png"):
        image.save(tmp_path / "chart.jpg")
    assert not (tmp_path / "chart.jpg").exists()
    assert image.save(tmp_path / "chart.jpg", force=True).exists()


def test_to_pil(images: Images) -> None:
    pil = ChartImage.from_bytes(images.jpeg(640, 480)).to_pil()
    assert pil.size == (640, 480)
    assert pil.format == "JPEG"


def test_to_pil_without_pillow(images: Images, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pillow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "PIL" or name.startswith("PIL."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pillow)
    with pytest.raises(ChartImgError, match=r"chart-img-kit\[pil\]"):
        ChartImage.from_bytes(images.png(400, 300)).to_pil()


def stored(content: bytes, **changes: Any) -> StoredChartModel:
    return StoredChartModel.from_dict(FakeApi(image=content).stored(**changes))


def test_stored_chart_dates_and_expiry(images: Images) -> None:
    model = stored(images.png(), expireAt="2024-12-10T14:21:16.788Z")
    expire_at = datetime.datetime(2024, 12, 10, 14, 21, 16, 788000, tzinfo=datetime.UTC)
    before = StoredChart(model, clock=lambda: expire_at - datetime.timedelta(seconds=1))
    after = StoredChart(model, clock=lambda: expire_at)
    assert before.expire_at == expire_at
    assert before.created_at.year == 2024
    assert (before.expired, after.expired) == (False, True)
    assert StoredChart(model).expired  # by the real clock, 2024 is over


def test_download_verifies_size_and_etag(fake_api: FakeApi) -> None:
    transport = httpx.MockTransport(fake_api)
    with ChartImg(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        chart = client.store(theme="dark")
        assert chart.size == len(fake_api.image)
        assert chart.download().content == fake_api.image

        fake_api.queue.append(json_response(200, fake_api.stored(size=len(fake_api.image) + 1)))
        with pytest.raises(DownloadVerificationError, match="bytes but the stored chart has"):
            client.store().download()

        fake_api.queue.append(
            json_response(200, fake_api.stored(etag=hashlib.md5(b"x").hexdigest()))
        )
        with pytest.raises(DownloadVerificationError, match="MD5"):
            client.store().download()


def test_download_after_expiry_is_not_found(fake_api: FakeApi) -> None:
    from chart_img import NotFoundError

    transport = httpx.MockTransport(fake_api)
    with ChartImg(api_key=API_KEY, base_url=BASE_URL, transport=transport) as client:
        chart = client.store()
        fake_api.queue.append(json_response(404, {"message": "Not Found"}))
        with pytest.raises(NotFoundError):
            chart.download()
