"""The Coinalyze market catalog: exchanges and their symbols, shipped as package data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files

CATALOG_RESOURCE = "data/exchanges.json"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Exchange IDs and symbols, upper case, in the order the data file lists them."""

    updated_at: str
    exchanges: Mapping[str, tuple[str, ...]]
    _symbol_sets: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sets = {exchange: frozenset(symbols) for exchange, symbols in self.exchanges.items()}
        object.__setattr__(self, "_symbol_sets", sets)

    @property
    def exchange_ids(self) -> list[str]:
        return list(self.exchanges)

    def symbols(self, exchange_id: str) -> tuple[str, ...] | None:
        """The exchange's symbols, or None when there is no such exchange (any case)."""
        return self.exchanges.get(exchange_id.upper())

    def has_symbol(self, exchange_id: str, ticker: str) -> bool:
        symbols = self._symbol_sets.get(exchange_id.upper())
        return symbols is not None and ticker.upper() in symbols


def load_catalog() -> Catalog:
    raw = files("chart_img_server").joinpath(CATALOG_RESOURCE).read_text(encoding="utf-8")
    document = json.loads(raw)
    exchanges = {
        str(exchange).upper(): tuple(str(symbol).upper() for symbol in symbols)
        for exchange, symbols in document["exchanges"].items()
    }
    return Catalog(updated_at=str(document["updatedAt"]), exchanges=exchanges)
