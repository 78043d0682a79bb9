"""Contains all the data models used in inputs/outputs"""

from .convert_to_usd import ConvertToUsd
from .denomination import Denomination
from .error_message import ErrorMessage
from .exchange import Exchange
from .funding_rate_history import FundingRateHistory
from .future_market import FutureMarket
from .interval import Interval
from .liquidation_history import LiquidationHistory
from .liquidation_point import LiquidationPoint
from .long_short_ratio_history import LongShortRatioHistory
from .long_short_ratio_point import LongShortRatioPoint
from .margined import Margined
from .ohlc_point import OhlcPoint
from .ohlcv_history import OhlcvHistory
from .ohlcv_point import OhlcvPoint
from .open_interest_history import OpenInterestHistory
from .spot_market import SpotMarket

__all__ = (
    "ConvertToUsd",
    "Denomination",
    "ErrorMessage",
    "Exchange",
    "FundingRateHistory",
    "FutureMarket",
    "Interval",
    "LiquidationHistory",
    "LiquidationPoint",
    "LongShortRatioHistory",
    "LongShortRatioPoint",
    "Margined",
    "OhlcPoint",
    "OhlcvHistory",
    "OhlcvPoint",
    "OpenInterestHistory",
    "SpotMarket",
)
