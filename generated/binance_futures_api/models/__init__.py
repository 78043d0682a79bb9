"""Contains all the data models used in inputs/outputs"""

from .binance_error import BinanceError
from .period import Period
from .top_long_short_ratio import TopLongShortRatio

__all__ = (
    "BinanceError",
    "Period",
    "TopLongShortRatio",
)
