"""Contains all the data models used in inputs/outputs"""

from .coin_gecko_error import CoinGeckoError
from .coin_list_entry import CoinListEntry
from .coin_market import CoinMarket
from .error_status import ErrorStatus
from .market_chart import MarketChart
from .markets_order import MarketsOrder
from .nested_error import NestedError

__all__ = (
    "CoinGeckoError",
    "CoinListEntry",
    "CoinMarket",
    "ErrorStatus",
    "MarketChart",
    "MarketsOrder",
    "NestedError",
)
