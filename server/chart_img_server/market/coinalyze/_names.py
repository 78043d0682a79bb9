"""How Coinalyze names things, and what CHART-IMG calls them.

Exchanges: Coinalyze has one-character codes; CHART-IMG's 25 exchange IDs map onto them.
An exchange that Coinalyze adds later gets an ID made from its name.

Markets: CHART-IMG names a spot pair `{base}{quote}` and a perpetual `{base}{quote}.P`,
whatever the exchange's or Coinalyze's own symbol; dated futures are not offered.
"""

from __future__ import annotations

import re

from .._catalog import perpetual_suffix
from .._intervals import Interval

EXCHANGE_IDS: dict[str, str] = {
    "A": "BINANCE",
    "6": "BYBIT",
    "3": "OKX",
    "0": "BITMEX",
    "2": "DERIBIT",
    "4": "HUOBI",
    "7": "PHEMEX",
    "8": "DYDX",
    "C": "COINBASE",
    "F": "BITFINEX",
    "K": "KRAKEN",
    "G": "GEMINI",
    "Y": "GATEIO",
    "B": "BITSTAMP",
    "W": "WOONETWORK",
    "P": "POLONIEX",
    "V": "VERTEX",
    "D": "BITFOREX",
    "U": "BITHUMB",
    "L": "BITFLYER",
    "M": "BTCMARKETS",
    "I": "BIT2C",
    "E": "MERCADO_BITCOIN",
    "N": "INDEPENDENT_RESERVE",
    "J": "LUNO",
}

# CHART-IMG's interval -> Coinalyze's; weeks and months have none and are built from days.
INTERVALS: dict[str, str] = {
    "1m": "1min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1hour",
    "2h": "2hour",
    "4h": "4hour",
    "6h": "6hour",
    "12h": "12hour",
    "1D": "daily",
}
DAILY = "daily"


def exchange_id(code: str, name: str) -> str:
    """The CHART-IMG ID of a Coinalyze exchange: the pinned one, else its name in capitals."""
    pinned = EXCHANGE_IDS.get(code)
    if pinned is not None:
        return pinned
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")[:32] or code


def ticker(base: str, quote: str, perpetual: bool) -> str:
    """The CHART-IMG ticker of a market: `BTCUSDT` (spot) or `BTCUSDT.P` (perpetual)."""
    return f"{base}{quote}{perpetual_suffix() if perpetual else ''}".upper()


def upstream_interval(interval: Interval) -> str:
    """The Coinalyze interval to fetch for a chart interval (days for weeks and months)."""
    return DAILY if interval.is_calendar else INTERVALS[interval.label]
