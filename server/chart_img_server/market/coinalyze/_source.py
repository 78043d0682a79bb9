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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import httpx
import numpy as np
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
from .._intervals import DAY, Window
from .._series import COLUMNS, Series, SeriesKind, build_from_daily
from .._source import MarketDataError, UpstreamBusyError
from .._studies import Need
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


@dataclass(frozen=True, slots=True)
class _Key:
    """One cached series: a Coinalyze symbol's series of one kind at one upstream interval."""

    symbol: str
    kind: SeriesKind
    interval: str


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
        self._locks: dict[_Key, anyio.Lock] = {}

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
        interval = upstream_interval(window.interval)
        keys = {need: _Key(need.market.source_symbol, need.kind, interval) for need in needs}
        start, forming = _span(window, interval)
        async with self._locked(sorted(set(keys.values()), key=_key_order)):
            await self._refresh(list(dict.fromkeys(keys.values())), start, forming)
            return {need: self._series(key, window, start, forming) for need, key in keys.items()}

    async def _refresh(self, keys: list[_Key], start: int, forming: int) -> None:
        """Fetches what the cache lacks, what it has never held first.

        When the upstream fails or the budget is spent, bars already held stand in for their
        refresh; only a series with nothing held makes the chart fail.
        """
        now = self._monotonic()
        batches: dict[tuple[bool, SeriesKind, int], list[_Key]] = {}
        for key in keys:
            fetch = self._cache.fetch_needed(key, start, forming, now)
            if fetch is not None:
                held = self._cache.get(key) is not None
                batches.setdefault((held, key.kind, fetch.start), []).append(key)
        for held, kind, batch_start in sorted(batches, key=lambda batch: batch[0]):
            for group in _chunks(batches[held, kind, batch_start], MAX_SYMBOLS_PER_CALL):
                try:
                    await self._fetch_group(kind, group, batch_start, forming, keys)
                except (MarketDataError, UpstreamBusyError) as error:
                    if not held:
                        raise
                    logger.warning("coinalyze: serving cached bars, %s", error)

    async def _fetch_group(
        self, kind: SeriesKind, group: list[_Key], start: int, forming: int, keep: list[_Key]
    ) -> None:
        endpoint = _ENDPOINTS[kind]
        arguments: dict[str, Any] = {
            "symbols": ",".join(key.symbol for key in group),
            "interval": UpstreamInterval(group[0].interval),
            "from_": start,
            "to": math.floor(self._clock().timestamp()),
        }
        if endpoint.in_usd:
            arguments["convert_to_usd"] = ConvertToUsd.TRUE
        histories: list[_History] = await self._call(endpoint.call, len(group), **arguments)
        answered = {history.symbol: history.history for history in histories}
        now = self._monotonic()
        for key in group:
            rows = [
                [p.t, *(getattr(p, letter) for letter in endpoint.letters)]
                for p in answered.get(key.symbol, [])
            ]
            times, values = as_arrays(rows, len(endpoint.letters))
            columns = tuple(COLUMNS[kind])
            self._cache.store(key, columns, start, forming, times, values, now, keep)

    def _series(self, key: _Key, window: Window, start: int, forming: int) -> Series:
        """The cached bars of one key on the window's bars; NaN where there are none."""
        entry = self._cache.get(key)
        step = _UPSTREAM_SECONDS[key.interval]
        grid = np.arange(start, forming + 1, step, dtype=np.int64)
        if entry is None:
            return Series.empty(key.kind, window.time)
        times, values = entry.rows()
        columns = {name: values[:, i] for i, name in enumerate(COLUMNS[key.kind])}
        series = Series(key.kind, times, columns).aligned(grid)
        if key.kind in _ABSENT_IS_ZERO:
            asked = (grid >= entry.covered_from) & (grid <= forming)
            series = Series(
                key.kind,
                grid,
                {n: np.where(asked & np.isnan(v), 0.0, v) for n, v in series.columns.items()},
            )
        if window.interval.is_calendar:
            known = series.between(start, forming)
            present = np.isfinite(next(iter(known.columns.values())))
            kept = Series(
                key.kind, known.time[present], {n: v[present] for n, v in known.columns.items()}
            )
            return build_from_daily(kept, window.interval).aligned(window.time)
        return series.aligned(window.time)

    # ------------------------------------------------------------------ calls

    async def _call(self, call: HistoryCall, cost: int, **arguments: Any) -> Any:
        """One upstream call within the budget: its parsed answer, or why there is none."""
        while True:
            await self._budget.spend(cost)
            try:
                response = await call(client=self._client, **arguments)
            except httpx.TimeoutException:
                raise MarketDataError(NAME, "timed out") from None
            except httpx.HTTPError as error:
                raise MarketDataError(NAME, f"unreachable ({type(error).__name__})") from None
            except (ValueError, KeyError, TypeError):
                raise MarketDataError(
                    NAME, "answered a body that is not its documented shape"
                ) from None
            if response.status_code == 429:
                self._budget.block(_retry_after(response.headers.get("retry-after")))
                continue
            if response.status_code == 200 and isinstance(response.parsed, list):
                return response.parsed
            raise MarketDataError(NAME, _failure(response))

    @contextlib.asynccontextmanager
    async def _locked(self, keys: list[_Key]) -> AsyncIterator[None]:
        """One fetch at a time per key: a concurrent request for the same bars waits for it."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                for key in keys:
                    await stack.enter_async_context(self._locks.setdefault(key, anyio.Lock()))
                yield
        finally:
            for key in keys:
                lock = self._locks.get(key)
                if lock is not None and not lock.locked() and not lock.statistics().tasks_waiting:
                    del self._locks[key]

    async def aclose(self) -> None:
        return None


def _span(window: Window, interval: str) -> tuple[int, int]:
    """The opening instants of the first and the forming upstream bar the window needs."""
    if interval == DAILY and window.interval.is_calendar:
        days = DAY.indices_of(np.array([window.start, window.now], dtype=np.int64))
        opens = DAY.open_times(days)
        return int(opens[0]), int(opens[1])
    return window.start, window.forming_open


def _chunks(keys: list[_Key], size: int) -> Iterator[list[_Key]]:
    for first in range(0, len(keys), size):
        yield keys[first : first + size]


def _key_order(key: _Key) -> tuple[str, str, str]:
    return key.symbol, key.kind.value, key.interval


def _retry_after(header: str | None) -> float:
    try:
        return max(1.0, float(header)) if header is not None else 60.0
    except ValueError:
        return 60.0


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
