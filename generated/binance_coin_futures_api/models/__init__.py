"""Contains all the data models used in inputs/outputs"""

from .binance_error import BinanceError
from .coin_top_long_short_ratio import CoinTopLongShortRatio
from .period import Period

__all__ = (
    "BinanceError",
    "CoinTopLongShortRatio",
    "Period",
)
