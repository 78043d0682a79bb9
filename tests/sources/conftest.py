"""The top traders' and market-cap sources over their fakes, in process, at a fixed instant."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass

import binance_coin_futures_api
import binance_futures_api
import coingecko_api
import httpx
import okx_api
import pytest
from chart_img_server.chart import ChartRequest
from chart_img_server.market import MarketData, SeriesKind, SyntheticSource, plan_chart
from chart_img_server.market._bar_cache import BarCache
from chart_img_server.market._budget import CallBudget
from chart_img_server.market._composite import CompositeSource
from chart_img_server.market.coingecko import CoinGeckoSource
from chart_img_server.market.toptraders import TopTraderSource
from chart_img_server.market.toptraders._names import BINANCE, OKX
from chart_img_server.rendering import chart_window

from tests.fakes.binance import FakeBinance
from tests.fakes.coingecko import FakeCoinGecko
from tests.fakes.okx import FakeOkx
from tests.server.conftest import DEFAULT_CHART

NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
UNLIMITED = 1_000_000
TOP_ACCOUNTS = "Long/Short Accounts Ratio Top Traders"
TOP_POSITIONS = "Long/Short Positions Ratio Top Traders"
MARKET_CAP_RATIO = "Open Interest/Market Cap Ratio"


class Ticks:
    def __init__(self) -> None:
        self.value = 5000.0

    def __call__(self) -> float:
        return self.value


def _transport(app: object) -> dict[str, object]:
    return {"transport": httpx.ASGITransport(app=app)}  # type: ignore[arg-type]


@dataclass
class Upstreams:
    usdm: FakeBinance
    coin_m: FakeBinance
    okx: FakeOkx
    coingecko: FakeCoinGecko
    top_traders: TopTraderSource
    market_caps: CoinGeckoSource
    ticks: Ticks

    @property
    def source(self) -> CompositeSource:
        """The synthetic market's catalogue and series, but these two sources' kinds."""
        return CompositeSource(
            SyntheticSource(),
            {
                SeriesKind.TOP_TRADER_ACCOUNTS: self.top_traders,
                SeriesKind.TOP_TRADER_POSITIONS: self.top_traders,
                SeriesKind.MARKET_CAP: self.market_caps,
            },
        )

    async def data(self, chart: ChartRequest) -> MarketData:
        used = self.source
        catalog = await used.catalog()
        market = catalog.market(chart.exchange, chart.ticker)
        assert market is not None
        plan = plan_chart(market, chart.studies, catalog, used.serves, used.name)
        window = chart_window(chart, NOW)
        return MarketData(used.mark, window, plan, await used.fetch(plan.needs, window))


@pytest.fixture
def upstreams() -> Callable[..., Upstreams]:
    def build(calls_per_minute: int = UNLIMITED, like: Upstreams | None = None) -> Upstreams:
        """New fakes and sources over them; `like`: new sources over its fakes and clock
        (another server process)."""
        clock = lambda: NOW  # noqa: E731
        if like is None:
            ticks = Ticks()
            usdm = FakeBinance(now=clock, monotonic=ticks, weight_per_minute=calls_per_minute)
            coin_m = FakeBinance(
                coin_margined=True, now=clock, monotonic=ticks, weight_per_minute=calls_per_minute
            )
            okx = FakeOkx(now=clock, monotonic=ticks, requests_per_window=calls_per_minute)
            gecko = FakeCoinGecko(now=clock, monotonic=ticks, calls_per_minute=calls_per_minute)
        else:
            ticks, usdm, coin_m, okx, gecko = (
                like.ticks,
                like.usdm,
                like.coin_m,
                like.okx,
                like.coingecko,
            )
        top = TopTraderSource(
            binance_futures_api.Client(base_url=usdm.base_url, httpx_args=_transport(usdm.app)),
            binance_coin_futures_api.Client(
                base_url=coin_m.base_url, httpx_args=_transport(coin_m.app)
            ),
            okx_api.Client(base_url=okx.base_url, httpx_args=_transport(okx.app)),
            {
                BINANCE: CallBudget("binance", calls_per_minute, monotonic=ticks),
                OKX: CallBudget("okx", calls_per_minute, monotonic=ticks),
            },
            BarCache(UNLIMITED, 60.0),
            clock,
            monotonic=ticks,
        )
        caps = CoinGeckoSource(
            coingecko_api.AuthenticatedClient(
                base_url=gecko.base_url,
                token=gecko.api_key or "",
                prefix="",
                auth_header_name="x-cg-demo-api-key",
                httpx_args=_transport(gecko.app),
            ),
            CallBudget("coingecko", calls_per_minute, monotonic=ticks),
            60.0,
            clock,
            monotonic=ticks,
        )
        return Upstreams(usdm, coin_m, okx, gecko, top, caps, ticks)

    return build


def chart(symbol: str, interval: str, *studies: str) -> ChartRequest:
    exchange, _, ticker = symbol.partition(":")
    return dataclasses.replace(
        DEFAULT_CHART, exchange=exchange, ticker=ticker, interval=interval, studies=studies
    )
