"""The chart renderer: skia drawing, numpy geometry, fast PNG and JPEG encoding."""

from ._chart import chart_layout, max_visible_bars, render_chart
from ._layout import Layout, Pane
from ._palette import DARK, LIGHT, Palette, palette

__all__ = [
    "DARK",
    "LIGHT",
    "Layout",
    "Palette",
    "Pane",
    "chart_layout",
    "max_visible_bars",
    "palette",
    "render_chart",
]
