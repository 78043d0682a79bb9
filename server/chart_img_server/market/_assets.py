"""What a ticker trades, and a realistic price, volatility and volume for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ._noise import seed_fraction


@dataclass(frozen=True, slots=True)
class Asset:
    """What a ticker trades: `1000PEPEUSDT.P` is 1000 PEPE in USDT."""

    base: str
    quote: str
    multiplier: int
    price: float  # in the quote currency, per contract unit (multiplier included)
    annual_volatility: float
    daily_volume_usd: float
    quote_usd: float


# (USD price, annualised volatility, daily USD volume across the market)
_KNOWN_ASSETS: dict[str, tuple[float, float, float]] = {
    "BTC": (62_000.0, 0.55, 30e9),
    "XBT": (62_000.0, 0.55, 30e9),
    "ETH": (3_100.0, 0.65, 15e9),
    "SOL": (150.0, 0.85, 3e9),
    "BNB": (560.0, 0.55, 1.5e9),
    "XRP": (0.55, 0.75, 1.5e9),
    "DOGE": (0.12, 0.95, 1.2e9),
    "ADA": (0.42, 0.8, 4e8),
    "AVAX": (28.0, 0.9, 4e8),
    "LINK": (13.5, 0.85, 5e8),
    "DOT": (6.2, 0.8, 2e8),
    "MATIC": (0.55, 0.85, 2e8),
    "POL": (0.45, 0.85, 1.5e8),
    "LTC": (72.0, 0.7, 4e8),
    "BCH": (380.0, 0.75, 3e8),
    "TRX": (0.13, 0.45, 3e8),
    "TON": (6.5, 0.8, 3e8),
    "SHIB": (0.000018, 0.95, 3e8),
    "PEPE": (0.0000095, 1.2, 7e8),
    "BONK": (0.000022, 1.3, 2e8),
    "FLOKI": (0.00015, 1.2, 1e8),
    "WIF": (2.1, 1.4, 5e8),
    "SATS": (0.00000025, 1.1, 5e7),
    "LUNC": (0.00009, 1.0, 5e7),
    "XEC": (0.000035, 0.9, 2e7),
    "ATOM": (6.8, 0.8, 1.5e8),
    "NEAR": (5.2, 0.95, 3e8),
    "APT": (7.5, 0.95, 2e8),
    "ARB": (0.75, 0.95, 3e8),
    "OP": (1.7, 0.95, 2e8),
    "SUI": (1.0, 1.1, 4e8),
    "UNI": (7.5, 0.9, 2e8),
    "AAVE": (110.0, 0.85, 1.5e8),
    "INJ": (22.0, 1.0, 1.5e8),
    "FIL": (4.2, 0.9, 1.5e8),
    "ETC": (21.0, 0.8, 2e8),
    "XLM": (0.1, 0.7, 8e7),
    "XMR": (165.0, 0.6, 6e7),
    "1INCH": (0.3, 0.9, 3e7),
    "RNDR": (6.5, 1.0, 1.5e8),
    "FET": (1.3, 1.1, 2e8),
    "TIA": (6.5, 1.1, 1.5e8),
    "SEI": (0.35, 1.1, 1e8),
    "ORDI": (32.0, 1.2, 2e8),
    "WLD": (2.2, 1.2, 2e8),
    "JUP": (0.9, 1.1, 1e8),
    "USDC": (1.0, 0.01, 5e9),
    "USDT": (1.0, 0.01, 5e10),
    "DAI": (1.0, 0.01, 1e8),
}

# Quote currencies, longest first so that `FDUSD` wins over `USD`; value: USD per unit.
_QUOTES: dict[str, float] = {
    "FDUSD": 1.0,
    "USDT": 1.0,
    "USDC": 1.0,
    "BUSD": 1.0,
    "TUSD": 1.0,
    "USDE": 1.0,
    "EURT": 1.08,
    "USD": 1.0,
    "DAI": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "AUD": 0.66,
    "CAD": 0.73,
    "CHF": 1.13,
    "JPY": 0.0067,
    "KRW": 0.00074,
    "TRY": 0.03,
    "BRL": 0.18,
    "ZAR": 0.055,
    "ILS": 0.27,
    "NGN": 0.00065,
    "IDR": 0.000063,
    "BTC": _KNOWN_ASSETS["BTC"][0],
    "ETH": _KNOWN_ASSETS["ETH"][0],
    "BNB": _KNOWN_ASSETS["BNB"][0],
}
_QUOTE_ORDER = sorted(_QUOTES, key=len, reverse=True)
_MULTIPLIER = re.compile(r"^(1000000|100000|10000|1000|100)(?=[A-Z])")


@lru_cache(maxsize=4096)
def parse_asset(ticker: str) -> Asset:
    """Split a ticker into base and quote and give it a realistic price and volatility."""
    name = ticker.upper()
    # A contract suffix (`.P`, `-PERPETUAL`) says how it trades, not what: prices ignore it.
    core = re.sub(r"[^A-Z0-9]", "", re.sub(r"(\.[A-Z]+|-PERPETUAL)$", "", name))
    quotes = [q for q in _QUOTE_ORDER if core.endswith(q) and len(core) > len(q)] or ["USD"]
    # `XBTUSD` is XBT in USD, not XB in TUSD: a split that leaves a known coin wins.
    quote = next((q for q in quotes if _coin(core.removesuffix(q)) in _KNOWN_ASSETS), quotes[0])
    base = core.removesuffix(quote) if core.endswith(quote) else core
    multiplier = 1
    prefix = _MULTIPLIER.match(base)
    if prefix is not None:
        multiplier = int(prefix.group(1))
        base = base[prefix.end() :]
    usd_price, volatility, volume = _KNOWN_ASSETS.get(base) or _unknown_asset(base)
    quote_usd = _QUOTES.get(quote, 1.0)
    return Asset(
        base=base,
        quote=quote,
        multiplier=multiplier,
        price=usd_price * multiplier / quote_usd,
        annual_volatility=volatility,
        daily_volume_usd=volume,
        quote_usd=quote_usd,
    )


def _coin(base: str) -> str:
    prefix = _MULTIPLIER.match(base)
    return base[prefix.end() :] if prefix else base


def _unknown_asset(base: str) -> tuple[float, float, float]:
    """A stable made-up profile: a price from $0.001 to $100, a small-cap's volatility."""
    price = 10.0 ** (-3.0 + 5.0 * seed_fraction("price", base))
    volatility = 0.8 + 0.6 * seed_fraction("volatility", base)
    volume = 10.0 ** (6.5 + 2.0 * seed_fraction("volume", base))
    return price, volatility, volume
