"""What the chart writes: study values with their precision, both sides of liquidations, a
labelled level in every pane, titles and legends kept clear of the series."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import skia
from chart_img_server.chart import ChartRequest
from chart_img_server.render import LIGHT, chart_layout
from chart_img_server.render._fonts import Fonts
from chart_img_server.rendering import draw_synthetic, synthetic_data
from numpy.lib.stride_tricks import sliding_window_view

from .conftest import NOW, MakeRequest, pixels, rgb

EIGHT = [
    "Open Interest",
    "Liquidations",
    "Buy / Sell Count",
    "Open Interest Delta",
    "Funding Rate",
    "Long/Short Accounts Ratio",
    "Buy / Sell Volume",
    "Funding Rate OHLC",
]
_BARE_ZERO = re.compile(r"^-?0(\.0*)?[KMBT]$|^-0(\.0*)?%?$")


@dataclass(frozen=True)
class Drawn:
    text: str
    x: float
    y: float
    color: int


def drawn(monkeypatch: pytest.MonkeyPatch, request: ChartRequest) -> list[Drawn]:
    """Every piece of text the renderer writes through its fonts, with where and in what colour."""
    seen: list[Drawn] = []
    original = Fonts.draw

    def record(self: Fonts, canvas: skia.Canvas, text: str, x: float, y: float, *rest: Any) -> Any:
        seen.append(Drawn(text, x, y, rest[1].getColor()))
        return original(self, canvas, text, x, y, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(Fonts, "draw", record)
        draw_synthetic(request, NOW)
    return seen


@pytest.mark.parametrize("interval", ["1m", "15m", "1h", "4h", "1D", "1W"])
@pytest.mark.parametrize(("width", "height"), [(400, 300), (800, 600), (1280, 720)])
def test_no_value_is_a_bare_zero(
    monkeypatch: pytest.MonkeyPatch,
    make_request: MakeRequest,
    interval: str,
    width: int,
    height: int,
) -> None:
    studies = [
        "Liquidations",
        "Longs Liquidation",
        "Shorts Liquidation",
        "Buy / Sell Count",
        "Open Interest Delta",
        "Funding Rate",
        "Buy / Sell Volume",
    ]
    request = make_request(interval=interval, width=width, height=height, studies=studies)
    texts = [d.text for d in drawn(monkeypatch, request)]
    assert not [t for t in texts if _BARE_ZERO.match(t)], texts


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_liquidation_legend_shows_longs_and_shorts_in_their_colours(
    monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest, theme: str
) -> None:
    request = make_request(theme=theme, interval="1h", studies=["Liquidations"])
    texts = drawn(monkeypatch, request)
    (title,) = [d for d in texts if d.text == "Liquidations"]
    values = [d for d in texts if d.y == title.y and d.x > title.x]
    assert len(values) == 2, values
    colors = LIGHT if theme == "light" else None
    assert colors is None or [v.color for v in values] == [LIGHT.down, LIGHT.up]  # longs, shorts
    assert values[0].color != values[1].color


@pytest.mark.parametrize(
    ("width", "height", "studies"),
    [(800, 600, EIGHT), (400, 300, EIGHT[:3]), (400, 1920, EIGHT), (2048, 300, EIGHT[:2])],
)
def test_every_pane_has_a_labelled_level(
    monkeypatch: pytest.MonkeyPatch,
    make_request: MakeRequest,
    width: int,
    height: int,
    studies: list[str],
) -> None:
    request = make_request(width=width, height=height, studies=studies)
    layout = chart_layout(request, synthetic_data(request, NOW))
    axis = [d for d in drawn(monkeypatch, request) if d.x > layout.plot_right]
    for pane in (layout.price, *layout.studies):
        labels = [d for d in axis if pane.top + 8 <= d.y <= pane.bottom - 1]
        assert labels, f"no axis label in the pane {pane}"
        rows = sorted(d.y for d in labels)
        assert all(b - a >= 12 for a, b in itertools.pairwise(rows)), rows


def _solid(mask: np.ndarray, height: int = 3, width: int = 4) -> np.ndarray:
    """Where `mask` holds in a whole height x width block: candle bodies and columns, not text."""
    windows = sliding_window_view(mask, (height, width))
    found: np.ndarray = np.asarray(windows.all(axis=(2, 3)))
    return found


def _series_mask(image: np.ndarray) -> np.ndarray:
    up, down = np.array(rgb(LIGHT.up)), np.array(rgb(LIGHT.down))
    mask: np.ndarray = (image == up).all(axis=2) | (image == down).all(axis=2)
    return mask


@pytest.mark.parametrize(("width", "height"), [(400, 300), (800, 600)])
@pytest.mark.parametrize("count", [0, 3, 8])
def test_candles_stay_below_the_legend(
    make_request: MakeRequest, width: int, height: int, count: int
) -> None:
    request = make_request(width=width, height=height, studies=EIGHT[:count])
    layout = chart_layout(request, synthetic_data(request, NOW))
    image = pixels(request)
    lines = 2 if width < 500 else 1
    legend = image[: 4 + 18 * lines, : int(layout.plot_right)]
    assert not _solid(_series_mask(legend)).any()


def test_study_titles_sit_on_a_plate(
    monkeypatch: pytest.MonkeyPatch, make_request: MakeRequest
) -> None:
    """No bare series pixel inside a title's name: the plate tones down what passes under it."""
    request = make_request(studies=EIGHT)
    image = pixels(request)
    texts = drawn(monkeypatch, request)
    for name in EIGHT:
        (title,) = [d for d in texts if d.text == name]
        box = image[
            int(title.y) - 11 : int(title.y) + 3, int(title.x) : int(title.x) + 6 * len(name)
        ]
        assert not _series_mask(box).any(), name
