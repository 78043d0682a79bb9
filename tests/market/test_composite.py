"""A source made of several: who serves what, fetched together, failures as they are."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from chart_img_server import market
from chart_img_server.market import MarketDataError, Need, SeriesKind, Window
from chart_img_server.market._composite import CompositeSource

from .conftest import CATALOG, market_of, window

TOP = SeriesKind.TOP_TRADER_ACCOUNTS


class Recording:
    """The synthetic source, serving only `kinds`, recording what it was asked for."""

    def __init__(self, name: str, kinds: set[SeriesKind], fails: bool = False) -> None:
        self.name = name
        self.mark = f"Data: {name.title()}"
        self.kinds = kinds
        self.fails = fails
        self.asked: list[Need] = []
        self._synthetic = market.SyntheticSource(CATALOG)

    async def catalog(self) -> market.Catalog:
        return CATALOG

    def serves(self, kind: SeriesKind) -> bool:
        return kind in self.kinds

    async def fetch(self, needs: Sequence[Need], frame: Window) -> dict[Need, market.Series]:
        self.asked += needs
        if self.fails:
            raise MarketDataError(self.name, "answered 500")
        return await self._synthetic.fetch(needs, frame)

    async def aclose(self) -> None:
        return None


def _composite(fails: bool = False) -> tuple[CompositeSource, Recording, Recording]:
    primary = Recording("coinalyze", set(SeriesKind) - {TOP})
    other = Recording("binance", {TOP}, fails)
    return CompositeSource(primary, {TOP: other}), primary, other


async def test_each_kind_is_fetched_from_its_source_and_merged_in_order() -> None:
    composite, primary, other = _composite()
    btc = market_of("BINANCE:BTCUSDT.P")
    needs = [Need(btc, SeriesKind.OHLCV), Need(btc, TOP), Need(btc, SeriesKind.FUNDING)]
    found = await composite.fetch(needs, window("1h", 20))
    assert list(found) == needs
    assert primary.asked == [needs[0], needs[2]]
    assert other.asked == [needs[1]]
    assert composite.serves(TOP)
    assert composite.mark == "Data: Coinalyze, Binance"
    assert await composite.catalog() is CATALOG


async def test_a_failing_source_fails_the_fetch_with_its_own_error() -> None:
    composite, _, _ = _composite(fails=True)
    btc = market_of("BINANCE:BTCUSDT.P")
    with pytest.raises(MarketDataError, match="binance: answered 500"):
        await composite.fetch([Need(btc, SeriesKind.OHLCV), Need(btc, TOP)], window("1h", 20))
