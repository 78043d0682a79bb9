"""The chart renderer: skia drawing, numpy geometry, fast PNG and JPEG encoding."""

from ._chart import chart_layout, render_chart
from ._layout import Layout, Pane
from ._palette import DARK, LIGHT, Palette, palette

__all__ = ["DARK", "LIGHT", "Layout", "Palette", "Pane", "chart_layout", "palette", "render_chart"]
