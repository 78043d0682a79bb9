"""The renderer's entry point for the server: `render_chart(request, now) -> bytes`."""

from .render import render_chart

__all__ = ["render_chart"]
