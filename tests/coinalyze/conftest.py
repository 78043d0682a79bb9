"""The Coinalyze source over the fake upstream, in process, at a fixed instant."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from chart_img_server.chart import ChartRequest
from chart_img_server.market import MarketData, plan_chart
from chart_img_server.market._bar_cache import BarCache
from chart_img_server.market._budget import CallBudget
from chart_img_server.market.coinalyze import CoinalyzeSource
from chart_img_server.rendering import chart_window
from coinalyze_api import AuthenticatedClient

from tests.fakes.coinalyze import FakeCoinalyze

NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
UNLIMITED = 1_000_000


class Ticks:
    """A monotonic clock that moves only when a test moves it."""

    def __init__(self) -> None:
        self.value = 5000.0

    def __call__(self) -> float:
        return self.value


@dataclass
class Upstream:
    fake: FakeCoinalyze
    source: CoinalyzeSource
    ticks: Ticks
    clock: Callable[[], datetime.datetime]

    async def data(self, chart: ChartRequest) -> MarketData:
        """What the source fetches for a chart, as the server's pipeline would ask for it."""
        catalog = await self.source.catalog()
        market = catalog.market(chart.exchange, chart.ticker)
        assert market is not None, chart.symbol
        plan = plan_chart(market, chart.studies, catalog, self.source.serves, self.source.name)
        window = chart_window(chart, self.clock())
        return MarketData(
            self.source.mark, window, plan, await self.source.fetch(plan.needs, window)
        )


def client_for(fake: FakeCoinalyze, key: str | None = None) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=fake.base_url,
        token=key or fake.api_key,
        prefix="",
        auth_header_name="api_key",
        httpx_args={"transport": httpx.ASGITransport(app=fake.app)},
    )


@pytest.fixture
def upstream_factory() -> Callable[..., Upstream]:
    """Builds a fake upstream and a source over it; the budgets default to unlimited."""

    def build(
        calls_per_minute: int = UNLIMITED,
        budget: int | None = None,
        refresh: float = 60.0,
        clock: Callable[[], datetime.datetime] = lambda: NOW,
        key: str | None = None,
    ) -> Upstream:
        ticks = Ticks()
        fake = FakeCoinalyze(calls_per_minute=calls_per_minute, now=clock, monotonic=ticks)
        source = CoinalyzeSource(
            client_for(fake, key),
            CallBudget("coinalyze", budget or calls_per_minute, monotonic=ticks),
            BarCache(max_bars=UNLIMITED, refresh=refresh),
            clock,
            monotonic=ticks,
        )
        return Upstream(fake, source, ticks, clock)

    return build
