"""The Coinalyze market source: catalogue, series, call budget and cache.

Everything is fetched through `coinalyze_api`, the client generated from our written-down
contract of Coinalyze v1 (`upstream/coinalyze.yaml`). The API key travels in the `api_key`
header and is never logged.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import httpx
from coinalyze_api import AuthenticatedClient
from coinalyze_api.api.coinalyze import (
    get_exchanges,
    get_funding_rate_history,
    get_future_markets,
    get_liquidation_history,
    get_long_short_ratio_history,
    get_ohlcv_history,
    get_open_interest_history,
    get_predicted_funding_rate_history,
    get_spot_markets,
)
from coinalyze_api.models import ConvertToUsd, ErrorMessage
from coinalyze_api.models import Interval as UpstreamInterval
from coinalyze_api.types import Response

from ...settings import Settings
from .._bar_cache import BarCache, as_arrays
from .._budget import CallBudget
from .._catalog import Catalog, Denomination, Margin, Market
from .._intervals import Window
from .._series import Series, SeriesKind
from .._source import MarketDataError, UpstreamBusyError
from .._studies import Need
from .._upstream import CachedUpstream, Rows, SeriesKey, call_upstream
from ._names import DAILY, exchange_id, ticker, upstream_interval

logger = logging.getLogger("chart_img_server.coinalyze")

NAME = "coinalyze"
MAX_SYMBOLS_PER_CALL = 20
_UPSTREAM_SECONDS = {
    "1min": 60,
    "5min": 300,
    "15min": 900,
    "30min": 1800,
    "1hour": 3600,
    "2hour": 7200,
    "4hour": 14400,
    "6hour": 21600,
    "12hour": 43200,
    DAILY: 86400,
}
# No liquidation in a bar is no bar in the answer: within what was asked, absent means zero.
_ABSENT_IS_ZERO = frozenset({SeriesKind.LIQUIDATIONS})


class _History(Protocol):
    symbol: str
    history: Sequence[Any]


HistoryCall = Callable[..., Awaitable[Response[Any]]]


@dataclass(frozen=True, slots=True)
class _Endpoint:
    """One history endpoint: how to call it and which letters make which columns."""

    call: HistoryCall
    letters: tuple[str, ...]
    in_usd: bool = False


_ENDPOINTS: Mapping[SeriesKind, _Endpoint] = {
    SeriesKind.OHLCV: _Endpoint(
        get_ohlcv_history.asyncio_detailed, ("o", "h", "l", "c", "v", "bv", "tx", "btx")
    ),
    SeriesKind.OPEN_INTEREST: _Endpoint(
        get_open_interest_history.asyncio_detailed, ("o", "h", "l", "c"), in_usd=True
    ),
    SeriesKind.FUNDING: _Endpoint(get_funding_rate_history.asyncio_detailed, ("o", "h", "l", "c")),
    SeriesKind.PREDICTED_FUNDING: _Endpoint(
        get_predicted_funding_rate_history.asyncio_detailed, ("o", "h", "l", "c")
    ),
    SeriesKind.LIQUIDATIONS: _Endpoint(
        get_liquidation_history.asyncio_detailed, ("l", "s"), in_usd=True
    ),
    SeriesKind.LONG_SHORT_RATIO: _Endpoint(
        get_long_short_ratio_history.asyncio_detailed, ("r", "l", "s")
    ),
}
# The generated client's operation behind each kind (`get_ohlcv_history`), for the docs.
ENDPOINT_OPERATIONS: Mapping[SeriesKind, str] = {
    kind: endpoint.call.__module__.rpartition(".")[2] for kind, endpoint in _ENDPOINTS.items()
}


class CoinalyzeSource:
    """Real market data: Coinalyze's catalogue and history, within its call budget."""

    name = NAME
    mark = "Data: Coinalyze"

    def __init__(
        self,
        client: AuthenticatedClient,
        budget: CallBudget,
        cache: BarCache,
        clock: Callable[[], datetime.datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._budget = budget
        self._cache = cache
        self._clock = clock
        self._monotonic = monotonic
        self._catalog: Catalog | None = None
        self._bars = CachedUpstream(NAME, cache, MAX_SYMBOLS_PER_CALL, _ABSENT_IS_ZERO, monotonic)

    # ------------------------------------------------------------------ catalogue

    async def catalog(self) -> Catalog:
        if self._catalog is None:
            raise MarketDataError(NAME, "the market catalogue has not loaded yet")
        return self._catalog

    async def refresh_catalog(self) -> Catalog:
        """Loads the exchanges and their spot and perpetual markets from upstream."""
        exchanges = await self._call(get_exchanges.asyncio_detailed, 1)
        futures = await self._call(get_future_markets.asyncio_detailed, 1)
        spots = await self._call(get_spot_markets.asyncio_detailed, 1)
        ids = {item.code: exchange_id(item.code, item.name) for item in exchanges}
        markets = [_future_market(item, ids) for item in futures if item.is_perpetual]
        markets += [_spot_market(item, ids) for item in spots]
        updated = self._clock().astimezone(datetime.UTC)
        updated_at = updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{updated.microsecond // 1000:03d}Z"
        self._catalog = Catalog(
            updated_at,
            tuple(sorted(set(ids.values()))),
            tuple(m for m in markets if m is not None),
        )
        logger.info(
            "coinalyze catalogue: %d exchanges, %d markets",
            len(self._catalog.exchange_ids),
            len(self._catalog.markets),
        )
        return self._catalog

    async def keep_catalog_fresh(self, period: float, retry: float) -> None:
        """Reloads the catalogue every `period` seconds, every `retry` until it first loads."""
        while True:
            await anyio.sleep(period if self._catalog is not None else retry)
            try:
                await self.refresh_catalog()
            except (MarketDataError, UpstreamBusyError) as error:
                logger.warning("coinalyze catalogue not refreshed: %s", error)

    # ------------------------------------------------------------------ series

    def serves(self, kind: SeriesKind) -> bool:
        return kind in _ENDPOINTS

    async def fetch(self, needs: Sequence[Need], window: Window) -> dict[Need, Series]:
        period = upstream_interval(window.interval)
        seconds = _UPSTREAM_SECONDS[period]
        keys = {n: SeriesKey(n.market.source_symbol, n.kind, period, seconds) for n in needs}
        return await self._bars.series(keys, window, self._fetch_group)

    async def _fetch_group(
        self, kind: SeriesKind, group: Sequence[SeriesKey], start: int
    ) -> dict[SeriesKey, Rows]:
        endpoint = _ENDPOINTS[kind]
        arguments: dict[str, Any] = {
            "symbols": ",".join(key.symbol for key in group),
            "interval": UpstreamInterval(group[0].period),
            "from_": start,
            "to": math.floor(self._clock().timestamp()),
        }
        if endpoint.in_usd:
            arguments["convert_to_usd"] = ConvertToUsd.TRUE
        histories: list[_History] = await self._call(endpoint.call, len(group), **arguments)
        answered = {history.symbol: history.history for history in histories}
        return {
            key: as_arrays(
                [
                    [p.t, *(getattr(p, c) for c in endpoint.letters)]
                    for p in answered.get(key.symbol, [])
                ],
                len(endpoint.letters),
            )
            for key in group
        }

    # ------------------------------------------------------------------ calls

    async def _call(self, call: HistoryCall, cost: int, **arguments: Any) -> Any:
        """One upstream call within the budget: its parsed answer, or why there is none."""
        response = await call_upstream(
            NAME, self._budget, cost, lambda: call(client=self._client, **arguments), _failure
        )
        if not isinstance(response.parsed, list):
            raise MarketDataError(NAME, "answered a body not in its documented shape")
        return response.parsed

    async def aclose(self) -> None:
        return None


def _failure(response: Response[Any]) -> str:
    """Why an answer is no use, in words for the log: never the key."""
    status = response.status_code
    detail = response.parsed.message if isinstance(response.parsed, ErrorMessage) else ""
    if status == 401:
        return "rejected the API key (401); check COINALYZE_API_KEY"
    if status == 400:
        return f"refused the request (400): {detail}"
    return f"answered {status}" + (f": {detail}" if detail else "")


def _future_market(item: Any, ids: Mapping[str, str]) -> Market | None:
    exchange = ids.get(item.exchange)
    if exchange is None:
        return None
    margined = Margin(item.margined.value)
    return Market(
        exchange=exchange,
        ticker=ticker(item.base_asset, item.quote_asset, perpetual=True),
        base=item.base_asset.upper(),
        quote=item.quote_asset.upper(),
        margined=margined,
        denomination=Denomination(item.oi_lq_vol_denominated_in.value),
        source_symbol=item.symbol,
        has_long_short_ratio=item.has_long_short_ratio_data,
        has_buy_sell=item.has_buy_sell_data,
    )


def _spot_market(item: Any, ids: Mapping[str, str]) -> Market | None:
    exchange = ids.get(item.exchange)
    if exchange is None:
        return None
    return Market(
        exchange=exchange,
        ticker=ticker(item.base_asset, item.quote_asset, perpetual=False),
        base=item.base_asset.upper(),
        quote=item.quote_asset.upper(),
        margined=None,
        denomination=Denomination.BASE,
        source_symbol=item.symbol,
        has_long_short_ratio=False,
        has_buy_sell=item.has_buy_sell_data,
    )


@contextlib.asynccontextmanager
async def open_coinalyze(settings: Settings) -> AsyncIterator[CoinalyzeSource]:
    """The source, its HTTP client open and its catalogue kept fresh, for the block."""
    if not settings.coinalyze_api_key:
        raise ValueError("the coinalyze market source needs COINALYZE_API_KEY")
    client = AuthenticatedClient(
        base_url=settings.coinalyze_url,
        token=settings.coinalyze_api_key,
        prefix="",
        auth_header_name="api_key",
        timeout=httpx.Timeout(settings.render_timeout),
    )
    budget = CallBudget(NAME, settings.coinalyze_calls_per_minute)
    cache = BarCache(settings.market_cache_bars, settings.market_refresh)
    async with client:
        source = CoinalyzeSource(client, budget, cache, settings.clock)
        with anyio.move_on_after(settings.render_timeout):
            with contextlib.suppress(MarketDataError, UpstreamBusyError):
                await source.refresh_catalog()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(
                source.keep_catalog_fresh, settings.catalog_refresh, settings.market_refresh
            )
            yield source
            tasks.cancel_scope.cancel()
