"""Top traders' long/short ratios, from Binance's and OKX's public data."""

from ._source import TopTraderSource, open_top_traders

__all__ = ["TopTraderSource", "open_top_traders"]
