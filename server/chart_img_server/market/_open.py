"""The market source the settings name, opened with the clients it owns."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..settings import Settings
from ._composite import CompositeSource
from ._series import SeriesKind
from ._source import MarketSource
from ._synthetic import SyntheticSource


@contextlib.asynccontextmanager
async def open_market(settings: Settings) -> AsyncIterator[MarketSource]:
    """`synthetic`: made up, offline. `coinalyze`: Coinalyze's catalogue and series, with the
    top traders' ratios from Binance and OKX and market caps from CoinGecko."""
    if settings.market != "coinalyze":
        yield SyntheticSource()
        return
    from .coinalyze import open_coinalyze
    from .coingecko import open_coingecko
    from .toptraders import open_top_traders

    async with (
        open_coinalyze(settings) as coinalyze,
        open_top_traders(settings) as top_traders,
        open_coingecko(settings) as market_caps,
    ):
        yield CompositeSource(
            coinalyze,
            {
                SeriesKind.TOP_TRADER_ACCOUNTS: top_traders,
                SeriesKind.TOP_TRADER_POSITIONS: top_traders,
                SeriesKind.MARKET_CAP: market_caps,
            },
        )
