"""How Binance and OKX name perpetual contracts and periods, from CHART-IMG's names."""

from __future__ import annotations

from .._catalog import Margin, Market

BINANCE = "BINANCE"
OKX = "OKX"

# CHART-IMG interval -> each upstream's period; weeks and months have none (decision: the
# top traders' ratios stop at one day, which 30 days of history make meaningful).
BINANCE_PERIODS: dict[str, str] = {
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "2h": "2h",
    "4h": "4h",
    "6h": "6h",
    "12h": "12h",
    "1D": "1d",
}
OKX_PERIODS: dict[str, str] = {
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1H",
    "2h": "2H",
    "4h": "4H",
    "6h": "6H",
    "12h": "12H",
    "1D": "1D",
}


def binance_symbol(market: Market) -> str:
    """USDⓈ-M `symbol` (`BTCUSDT`) or COIN-M `pair` (`BTCUSD`): base and quote together."""
    return f"{market.base}{market.quote}"


def binance_is_coin_margined(market: Market) -> bool:
    """COIN-M contracts are served by Binance's `dapi` twin, with `pair` for `symbol`."""
    return market.margined is Margin.COIN


def okx_instrument(market: Market) -> str:
    """OKX's perpetual swap `instId`: `BTC-USDT-SWAP`."""
    return f"{market.base}-{market.quote}-SWAP"
