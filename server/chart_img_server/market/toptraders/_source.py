"""The top traders' long/short ratios of Binance and OKX perpetuals.

Binance publishes them for its USDⓈ-M contracts (`fapi`, by `symbol`) and its COIN-M ones
(`dapi`, by `pair`), for the last 30 days only; OKX for its swaps, 100 points a page, newest
first. Neither needs a key. Each upstream has its own call budget and bar cache.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import binance_coin_futures_api
import binance_futures_api
import httpx
import okx_api
from binance_coin_futures_api.api.futures_data import (
    get_top_long_short_account_ratio as coin_accounts,
)
from binance_coin_futures_api.api.futures_data import (
    get_top_long_short_position_ratio as coin_positions,
)
from binance_futures_api.api.futures_data import (
    get_top_long_short_account_ratio as usdm_accounts,
)
from binance_futures_api.api.futures_data import (
    get_top_long_short_position_ratio as usdm_positions,
)
from binance_futures_api.models import Period as BinancePeriod
from okx_api.api.rubik import get_top_trader_account_ratio, get_top_trader_position_ratio
from okx_api.models import Period as OkxPeriod

from ...settings import Settings
from .._bar_cache import BarCache, as_arrays
from .._budget import CallBudget
from .._intervals import DAY, Interval, Window
from .._series import Series, SeriesKind
from .._source import MarketDataError
from .._studies import Need
from .._upstream import CachedUpstream, Rows, SeriesKey, call_upstream
from ._names import (
    BINANCE,
    BINANCE_PERIODS,
    OKX,
    OKX_PERIODS,
    binance_is_coin_margined,
    binance_symbol,
    okx_instrument,
)

KINDS = (SeriesKind.TOP_TRADER_ACCOUNTS, SeriesKind.TOP_TRADER_POSITIONS)
BINANCE_HISTORY = datetime.timedelta(days=30)
BINANCE_MAX_POINTS = 500
OKX_MAX_POINTS = 100
_COIN_M = "coin-m:"  # marks a Binance key whose series comes from `dapi`
# The generated clients' operations `fetch` calls for each kind, as module names
# (`binance_futures_api.api.futures_data.get_top_long_short_account_ratio`), for the docs.
ENDPOINT_MODULES: Mapping[SeriesKind, tuple[str, ...]] = {
    SeriesKind.TOP_TRADER_ACCOUNTS: tuple(
        m.__name__ for m in (usdm_accounts, coin_accounts, get_top_trader_account_ratio)
    ),
    SeriesKind.TOP_TRADER_POSITIONS: tuple(
        m.__name__ for m in (usdm_positions, coin_positions, get_top_trader_position_ratio)
    ),
}


class TopTraderSource:
    """Top traders' accounts and positions ratios of Binance and OKX perpetuals."""

    name = "top-traders"
    mark = "Data: Binance, OKX"

    def __init__(
        self,
        binance_usdm: binance_futures_api.Client,
        binance_coin_m: binance_coin_futures_api.Client,
        okx: okx_api.Client,
        budgets: Mapping[str, CallBudget],
        cache: BarCache,
        clock: Callable[[], datetime.datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._usdm = binance_usdm
        self._coin_m = binance_coin_m
        self._okx = okx
        self._budgets = budgets
        self._clock = clock
        self._binance = CachedUpstream("binance", cache, 1, monotonic=monotonic)
        self._okx_bars = CachedUpstream("okx", cache, 1, monotonic=monotonic)

    def serves(self, kind: SeriesKind) -> bool:
        return kind in KINDS

    async def fetch(self, needs: Sequence[Need], window: Window) -> dict[Need, Series]:
        binance = {
            n: _binance_key(n, window.interval) for n in needs if n.market.exchange == BINANCE
        }
        okx = {n: _okx_key(n, window.interval) for n in needs if n.market.exchange == OKX}
        found = await self._binance.series(binance, window, self._fetch_binance)
        found |= await self._okx_bars.series(okx, window, self._fetch_okx)
        return {n: found.get(n) or Series.empty(n.kind, window.time) for n in needs}

    async def aclose(self) -> None:
        return None

    async def _fetch_binance(
        self, kind: SeriesKind, group: Sequence[SeriesKey], start: int
    ) -> dict[SeriesKey, Rows]:
        (key,) = group
        now = self._clock()
        oldest = math.floor((now - BINANCE_HISTORY).timestamp())
        window = {
            "period": BinancePeriod(key.period),
            "limit": BINANCE_MAX_POINTS,
            "start_time": max(start, oldest) * 1000,
            "end_time": math.floor(now.timestamp()) * 1000,
        }
        if key.symbol.startswith(_COIN_M):
            call = coin_accounts if kind is SeriesKind.TOP_TRADER_ACCOUNTS else coin_positions
            pair = key.symbol.removeprefix(_COIN_M)
            response = await call_upstream(
                "binance",
                self._budgets[BINANCE],
                1,
                lambda: call.asyncio_detailed(client=self._coin_m, pair=pair, **window),
                _binance_failure,
                frozenset({418, 429}),
            )
        else:
            call_usdm = usdm_accounts if kind is SeriesKind.TOP_TRADER_ACCOUNTS else usdm_positions
            response = await call_upstream(
                "binance",
                self._budgets[BINANCE],
                1,
                lambda: call_usdm.asyncio_detailed(client=self._usdm, symbol=key.symbol, **window),
                _binance_failure,
                frozenset({418, 429}),
            )
        points = _listed(response.parsed, "binance")
        return {key: as_arrays([_binance_row(p) for p in points], 3)}

    async def _fetch_okx(
        self, kind: SeriesKind, group: Sequence[SeriesKey], start: int
    ) -> dict[SeriesKey, Rows]:
        (key,) = group
        call = (
            get_top_trader_account_ratio
            if kind is SeriesKind.TOP_TRADER_ACCOUNTS
            else get_top_trader_position_ratio
        )
        end = math.floor(self._clock().timestamp()) * 1000
        rows: list[list[float]] = []
        while True:  # pages of at most 100, newest first, back to `start`
            page = functools.partial(
                call.asyncio_detailed,
                client=self._okx,
                inst_id=key.symbol,
                period=OkxPeriod(key.period),
                begin=start * 1000,
                end=end,
                limit=OKX_MAX_POINTS,
            )
            response = await call_upstream("okx", self._budgets[OKX], 1, page, _okx_failure)
            parsed = response.parsed
            if getattr(parsed, "code", None) != "0":
                raise MarketDataError("okx", _okx_failure(response))
            answered = [_okx_row(point) for point in parsed.data]
            rows += answered
            oldest = min((int(row[0]) for row in answered), default=start)
            if len(answered) < OKX_MAX_POINTS or oldest <= start:
                break
            end = oldest * 1000 - 1
        return {key: as_arrays(rows, 3)}


def _binance_key(need: Need, interval: Interval) -> SeriesKey:
    market = need.market
    symbol = binance_symbol(market)
    if binance_is_coin_margined(market):
        symbol = _COIN_M + symbol
    return _key(symbol, need.kind, interval, BINANCE_PERIODS)


def _okx_key(need: Need, interval: Interval) -> SeriesKey:
    return _key(okx_instrument(need.market), need.kind, interval, OKX_PERIODS)


def _key(
    symbol: str, kind: SeriesKind, interval: Interval, periods: Mapping[str, str]
) -> SeriesKey:
    label = DAY.label if interval.is_calendar else interval.label
    return SeriesKey(symbol, kind, periods[label], int(Interval.parse(label).seconds))


def _binance_row(point: Any) -> list[float]:
    ratio = float(point.long_short_ratio)
    longs = _share(point, "long_account", "long_position")
    shorts = _share(point, "short_account", "short_position")
    if longs is None or shorts is None:
        longs = 100.0 * ratio / (1.0 + ratio)
        shorts = 100.0 - longs
    return [int(point.timestamp) // 1000, ratio, longs, shorts]


def _share(point: Any, *names: str) -> float | None:
    for name in names:
        value = getattr(point, name, None)
        if isinstance(value, str):
            return 100.0 * float(value)
    return None


def _okx_row(point: Sequence[str]) -> list[float]:
    ratio = float(point[1])
    longs = 100.0 * ratio / (1.0 + ratio)
    return [int(point[0]) // 1000, ratio, longs, 100.0 - longs]


def _listed(parsed: Any, upstream: str) -> list[Any]:
    if not isinstance(parsed, list):
        raise MarketDataError(upstream, "answered a body not in its documented shape")
    return parsed


def _binance_failure(response: Any) -> str:
    message = getattr(response.parsed, "msg", "")
    return f"answered {response.status_code}" + (f": {message}" if message else "")


def _okx_failure(response: Any) -> str:
    parsed = response.parsed
    code, message = getattr(parsed, "code", ""), getattr(parsed, "msg", "")
    return f"answered {response.status_code} (code {code})" + (f": {message}" if message else "")


@contextlib.asynccontextmanager
async def open_top_traders(settings: Settings) -> AsyncIterator[TopTraderSource]:
    """The source with its three HTTP clients open for the block."""
    timeout = httpx.Timeout(settings.render_timeout)
    async with (
        binance_futures_api.Client(base_url=settings.binance_futures_url, timeout=timeout) as usdm,
        binance_coin_futures_api.Client(
            base_url=settings.binance_coin_futures_url, timeout=timeout
        ) as coin_m,
        okx_api.Client(base_url=settings.okx_url, timeout=timeout) as okx,
    ):
        budgets = {
            BINANCE: CallBudget("binance", settings.binance_calls_per_minute),
            OKX: CallBudget("okx", settings.okx_calls_per_minute),
        }
        cache = BarCache(settings.market_cache_bars, settings.market_refresh)
        yield TopTraderSource(usdm, coin_m, okx, budgets, cache, settings.clock)
