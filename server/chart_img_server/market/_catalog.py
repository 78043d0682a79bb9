"""The market catalogue: exchanges, their markets, and what each market is."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..spec import load_spec

# A leading multiplier names a contract of many units (`1000PEPE`): still the same coin.
_MULTIPLIER = re.compile(r"^(1000000|100000|10000|1000|100)(?=[A-Z])")
_COIN_ALIASES = {"XBT": "BTC"}


def perpetual_suffix() -> str:
    """What ends a perpetual contract's ticker, as the spec says (`.P`)."""
    return load_spec().study_rules.perpetual_suffix


class Margin(enum.StrEnum):
    """How a derivatives contract is margined."""

    STABLE = "STABLE"
    COIN = "COIN"


class Denomination(enum.StrEnum):
    """The unit of a market's volume, open interest and liquidations, before conversion."""

    BASE = "BASE_ASSET"
    QUOTE = "QUOTE_ASSET"


@dataclass(frozen=True, slots=True)
class Market:
    """One market: a spot pair, or a perpetual contract (`margined` is set)."""

    exchange: str
    ticker: str
    base: str
    quote: str
    margined: Margin | None
    denomination: Denomination
    source_symbol: str
    has_long_short_ratio: bool = True
    has_buy_sell: bool = True

    @property
    def perpetual(self) -> bool:
        return self.margined is not None

    @property
    def symbol(self) -> str:
        return f"{self.exchange}:{self.ticker}"

    @property
    def coin(self) -> str:
        """The base asset without a contract multiplier: what aggregated studies group by."""
        coin = _MULTIPLIER.sub("", self.base)
        return _COIN_ALIASES.get(coin, coin)


@dataclass(frozen=True)
class Catalog:
    """Exchanges and their markets, upper case, in listing order."""

    updated_at: str
    exchange_ids: tuple[str, ...]
    markets: tuple[Market, ...]
    _by_exchange: Mapping[str, tuple[str, ...]] = field(init=False, repr=False)
    _by_symbol: Mapping[tuple[str, str], Market] = field(init=False, repr=False)
    _by_coin: Mapping[str, tuple[Market, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_exchange: dict[str, list[str]] = {exchange: [] for exchange in self.exchange_ids}
        by_symbol: dict[tuple[str, str], Market] = {}
        by_coin: dict[str, list[Market]] = {}
        for market in self.markets:
            key = (market.exchange, market.ticker)
            if key in by_symbol or market.exchange not in by_exchange:
                continue
            by_symbol[key] = market
            by_exchange[market.exchange].append(market.ticker)
            by_coin.setdefault(market.coin, []).append(market)
        object.__setattr__(self, "_by_exchange", {e: tuple(t) for e, t in by_exchange.items()})
        object.__setattr__(self, "_by_symbol", by_symbol)
        # One order whatever the source's listing order: sums over a coin's markets then agree.
        by_coin_sorted = {c: tuple(sorted(m, key=_market_order)) for c, m in by_coin.items()}
        object.__setattr__(self, "_by_coin", by_coin_sorted)

    def symbols(self, exchange_id: str) -> tuple[str, ...] | None:
        """The exchange's tickers, or None when there is no such exchange (ASCII, any case)."""
        key = _ascii_upper(exchange_id)
        return None if key is None else self._by_exchange.get(key)

    def market(self, exchange_id: str, ticker: str) -> Market | None:
        exchange, name = _ascii_upper(exchange_id), _ascii_upper(ticker)
        if exchange is None or name is None:
            return None
        return self._by_symbol.get((exchange, name))

    def markets_of_coin(self, coin: str) -> tuple[Market, ...]:
        return self._by_coin.get(coin, ())


def _market_order(market: Market) -> tuple[str, str]:
    return market.exchange, market.ticker


def _ascii_upper(text: str) -> str | None:
    # Unicode case mapping reads "b\u0131nance" (dotless i) as BINANCE: IDs are ASCII.
    return text.upper() if text.isascii() else None
