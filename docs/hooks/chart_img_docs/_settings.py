"""The reference server's settings, as a table read from its `Settings` at build time."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chart_img_server.settings import ENV_NAME, ENV_PREFIX, Settings

from ._markdown import table

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["HIDDEN_DEFAULT", "environment_variable", "settings_table"]

# A secret (a field kept out of its settings' repr) never has its default printed.
HIDDEN_DEFAULT = "not shown: a secret"


def settings_table(defaults: DataclassInstance | None = None) -> str:
    """A row per setting of `defaults` (the server's `Settings()`), but the callables."""
    defaults = Settings() if defaults is None else defaults
    rows = [
        [f"`{environment_variable(field)}`", f"`{field.name}`", _default(field, defaults)]
        for field in dataclasses.fields(defaults)
        if not callable(getattr(defaults, field.name))
    ]
    return table(["Environment variable", "Setting", "Default"], rows)


def environment_variable(field: dataclasses.Field[Any]) -> str:
    """The variable a setting is read from: its own, when its metadata names one."""
    own = field.metadata.get(ENV_NAME)
    return str(own) if own else f"{ENV_PREFIX}{field.name.upper()}"


def _default(field: dataclasses.Field[Any], defaults: DataclassInstance) -> str:
    if not field.repr:
        return HIDDEN_DEFAULT
    value = getattr(defaults, field.name)
    if field.name == "storage_dir":
        return "`$XDG_DATA_HOME/chart-img-server/storage`"
    if isinstance(value, datetime.timedelta):
        return f"`{int(value.total_seconds())}` seconds ({value.days} days)"
    if isinstance(value, Path):
        return f"`{value}`"
    if value is None or value == ():
        return "none"
    if isinstance(value, tuple):  # as its variable takes it: comma-separated
        return f"`{','.join(str(item) for item in value)}`"
    return f"`{value}`"
