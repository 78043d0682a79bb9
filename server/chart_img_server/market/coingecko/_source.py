"""Market capitalisation from CoinGecko, resampled onto a chart's bars.

A coin's id is pinned for the majors, else the `/coins/list` entry of its symbol with the
largest market cap (`/coins/markets`), looked up once. Market caps come from
`/coins/{id}/market_chart/range`, whose granularity CoinGecko picks from the span asked for
(5 minutes under a day, hourly up to 90 days, daily beyond); each span class is cached
apart, so a chart is read at the finest granularity its window allows. A demo key reaches
365 days back: older bars are left empty. A bar takes the last sample at or before its close.
With several processes (`sharing`, Redis), the market caps one process fetched the
others read; a coin's id is looked up once per process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import anyio
import coingecko_api
import httpx
import numpy as np
from coingecko_api.api.coins import get_coin_market_chart_range, get_coins_list, get_coins_markets
from coingecko_api.models import CoinGeckoError, MarketsOrder

from ...settings import Settings
from .._budget import CallBudget
from .._intervals import Window
from .._noise import FloatArray, IntArray
from .._series import Series, SeriesKind
from .._shared_bars import SHARED_BARS_TTL
from .._sharing import SharedHashes, current_sharing
from .._source import MarketDataError
from .._studies import Need
from .._upstream import call_upstream
from ._ids import PINNED_IDS

logger = logging.getLogger("chart_img_server.coingecko")

NAME = "coingecko"
HISTORY = datetime.timedelta(days=365)
_DAY = 86_400
# Span asked for -> the granularity CoinGecko answers with, finest first.
_SPAN_CLASSES = ((_DAY, "5-minute"), (90 * _DAY, "hourly"), (math.inf, "daily"))
# The generated client's operations this source calls, as module names, for the docs:
# the market caps of each kind it serves, and the look-up of a coin's id.
ENDPOINT_MODULES: Mapping[SeriesKind, tuple[str, ...]] = {
    SeriesKind.MARKET_CAP: (get_coin_market_chart_range.__name__,)
}
ID_MODULES: tuple[str, ...] = (get_coins_list.__name__, get_coins_markets.__name__)


@dataclasses.dataclass(slots=True)
class _Samples:
    """A coin's market caps at one granularity: times (seconds) ascending, and values."""

    time: IntArray
    value: FloatArray
    covered_from: int
    fetched_to: int
    fetched_at: float


class CoinGeckoSource:
    """Coins' market capitalisation in USD, within CoinGecko's call budget."""

    name = NAME
    mark = "Data: CoinGecko"

    def __init__(
        self,
        client: coingecko_api.Client | coingecko_api.AuthenticatedClient,
        budget: CallBudget,
        refresh: float,
        clock: Callable[[], datetime.datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._budget = budget
        self._refresh = refresh
        self._clock = clock
        self._monotonic = monotonic
        self._ids: dict[str, str | None] = {}
        self._listing: dict[str, list[str]] | None = None
        self._samples: dict[tuple[str, str], _Samples] = {}
        self._lock = anyio.Lock()
        self._shared: SharedHashes | None = current_sharing()

    def serves(self, kind: SeriesKind) -> bool:
        return kind is SeriesKind.MARKET_CAP

    async def fetch(self, needs: Sequence[Need], window: Window) -> dict[Need, Series]:
        closes = _bar_closes(window)
        found: dict[Need, Series] = {}
        async with self._lock:  # one fetch at a time: concurrent charts read what it cached
            for need in needs:
                coin_id = await self._coin_id(need.market.coin)
                values = np.full(len(closes), np.nan)
                if coin_id is not None:
                    samples = await self._samples_for(coin_id, window)
                    values = _as_of(samples.time, samples.value, closes)
                found[need] = Series(SeriesKind.MARKET_CAP, window.time, {"value": values})
        return found

    async def _coin_id(self, coin: str) -> str | None:
        if coin in PINNED_IDS:
            return PINNED_IDS[coin]
        if coin not in self._ids:
            self._ids[coin] = await self._look_up(coin)
        return self._ids[coin]

    async def _look_up(self, coin: str) -> str | None:
        """The id of the coin with this symbol and the largest market cap (ties: by id)."""
        if self._listing is None:
            response = await self._call(
                lambda: get_coins_list.asyncio_detailed(client=self._client)
            )
            listing: dict[str, list[str]] = {}
            for entry in _listed(response.parsed):
                listing.setdefault(entry.symbol.upper(), []).append(entry.id)
            self._listing = listing
        candidates = sorted(self._listing.get(coin, []))
        if len(candidates) <= 1:
            if not candidates:
                logger.info("coingecko lists no coin %s: its market cap is left empty", coin)
            return candidates[0] if candidates else None
        response = await self._call(
            lambda: get_coins_markets.asyncio_detailed(
                client=self._client,
                vs_currency="usd",
                ids=",".join(candidates),
                order=MarketsOrder.MARKET_CAP_DESC,
            )
        )
        ranked = sorted(_listed(response.parsed), key=lambda m: (-(m.market_cap or 0.0), m.id))
        return ranked[0].id if ranked else candidates[0]

    async def _samples_for(self, coin_id: str, window: Window) -> _Samples:
        now = math.floor(self._clock().timestamp())
        start = max(window.start, now - int(HISTORY.total_seconds()))
        granularity = next(name for span, name in _SPAN_CLASSES if now - start <= span)
        held = self._samples.get((coin_id, granularity))
        if not self._fresh(held, start) and self._shared is not None:
            held = await self._adopt_shared(coin_id, granularity, held)
        if held is not None and self._fresh(held, start):
            return held
        moment = self._monotonic()
        if held is not None and held.covered_from <= start:
            start = held.fetched_to
        try:
            times, values = await self._market_caps(coin_id, start, now)
        except MarketDataError as error:
            if held is None:
                raise
            logger.warning("coingecko: serving cached market caps, %s", error)
            return held
        merged = _merged(held, times, values, start, now, moment)
        self._samples[coin_id, granularity] = merged
        if self._shared is not None:
            await self._share(self._shared, coin_id, granularity, merged)
        return merged

    def _fresh(self, held: _Samples | None, start: int) -> bool:
        return (
            held is not None
            and held.covered_from <= start
            and self._monotonic() - held.fetched_at < self._refresh
        )

    async def _adopt_shared(
        self, coin_id: str, granularity: str, held: _Samples | None
    ) -> _Samples | None:
        """The samples another process fetched, when fresher and no narrower than ours."""
        assert self._shared is not None
        [fields] = await self._shared.read_hashes([_shared_name(coin_id, granularity)])
        other = _decoded(fields, self._monotonic() - self._shared.wall_clock())
        if other is None or (
            held is not None
            and (other.fetched_at <= held.fetched_at or other.covered_from > held.covered_from)
        ):
            return held
        self._samples[coin_id, granularity] = other
        return other

    async def _share(
        self, shared: SharedHashes, coin_id: str, granularity: str, samples: _Samples
    ) -> None:
        offset = shared.wall_clock() - self._monotonic()
        fields = {
            "time": samples.time.astype("<i8").tobytes(),
            "value": samples.value.astype("<f8").tobytes(),
            "covered_from": str(samples.covered_from).encode(),
            "fetched_to": str(samples.fetched_to).encode(),
            "fetched": repr(samples.fetched_at + offset).encode(),
        }
        await shared.write_hashes({_shared_name(coin_id, granularity): fields}, SHARED_BARS_TTL)

    async def _market_caps(self, coin_id: str, start: int, end: int) -> tuple[IntArray, FloatArray]:
        response = await self._call(
            lambda: get_coin_market_chart_range.asyncio_detailed(
                coin_id, client=self._client, vs_currency="usd", from_=start, to=end
            )
        )
        points = getattr(response.parsed, "market_caps", None)
        if not isinstance(points, list):
            raise MarketDataError(NAME, "answered a body not in its documented shape")
        table = np.array([(p[0] / 1000.0, p[1]) for p in points], dtype=np.float64).reshape(-1, 2)
        return np.floor(table[:, 0]).astype(np.int64), table[:, 1]

    async def _call(self, request: Callable[[], Any]) -> Any:
        return await call_upstream(NAME, self._budget, 1, request, _failure)

    async def aclose(self) -> None:
        return None


def _bar_closes(window: Window) -> IntArray:
    """Each bar's closing instant; the forming bar's is now."""
    closes = window.interval.open_times(window.indices + 1)
    return np.minimum(closes, window.now)


def _as_of(times: IntArray, values: FloatArray, instants: IntArray) -> FloatArray:
    """The last value at or before each instant; NaN before the first."""
    positions = np.searchsorted(times, instants, side="right") - 1
    found: FloatArray = np.where(positions >= 0, values[np.maximum(positions, 0)], np.nan)
    return found


def _merged(
    held: _Samples | None, times: IntArray, values: FloatArray, start: int, end: int, moment: float
) -> _Samples:
    if held is None:
        return _Samples(times, values, start, end, moment)
    keep = held.time < (times[0] if len(times) else end + 1)
    return _Samples(
        np.concatenate([held.time[keep], times]),
        np.concatenate([held.value[keep], values]),
        min(held.covered_from, start),
        end,
        moment,
    )


def _shared_name(coin_id: str, granularity: str) -> str:
    return f"market-caps:v1:{coin_id}:{granularity}"


def _decoded(fields: Mapping[bytes, bytes], clock_offset: float) -> _Samples | None:
    """Samples as `_share` wrote them (None for anything else); `clock_offset` turns the
    wall clock's fetch time into this process's monotonic one."""
    try:
        times = np.frombuffer(fields[b"time"], dtype="<i8").astype(np.int64)
        values = np.frombuffer(fields[b"value"], dtype="<f8").astype(np.float64)
        if times.shape != values.shape:
            return None
        return _Samples(
            times,
            values,
            int(fields[b"covered_from"]),
            int(fields[b"fetched_to"]),
            float(fields[b"fetched"]) + clock_offset,
        )
    except (KeyError, ValueError):
        return None


def _listed(parsed: Any) -> list[Any]:
    if not isinstance(parsed, list):
        raise MarketDataError(NAME, "answered a body not in its documented shape")
    return parsed


def _failure(response: Any) -> str:
    """Why an answer is no use, in words for the log: never the key."""
    if response.status_code in (401, 403):
        return f"rejected the request ({response.status_code}); check COINGECKO_API_KEY"
    detail = response.parsed.error if isinstance(response.parsed, CoinGeckoError) else ""
    return f"answered {response.status_code}" + (
        f": {detail}" if isinstance(detail, str) and detail else ""
    )


@contextlib.asynccontextmanager
async def open_coingecko(settings: Settings) -> AsyncIterator[CoinGeckoSource]:
    """The source with its HTTP client open for the block; the demo key sent when set."""
    timeout = httpx.Timeout(settings.render_timeout)
    client: coingecko_api.Client | coingecko_api.AuthenticatedClient
    if settings.coingecko_api_key:
        client = coingecko_api.AuthenticatedClient(
            base_url=settings.coingecko_url,
            token=settings.coingecko_api_key,
            prefix="",
            auth_header_name="x-cg-demo-api-key",
            timeout=timeout,
        )
    else:
        client = coingecko_api.Client(base_url=settings.coingecko_url, timeout=timeout)
    async with client:
        budget = CallBudget(NAME, settings.coingecko_calls_per_minute)
        yield CoinGeckoSource(client, budget, settings.market_refresh, settings.clock)
