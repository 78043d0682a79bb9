"""Tables read from the `chart_img` client at build time, so that the guides cannot drift."""

from __future__ import annotations

import chart_img
from chart_img.cli import EXIT_CODE_TABLE

from ._markdown import table

__all__ = ["error_classes_table", "exit_codes_table"]


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


def exit_codes_table() -> str:
    """The exit codes of `chart-img`, from the table its `--help` shows."""
    return table(
        ["Exit code", "Meaning"], ([f"`{row.code}`", row.meaning] for row in EXIT_CODE_TABLE)
    )
