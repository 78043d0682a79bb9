"""Where everything goes: panes stacked top to bottom, price axis right, time axis below."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BAR_SPACING", "BODY_WIDTH", "Layout", "Pane", "bar_count", "layout"]

BAR_SPACING = 7.0  # pixels from one bar to the next, like TradingView's default zoom
BODY_WIDTH = 5.0
RIGHT_OFFSET_BARS = 4  # empty bars right of the last one
TIME_AXIS_HEIGHT = 28.0
MIN_STUDY_PANE = 40.0
MAX_STUDY_SHARE = 0.22  # of the chart's height, per study pane
STUDIES_SHARE = 0.5  # the study panes' total share when they fit comfortably
MIN_PRICE_SHARE = 0.35
MIN_PRICE_PANE = 110.0


@dataclass(frozen=True, slots=True)
class Pane:
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True, slots=True)
class Layout:
    width: int
    height: int
    plot_right: float
    price: Pane
    studies: tuple[Pane, ...]
    hidden_studies: int

    @property
    def time_axis_top(self) -> float:
        return self.height - TIME_AXIS_HEIGHT

    def bar_x(self, count: int) -> npt.NDArray[np.float64]:
        """The centre column of each of `count` bars, the last one rightmost."""
        return self.last_bar_x - BAR_SPACING * np.arange(count - 1, -1, -1, dtype=np.float64)

    @property
    def last_bar_x(self) -> float:
        """The centre column of the last bar, on a pixel centre so that wicks stay sharp."""
        return math.floor(self.plot_right - (RIGHT_OFFSET_BARS + 0.5) * BAR_SPACING) + 0.5


def bar_count(width: int, axis_width: float) -> int:
    return max(2, int((width - axis_width) / BAR_SPACING) - RIGHT_OFFSET_BARS)


def layout(width: int, height: int, axis_width: float, study_panes: int) -> Layout:
    chart = height - TIME_AXIS_HEIGHT
    min_price = max(MIN_PRICE_PANE, chart * MIN_PRICE_SHARE)
    fits = max(0, int((chart - min_price) // MIN_STUDY_PANE))
    shown = min(study_panes, fits)
    pane = 0.0
    if shown:
        pane = max(MIN_STUDY_PANE, min(chart * MAX_STUDY_SHARE, chart * STUDIES_SHARE / shown))
        pane = min(pane, (chart - min_price) / shown)
        pane = float(math.floor(pane))
    price_bottom = chart - pane * shown
    panes = tuple(
        Pane(price_bottom + i * pane, price_bottom + (i + 1) * pane) for i in range(shown)
    )
    return Layout(
        width=width,
        height=height,
        plot_right=float(width) - axis_width,
        price=Pane(0.0, price_bottom),
        studies=panes,
        hidden_studies=study_panes - shown,
    )
