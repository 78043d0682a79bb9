"""Tables read from the `chart_img` client at build time, so that the guides cannot drift."""

from __future__ import annotations

import chart_img

from ._markdown import table

__all__ = ["error_classes_table"]


def error_classes_table() -> str:
    """Each documented status and the exception `chart_img` raises for it."""
    classes = {
        cls.status: name
        for name in chart_img.__all__
        if isinstance(cls := getattr(chart_img, name), type)
        and issubclass(cls, chart_img.APIStatusError)
        and cls.status is not None
    }
    return table(
        ["Status", "Exception"],
        ([f"`{status}`", f"`{classes[status]}`"] for status in sorted(classes)),
    )
