"""The chart renderer: skia drawing, numpy geometry, fast PNG and JPEG encoding."""

from ._chart import render_chart

__all__ = ["render_chart"]
