"""The market source the settings name, opened with the clients it owns."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..settings import Settings
from ._composite import CompositeSource
from ._series import SeriesKind
from ._sharing import Shared, sharing
from ._source import MarketSource
from ._synthetic import SyntheticSource


@contextlib.asynccontextmanager
async def open_market(
    settings: Settings, shared: Shared | None = None
) -> AsyncIterator[MarketSource]:
    """`synthetic`: made up, offline. `coinalyze`: Coinalyze's catalogue and series, with the
    top traders' ratios from Binance and OKX and market caps from CoinGecko.

    With `shared` (Redis, several processes), every upstream's call budget is spent from it,
    and the bars fetched are shared through it, by all the processes."""
    if settings.market != "coinalyze":
        yield SyntheticSource()
        return
    from .coinalyze import open_coinalyze
    from .coingecko import open_coingecko
    from .toptraders import open_top_traders

    async with contextlib.AsyncExitStack() as stack:
        with sharing(shared):
            coinalyze = await stack.enter_async_context(open_coinalyze(settings))
            top_traders = await stack.enter_async_context(open_top_traders(settings))
            market_caps = await stack.enter_async_context(open_coingecko(settings))
        yield CompositeSource(
            coinalyze,
            {
                SeriesKind.TOP_TRADER_ACCOUNTS: top_traders,
                SeriesKind.TOP_TRADER_POSITIONS: top_traders,
                SeriesKind.MARKET_CAP: market_caps,
            },
        )
