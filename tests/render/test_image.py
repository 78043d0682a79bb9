"""The image itself: size, format, theme, watermark, timezone, determinism, extremes."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from chart_img_server.render import DARK, LIGHT, chart_layout
from chart_img_server.rendering import draw_synthetic, synthetic_data

from .conftest import NOW, MakeRequest, decode, pixels, rgb

SIZES = [(400, 300), (800, 600), (1280, 720), (2048, 1920), (400, 1920), (2048, 300)]


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize(("image_format", "pil_format"), [("png", "PNG"), ("jpeg", "JPEG")])
def test_exact_size_and_format(
    make_request: MakeRequest, width: int, height: int, image_format: str, pil_format: str
) -> None:
    request = make_request(
        width=width, height=height, format=image_format, studies=["Open Interest"]
    )
    image = decode(draw_synthetic(request, NOW))
    assert image.format == pil_format
    assert image.size == (width, height)


def test_png_is_opaque_rgba(make_request: MakeRequest) -> None:
    image = decode(draw_synthetic(make_request(), NOW))
    assert image.mode == "RGBA"
    assert np.asarray(image)[:, :, 3].min() == 255


@pytest.mark.parametrize(("theme", "colors"), [("light", LIGHT), ("dark", DARK)])
@pytest.mark.parametrize("image_format", ["png", "jpeg"])
def test_theme_background(
    make_request: MakeRequest, theme: str, colors: object, image_format: str
) -> None:
    assert colors is LIGHT or colors is DARK
    image = pixels(make_request(theme=theme, format=image_format))
    corner = image[-3:, :3].reshape(-1, 3).astype(int)  # the time axis's empty corner
    tolerance = 0 if image_format == "png" else 3
    assert np.abs(corner - np.array(rgb(colors.background))).max() <= tolerance


def test_themes_differ_everywhere_but_candles(make_request: MakeRequest) -> None:
    light, dark = pixels(make_request(theme="light")), pixels(make_request(theme="dark"))
    assert (light != dark).any(axis=2).mean() > 0.9


def _centre(image: np.ndarray, half: int = 60) -> np.ndarray:
    height, width = image.shape[:2]
    box = image[
        height // 2 - half : height // 2 + half, width // 2 - 3 * half : width // 2 + 3 * half
    ]
    return box.astype(int)


def _watermark_box(plain: np.ndarray, marked: np.ndarray) -> tuple[int, int, int, int]:
    changed = (plain != marked).any(axis=2)
    assert changed.any()
    rows, columns = np.nonzero(changed)
    return int(rows.min()), int(rows.max()), int(columns.min()), int(columns.max())


@pytest.mark.parametrize("studies", [0, 1, 3])
@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_watermark_is_centred_on_the_price_pane(
    make_request: MakeRequest, size: int, studies: int
) -> None:
    chosen = ["Open Interest", "Liquidations", "Buy / Sell Count"][:studies]
    plain_request = make_request(studies=chosen)
    marked_request = make_request(studies=chosen, watermark="chart-img-kit", watermark_size=size)
    top, bottom, left, right = _watermark_box(pixels(plain_request), pixels(marked_request))
    layout = chart_layout(plain_request, synthetic_data(plain_request, NOW))
    price = layout.price
    assert top > price.top, "the watermark stays in the price pane"
    assert bottom < price.bottom, "the watermark stays in the price pane"
    assert left > 0
    assert right < layout.plot_right, "the watermark stays off the price axis"
    assert abs((top + bottom) / 2 - (price.top + price.bottom) / 2) <= size * 0.3 + 2
    assert abs((left + right) / 2 - layout.plot_right / 2) <= 4


@pytest.mark.parametrize(("width", "height"), [(800, 600), (400, 300)])
def test_watermark_keeps_its_size_when_it_fits_and_shrinks_when_not(
    make_request: MakeRequest, width: int, height: int
) -> None:
    plain = pixels(make_request(width=width, height=height))

    def box_width(text: str, size: int) -> int:
        request = make_request(width=width, height=height, watermark=text, watermark_size=size)
        _, _, left, right = _watermark_box(plain, pixels(request))
        return right - left

    # Half the text at the same size is about half as wide while it fits at the requested size.
    assert abs(box_width("WWWW", 32) * 2 - box_width("WWWWWWWW", 32)) <= 16
    wide = box_width("chart-img-kit chart-img-kit", 128)
    assert wide <= width  # shrunk to the plot
    assert wide >= 0.8 * (width - 80), "shrunk only as much as needed"


def test_bigger_watermark_covers_more(make_request: MakeRequest) -> None:
    plain = pixels(make_request())

    def covered(size: int) -> int:
        marked = pixels(make_request(watermark="chart-img-kit", watermark_size=size))
        return int((plain != marked).any(axis=2).sum())

    assert covered(16) < covered(32) < covered(64) < covered(128)


def test_opacity_sets_watermark_strength(make_request: MakeRequest) -> None:
    plain = _centre(pixels(make_request()))

    def strength(opacity: float) -> float:
        request = make_request(watermark="WATERMARK", watermark_size=128, watermark_opacity=opacity)
        return float(np.abs(_centre(pixels(request)) - plain).sum())

    faint, half, full = strength(0.1), strength(0.5), strength(1.0)
    assert 0 < faint < half < full


def _candle_mask(image: np.ndarray) -> np.ndarray:
    up, down = np.array(rgb(LIGHT.up)), np.array(rgb(LIGHT.down))
    mask: np.ndarray = (image == up).all(axis=2) | (image == down).all(axis=2)
    return mask


def test_timezone_moves_time_labels_not_candles(make_request: MakeRequest) -> None:
    utc = make_request(interval="1h", timezone="Etc/UTC")
    kathmandu = make_request(interval="1h", timezone="Asia/Kathmandu")
    layout = chart_layout(utc, synthetic_data(utc, NOW))
    axis_top = int(layout.time_axis_top) + 2
    a, b = pixels(utc), pixels(kathmandu)
    assert (a[axis_top:] != b[axis_top:]).any(), "time-axis labels must change with the timezone"
    assert np.array_equal(_candle_mask(a), _candle_mask(b))


def test_timezone_with_dst_and_odd_offsets_renders(make_request: MakeRequest) -> None:
    for zone_name in ("America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "US/Mountain"):
        for interval in ("15m", "1D", "1M"):
            request = make_request(interval=interval, timezone=zone_name)
            assert decode(draw_synthetic(request, NOW)).size == (800, 600)


def test_same_now_same_bytes(make_request: MakeRequest) -> None:
    request = make_request(studies=["Open Interest", "Buy / Sell Volume"], watermark="x")
    assert draw_synthetic(request, NOW) == draw_synthetic(request, NOW)


def test_another_now_another_chart(make_request: MakeRequest) -> None:
    request = make_request(interval="1h")
    later = NOW + datetime.timedelta(hours=3)
    assert draw_synthetic(request, NOW) != draw_synthetic(request, later)


@pytest.mark.parametrize(("width", "height"), [(400, 300), (2048, 1920), (400, 1920), (2048, 300)])
def test_fifty_studies_at_extreme_sizes(
    make_request: MakeRequest, study_names: list[str], width: int, height: int
) -> None:
    studies = [*study_names, *study_names][:50]  # the spec has fewer; repeats still stress panes
    request = make_request(width=width, height=height, studies=studies, watermark="W" * 100)
    image = decode(draw_synthetic(request, NOW))
    assert image.size == (width, height)
    layout = chart_layout(request, synthetic_data(request, NOW))
    assert layout.hidden_studies > 0
    assert all(pane.height >= 40 for pane in layout.studies)


def test_hidden_studies_are_announced(make_request: MakeRequest, study_names: list[str]) -> None:
    few = make_request(width=400, height=300, studies=study_names[:3])
    many = make_request(width=400, height=300, studies=study_names[:12])
    assert chart_layout(many, synthetic_data(many, NOW)).hidden_studies > 0
    legend = slice(0, 80), slice(0, 300)
    assert (pixels(few)[legend] != pixels(many)[legend]).any()


def test_concurrent_renders_are_identical(make_request: MakeRequest) -> None:
    requests = [
        make_request(studies=["Open Interest", "Funding Rate"], theme="dark"),
        make_request(format="jpeg", interval="15m", studies=["Liquidations Profile Visible Range"]),
        make_request(width=1280, height=720, watermark="chart-img-kit", watermark_size=64),
    ]
    expected = [draw_synthetic(request, NOW) for request in requests]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda r: draw_synthetic(r, NOW), requests * 6))
    assert results == expected * 6
