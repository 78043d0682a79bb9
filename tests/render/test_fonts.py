"""The chart's typeface is the packaged one, loaded without the system's font configuration;
characters it lacks fall back, one by one, to the fonts `make fonts` installs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from chart_img_server.render._fonts import _Fallback, fonts

from .conftest import MakeRequest, pixels

RENDER_ONE_CHART = """
import datetime
from chart_img_server.chart import ChartRequest
from chart_img_server.rendering import draw_synthetic, synthetic_data
request = ChartRequest("BINANCE", "BTCUSDT.P", "1h", 800, 600, "dark", "Etc/UTC", "png",
                       ("Open Interest",), WATERMARK, 32, 0.5)
draw_synthetic(request, datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC))
"""
MAKE_FONTS = "the fallback fonts are missing: run `make fonts`"


def test_the_packaged_typeface_is_used() -> None:
    assert fonts().typeface.getFamilyName() == "DejaVu Sans"


@pytest.mark.parametrize("watermark", ["chart-img-kit", "Ünïcödé 📈 テスト"])
def test_rendering_prints_nothing(watermark: str) -> None:
    """Not even fontconfig's warnings: the fallback fonts are read without it."""
    script = RENDER_ONE_CHART.replace("WATERMARK", repr(watermark))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout == ""
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("char", "family"),
    [
        ("テ", "Noto Sans CJK JP"),
        ("币", "Noto Sans CJK JP"),
        ("비", "Noto Sans CJK JP"),
        ("📈", "Noto Color Emoji"),
        ("🚀", "Noto Color Emoji"),
    ],
)
def test_missing_characters_fall_back_to_an_installed_font(char: str, family: str) -> None:
    typeface = fonts().fallback.typeface(char)
    assert typeface.getFamilyName() == family, MAKE_FONTS
    assert typeface.unicharToGlyph(ord(char)) != 0


@pytest.mark.parametrize("char", list("AÜïöéΔБиא€"))
def test_dejavu_keeps_what_it_has(char: str) -> None:
    assert fonts().fallback.typeface(char) is fonts().typeface


def test_text_is_cut_into_runs_by_font() -> None:
    runs = list(fonts().fallback.runs("Ünïcödé 📈 テスト", fonts().legend))
    assert [text for text, _ in runs] == ["Ünïcödé ", "📈", " ", "テスト"]
    assert runs[0][1] is fonts().legend
    assert all(font.getSize() == fonts().legend.getSize() for _, font in runs)


def test_lookups_are_cached_and_the_fonts_scanned_once() -> None:
    fallback = _Fallback(fonts().typeface)
    assert fallback.typeface("テ") is fallback.typeface("テ")
    faces = fallback._faces
    assert faces is not None
    fallback.typeface("ス")
    assert fallback._faces is faces
    assert {"テ", "ス"} <= fallback._by_char.keys()


def test_a_latin_chart_never_scans_the_system_fonts() -> None:
    fallback = _Fallback(fonts().typeface)
    list(fallback.runs("Ünïcödé · BTCUSDT.P", fonts().legend))
    assert fallback._faces is None


@pytest.mark.parametrize(("a", "b"), [("テスト", "スト"), ("📈", "📉"), ("比特币", "비트코")])
def test_different_characters_draw_different_glyphs(
    make_request: MakeRequest, a: str, b: str
) -> None:
    """Missing glyphs would all be the same empty box; real ones differ."""
    first = pixels(make_request(watermark=a, watermark_size=64))
    second = pixels(make_request(watermark=b, watermark_size=64))
    plain = pixels(make_request())
    assert (first != plain).any(axis=2).sum() > 500
    assert (first != second).any(axis=2).sum() > 500


def test_emoji_are_drawn_in_colour(make_request: MakeRequest) -> None:
    image = pixels(make_request(watermark="🚀", watermark_size=128)).astype(int)
    plain = pixels(make_request()).astype(int)
    changed = (image != plain).any(axis=2)
    spread = image[changed].max(axis=1) - image[changed].min(axis=1)
    assert (spread > 80).mean() > 0.2  # saturated pixels, not the grey of the watermark colour
    assert np.count_nonzero(changed) > 1000
