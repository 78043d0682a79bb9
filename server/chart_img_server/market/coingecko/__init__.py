"""Coins' market capitalisation, from CoinGecko."""

from ._source import CoinGeckoSource, open_coingecko

__all__ = ["CoinGeckoSource", "open_coingecko"]
