"""A fake of Binance's public futures data (the top traders' long/short ratios), drawn from the
synthetic market, for the adapter's tests.

One fake serves one host: USDⓈ-M (`fapi`, upstream/binance-futures.yaml, by `symbol`) or,
with `coin_margined=True`, COIN-M (`dapi`, upstream/binance-coin-futures.yaml, by `pair`).
It answers `GET /futures/data/topLongShortAccountRatio` and `…/topLongShortPositionRatio` at
the root of its base URL (like `https://fapi.binance.com`) for the BINANCE perpetuals of the
synthetic catalogue of that margin, each named by `binance_symbol`. An element is the bar of
the period's interval (the inverse of `BINANCE_PERIODS`) of the synthetic
`TOP_TRADER_ACCOUNTS`/`TOP_TRADER_POSITIONS` series: `longShortRatio` is `repr(ratio)`, the
shares `repr(longs / 100)` and `repr(shorts / 100)`, `timestamp` the bar's opening in ms.

What the contracts leave open, and what this fake does (each a *decision*):

- The window: bars opening in [`startTime`, `endTime`] (milliseconds, inclusive; `endTime`
  absent means now), never before now - 30 days and never after now (the forming bar is
  included), ascending.
- Which `limit` bars (default 30, at most 500) when more match: the **earliest** from
  `startTime` when `startTime` is given (the adapter pages by moving it), else the **latest**.
- `startTime` after `endTime`, or a window older than 30 days, answers `200 []`.
- COIN-M shares are named `longAccount`/`shortAccount` on the accounts ratio and
  `longPosition`/`shortPosition` on the positions ratio (`position_shares="account"` names
  both like the accounts ratio, the contract's other reading). USDⓈ-M uses `longAccount` and
  `shortAccount` on both, as its contract says.
- Errors `{code, msg}`: a missing parameter 400 `-1102`, an unknown symbol or pair 400
  `-1121`, a bad `period`, `limit`, `startTime` or `endTime` 400 `-1130`.
- Checks run in this order: stall, forced failure, parameters (400), budget (429). Only a
  request that passes them all is charged, `request_weight` against the client IP's
  `weight_per_minute` over a rolling minute; the 429 carries `Retry-After` (whole seconds).
  Upstream's automatic 418 ban is not modelled: `fail_next(418)` forces it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypedDict, Unpack

from chart_img_server.market import (
    Catalog,
    Interval,
    Market,
    SeriesKind,
    native_series,
    synthetic_catalog,
)
from chart_img_server.market.toptraders._names import (
    BINANCE,
    BINANCE_PERIODS,
    binance_is_coin_margined,
    binance_symbol,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from tests.fakes._common import (
    CLIENT_CLOSED,
    BadParameter,
    Call,
    FakeUpstream,
    Outcome,
    RollingBudget,
    client_host,
    decimal_string,
    json_response,
    optional_int,
    query_items,
    running,
)

USDM_BASE_URL = "http://fapi.binance.fake"
COIN_M_BASE_URL = "http://dapi.binance.fake"
ACCOUNTS_PATH = "/futures/data/topLongShortAccountRatio"
POSITIONS_PATH = "/futures/data/topLongShortPositionRatio"
KINDS: Mapping[str, SeriesKind] = {
    ACCOUNTS_PATH: SeriesKind.TOP_TRADER_ACCOUNTS,
    POSITIONS_PATH: SeriesKind.TOP_TRADER_POSITIONS,
}
# Binance's period -> CHART-IMG's interval, the inverse of the adapter's table.
CHART_INTERVALS: Mapping[str, str] = {period: chart for chart, period in BINANCE_PERIODS.items()}
HISTORY_SECONDS = 30 * 86_400
DEFAULT_LIMIT = 30
MAX_LIMIT = 500
TOO_MANY_MESSAGE = "Too many requests; current limit of IP({ip}) is {limit} requests per minute."
BANNED_MESSAGE = "Way too many requests; IP({ip}) banned until {until}."

FailureStatus = Literal[418, 429, 500]


class BinanceOptions(TypedDict, total=False):
    """What `FakeBinance` can be configured with; see its docstring."""

    coin_margined: bool
    weight_per_minute: int
    request_weight: int
    now: Callable[[], datetime.datetime]
    monotonic: Callable[[], float]
    catalog: Catalog
    position_shares: Literal["position", "account"]


@dataclass(frozen=True, slots=True)
class _Query:
    market: Market
    symbol: str
    kind: SeriesKind
    period: str
    limit: int
    start: int | None  # milliseconds
    end: int | None


class _Refusal(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FakeBinance(FakeUpstream[Call]):
    """The fake `fapi` (or, `coin_margined`, `dapi`): its `app`, call log and switches.

    Options: `coin_margined` (serve COIN-M by `pair` instead of USDⓈ-M by `symbol`),
    `weight_per_minute` and `request_weight` (each client IP's budget over a rolling minute of
    `monotonic`, and what one request costs), `now` (the upstream's UTC clock), `catalog`
    (the synthetic markets), `position_shares` (COIN-M positions' share names, see the module).
    Switches: `fail_next(418 | 429 | 500, count, retry_after=)`, and `FakeUpstream`'s
    `slow_down`, `release_stalls`, `reset`, `clear_log`, `wait_for_calls`, `wait_until_stalled`.
    """

    title: ClassVar[str] = "Binance"
    failure_statuses: ClassVar[frozenset[int]] = frozenset({418, 429, 500})

    def __init__(
        self,
        *,
        coin_margined: bool = False,
        weight_per_minute: int = 2400,
        request_weight: int = 1,
        now: Callable[[], datetime.datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        catalog: Catalog | None = None,
        position_shares: Literal["position", "account"] = "position",
    ) -> None:
        base_url = COIN_M_BASE_URL if coin_margined else USDM_BASE_URL
        super().__init__(base_url=base_url, now=now, monotonic=monotonic)
        self.coin_margined = coin_margined
        self.symbol_parameter = "pair" if coin_margined else "symbol"
        self.request_weight = request_weight
        self.position_shares = position_shares
        self._budget = RollingBudget(weight_per_minute, monotonic)
        self.markets: dict[str, Market] = {}
        for market in (catalog or synthetic_catalog()).markets:
            if market.exchange != BINANCE or not market.perpetual:
                continue
            if binance_is_coin_margined(market) != coin_margined:
                continue
            symbol = binance_symbol(market)
            if symbol in self.markets:
                raise ValueError(f"two synthetic markets would both be {symbol}")
            self.markets[symbol] = market
        self.app = self.build_app(tuple(KINDS))

    # ------------------------------------------------------------------ test controls

    def market_of(self, symbol: str) -> Market:
        """The synthetic market behind a symbol (or pair); KeyError if the fake has none."""
        return self.markets[symbol]

    def budget_used(self, ip: str = "127.0.0.1") -> int:
        """Weight the IP has spent in the last 60 seconds of the monotonic clock."""
        with self._lock:
            return self._budget.used(ip)

    def fail_next(
        self, status: FailureStatus, count: int | None = 1, *, retry_after: int = 30
    ) -> None:
        """Answer the next `count` requests (None: all until `reset`) with `status`.

        418 and 429 carry Binance's `{code: -1003, msg}` and `Retry-After: retry_after`; 500
        has an empty body. Forced failures come before every check and are never charged.
        """
        self.force_failure(status, count, retry_after=retry_after)

    # ------------------------------------------------------------------ serving

    def hung_up(self, request: Request, path: str) -> Call:
        return Call(path, query_items(request), client_host(request), CLIENT_CLOSED)

    def decide(self, request: Request, path: str) -> Outcome[Call]:
        ip = client_host(request)
        record = Call(path, query_items(request), ip, 0)
        failure = self.take_failure()
        if failure is not None:
            if failure.status == 500:
                return Outcome(dataclasses.replace(record, status=500), Response(status_code=500))
            seconds = failure.retry_after
            message = (
                TOO_MANY_MESSAGE.format(ip=ip, limit=self._budget.limit)
                if failure.status == 429
                else BANNED_MESSAGE.format(ip=ip, until=self._ms_in(seconds))
            )
            return Outcome(
                dataclasses.replace(record, status=failure.status, retry_after=seconds),
                _error(failure.status, -1003, message, seconds),
            )
        try:
            query = self._parse(path, request.query_params)
        except _Refusal as refusal:
            return Outcome(
                dataclasses.replace(record, status=400),
                _error(400, refusal.code, refusal.message),
            )
        wait = self._budget.charge(ip, self.request_weight)
        if wait is not None:
            message = TOO_MANY_MESSAGE.format(ip=ip, limit=self._budget.limit)
            return Outcome(
                dataclasses.replace(record, status=429, retry_after=wait),
                _error(429, -1003, message, wait),
            )
        at = self._now()
        return Outcome(
            dataclasses.replace(record, status=200), compute=lambda: self._elements(query, at)
        )

    def _ms_in(self, seconds: int) -> int:
        return math.floor(self._now().timestamp() + seconds) * 1000

    def _parse(self, path: str, query: Mapping[str, str]) -> _Query:
        name = self.symbol_parameter
        symbol = query.get(name)
        if not symbol:
            raise _Refusal(-1102, _mandatory(name))
        if symbol not in self.markets:
            raise _Refusal(-1121, f"Invalid {name}.")
        period = query.get("period")
        if not period:
            raise _Refusal(-1102, _mandatory("period"))
        if period not in CHART_INTERVALS:
            raise _Refusal(-1130, _not_valid("period"))
        try:
            limit = optional_int(query, "limit", 1, MAX_LIMIT)
            start = optional_int(query, "startTime")
            end = optional_int(query, "endTime")
        except BadParameter as bad:
            raise _Refusal(-1130, _not_valid(str(bad))) from None
        limit = DEFAULT_LIMIT if limit is None else limit
        return _Query(self.markets[symbol], symbol, KINDS[path], period, limit, start, end)

    def _elements(self, query: _Query, at: datetime.datetime) -> list[dict[str, Any]]:
        now = math.floor(at.timestamp())
        interval = Interval.parse(CHART_INTERVALS[query.period])
        first = now - HISTORY_SECONDS
        if query.start is not None:
            first = max(first, -(-query.start // 1000))
        last = now if query.end is None else min(now, query.end // 1000)
        series = native_series(query.market, query.kind, interval, first, last, now)
        count = len(series.time)
        chosen = (
            range(min(count, query.limit))
            if query.start is not None
            else range(max(0, count - query.limit), count)
        )
        long_name, short_name = self._share_names(query.kind)
        times: list[int] = series.time.tolist()
        ratios, longs, shorts = (series[c].tolist() for c in ("ratio", "longs", "shorts"))
        return [
            {
                self.symbol_parameter: query.symbol,
                "longShortRatio": decimal_string(ratios[i]),
                long_name: decimal_string(longs[i] / 100),
                short_name: decimal_string(shorts[i] / 100),
                "timestamp": times[i] * 1000,
            }
            for i in chosen
        ]

    def _share_names(self, kind: SeriesKind) -> tuple[str, str]:
        positions = kind is SeriesKind.TOP_TRADER_POSITIONS
        if self.coin_margined and positions and self.position_shares == "position":
            return "longPosition", "shortPosition"
        return "longAccount", "shortAccount"


def _mandatory(name: str) -> str:
    return f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


def _not_valid(name: str) -> str:
    return f"Data sent for parameter '{name}' is not valid."


def _error(status: int, code: int, message: str, retry_after: int | None = None) -> Response:
    headers = None if retry_after is None else {"Retry-After": str(retry_after)}
    return json_response(status, {"code": code, "msg": message}, headers)


@contextlib.contextmanager
def running_fake_binance(**options: Unpack[BinanceOptions]) -> Iterator[FakeBinance]:
    """A fake `fapi` (or `dapi` with `coin_margined=True`) served by uvicorn on 127.0.0.1, on
    a free port, stopped when the block ends. Its `base_url` is the origin, like upstream's."""
    with running(FakeBinance(**options)) as fake:
        yield fake


def fake_binance_app(**options: Unpack[BinanceOptions]) -> Starlette:
    """A new fake's ASGI app, for in-process clients; the fake is `app.state.fake`."""
    return FakeBinance(**options).app
