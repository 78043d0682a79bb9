"""The reference server's settings, as a table read from its `Settings` at build time."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import Any

from chart_img_server.settings import ENV_PREFIX, Settings

from ._markdown import table

__all__ = ["settings_table"]


def settings_table() -> str:
    defaults = Settings()
    rows = [
        [f"`{ENV_PREFIX}{field.name.upper()}`", f"`{field.name}`", _default(field, defaults)]
        for field in dataclasses.fields(Settings)
        if not callable(getattr(defaults, field.name))
    ]
    return table(["Environment variable", "Setting", "Default"], rows)


def _default(field: dataclasses.Field[Any], defaults: Settings) -> str:
    value = getattr(defaults, field.name)
    if field.name == "storage_dir":
        return "`$XDG_DATA_HOME/chart-img-server/storage`"
    if isinstance(value, datetime.timedelta):
        return f"`{int(value.total_seconds())}` seconds ({value.days} days)"
    if isinstance(value, Path):
        return f"`{value}`"
    if value is None or value == ():
        return "none"
    return f"`{value}`"
