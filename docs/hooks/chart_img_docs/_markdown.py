"""Small Markdown builders: tables, cells, code blocks, content tabs."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["cell", "code_block", "code_value", "indent", "json_block", "table", "tabs"]


def cell(text: str) -> str:
    """One Markdown table cell: a single line, with pipes escaped."""
    return " ".join(text.split()).replace("|", "&#124;")


def code_value(value: Any) -> str:
    """A value as inline code: strings bare, everything else as JSON."""
    text = value if isinstance(value, str) else json.dumps(value)
    return f"`{text}`"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code_block(language: str, code: str, title: str | None = None) -> str:
    fence = "````" if "```" in code else "```"
    attributes = f' title="{title}"' if title else ""
    return f"{fence}{language}{attributes}\n{code.rstrip()}\n{fence}\n"


def json_block(value: Any, title: str | None = None) -> str:
    return code_block("json", json.dumps(value, indent=2, ensure_ascii=False), title)


def indent(text: str, spaces: int = 4) -> str:
    return textwrap.indent(text, " " * spaces, lambda line: bool(line.strip()))


def tabs(items: Iterable[tuple[str, str]]) -> str:
    """pymdownx.tabbed content tabs, one per (title, Markdown body)."""
    return "\n".join(f'=== "{title}"\n\n{indent(body)}' for title, body in items)
