"""Enum values from what people type: exact, then in any case, then a legacy zone name.

A loose spelling is accepted only when it names one value: `open interest` is `Open Interest`,
but `1m` and `1M` stay exact because case alone tells them apart. Time zones also accept the
part after the last slash (`utc`, `kolkata`) and any IANA name whose rules are the same file
as one allowed zone in the installed tz database (`Asia/Calcutta` is `Asia/Kolkata`), so the
aliases are derived, never listed here. Anything else fails with the closest allowed value.
"""

from __future__ import annotations

import difflib
import importlib.resources
import re
import zoneinfo
from collections.abc import Callable, Iterable
from enum import Enum
from functools import cache
from pathlib import Path

from chart_img_api.models import Timezone

from ._params import allowed_values

__all__ = ["ChoiceError", "completer", "resolve"]


class ChoiceError(ValueError):
    """`text` is none of `allowed`; `suggestions` are the closest allowed values, if any."""

    def __init__(self, text: str, allowed: list[str], suggestions: list[str]) -> None:
        self.text = text
        self.allowed = allowed
        self.suggestions = suggestions
        super().__init__(f"{text!r} is not an allowed value")


def resolve(enum: type[Enum], text: str) -> Enum:
    """The member of `enum` that `text` names, exactly or by an unambiguous loose spelling.

    Raises:
        ChoiceError: with the closest allowed values (all of them when case alone differs).
    """
    values = allowed_values(enum)
    if text in values:
        return _member(enum, text)
    folded = _fold(text)
    for spellings in _spellings(enum):
        named = spellings.get(folded, set())
        if len(named) == 1:
            return _member(enum, next(iter(named)))
        if named:
            raise ChoiceError(text, values, sorted(named, key=values.index))
    return _raise_with_suggestion(text, values)


def completer(enum: type[Enum]) -> Callable[[str], list[str]]:
    """Shell completion for an option taking `enum`: the values that start with what was typed.

    Only prefixes: typer drops any completion that does not start with the typed text.
    """

    def complete(incomplete: str) -> list[str]:
        return [value for value in allowed_values(enum) if value.startswith(incomplete)]

    return complete


def _raise_with_suggestion(text: str, values: list[str]) -> Enum:
    by_fold = {_fold(value): value for value in values}
    close = difflib.get_close_matches(_fold(text), list(by_fold), n=1, cutoff=0.6)
    raise ChoiceError(text, values, [by_fold[match] for match in close])


def _member(enum: type[Enum], value: str) -> Enum:
    return next(member for member in enum if str(member.value) == value)


def _fold(text: str) -> str:
    """Case, spaces, `_`, `-`, `/` and other punctuation ignored: `Buy / Sell` is `buy sell`."""
    return " ".join(re.split(r"[\W_]+", text.casefold())).strip()


def _spellings(enum: type[Enum]) -> Iterable[dict[str, set[str]]]:
    """Loose spellings -> the values they could mean, tier by tier, the closest first."""
    values = allowed_values(enum)
    yield _grouped((_fold(value), value) for value in values)
    if enum is Timezone:
        yield _grouped((_fold(value.rsplit("/", 1)[-1]), value) for value in values)
        yield _zone_links()


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for spelling, value in pairs:
        groups.setdefault(spelling, set()).add(value)
    return groups


@cache
def _zone_links() -> dict[str, set[str]]:
    """Every other IANA name -> the allowed zones whose compiled rules are the same bytes."""
    allowed = allowed_values(Timezone)
    by_rules: dict[bytes, set[str]] = {}
    for zone in allowed:
        rules = _compiled_rules(zone)
        if rules is not None:
            by_rules.setdefault(rules, set()).add(zone)
    links: dict[str, set[str]] = {}
    for name in zoneinfo.available_timezones() - set(allowed):
        rules = _compiled_rules(name)
        if rules in by_rules:
            links.setdefault(_fold(name), set()).update(by_rules[rules])
    return links


def _compiled_rules(name: str) -> bytes | None:
    """The TZif file of `name`, where `zoneinfo` looks: `TZPATH`, then the `tzdata` package."""
    for root in zoneinfo.TZPATH:
        path = Path(root, name)
        if path.is_file():
            return path.read_bytes()
    try:
        package, _, file = f"tzdata.zoneinfo/{name}".rpartition("/")
        return importlib.resources.files(package.replace("/", ".")).joinpath(file).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return None
