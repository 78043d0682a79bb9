"""A fake of OKX's public rubik statistics (the top traders' long/short ratios), drawn from
the synthetic market, for the adapter's tests.

It answers the two operations of upstream/okx.yaml at the root of its base URL (like
`https://www.okx.com`): `GET /api/v5/rubik/stat/contracts/long-short-account-ratio-contract-
top-trader` and `…/long-short-position-ratio-contract-top-trader`, for the OKX perpetuals of
the synthetic catalogue (USDT-, USDC- and coin-margined), each named by `okx_instrument`. A
point is `[str(ts_ms), repr(ratio)]` of the bar of the period's interval (the inverse of
`OKX_PERIODS`) of the synthetic `TOP_TRADER_ACCOUNTS`/`TOP_TRADER_POSITIONS` series.

What the contract leaves open, and what this fake does (each a *decision*):

- The window: bars opening in [`begin`, `end`] (milliseconds, inclusive; `end` absent means
  now, `begin` absent means as far back as `history_days` allows, unbounded by default),
  never after now (the forming bar is included). Of those, the **newest** `limit` (default
  and at most 100), **newest first**. `begin` after `end` answers no points.
- Failures answer `{code, msg, data: []}` with a non-`"0"` code: `51001` for an unknown
  `instId`, `51000` for a missing or bad parameter, with HTTP **400** (the contract's
  `BadRequest`); `error_status=200` answers them with HTTP 200 instead (the contract's other
  reading). The budget answers 429 with code `50011` and no `Retry-After` (the contract
  documents none; the log records the wait).
- Checks run in this order: stall, forced failure, parameters, budget. Only a request that
  passes them all is charged: `requests_per_window` per client IP in any rolling
  `window_seconds` of `monotonic` (OKX: 5 per 2 seconds).
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
from chart_img_server.market.toptraders._names import OKX, OKX_PERIODS, okx_instrument
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

IN_PROCESS_BASE_URL = "http://www.okx.fake"
ACCOUNTS_PATH = "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract-top-trader"
POSITIONS_PATH = "/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader"
KINDS: Mapping[str, SeriesKind] = {
    ACCOUNTS_PATH: SeriesKind.TOP_TRADER_ACCOUNTS,
    POSITIONS_PATH: SeriesKind.TOP_TRADER_POSITIONS,
}
# OKX's period -> CHART-IMG's interval, the inverse of the adapter's table.
CHART_INTERVALS: Mapping[str, str] = {period: chart for chart, period in OKX_PERIODS.items()}
MAX_LIMIT = 100
UNKNOWN_INSTRUMENT = ("51001", "Instrument ID does not exist")
TOO_MANY = ("50011", "Too Many Requests")

FailureStatus = Literal[429, 500]


class OkxOptions(TypedDict, total=False):
    """What `FakeOkx` can be configured with; see its docstring."""

    requests_per_window: int
    window_seconds: float
    history_days: int | None
    error_status: Literal[400, 200]
    now: Callable[[], datetime.datetime]
    monotonic: Callable[[], float]
    catalog: Catalog


@dataclass(frozen=True, slots=True)
class _Query:
    market: Market
    kind: SeriesKind
    period: str
    limit: int
    begin: int | None  # milliseconds
    end: int | None


class _Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FakeOkx(FakeUpstream[Call]):
    """The fake `www.okx.com`: its `app`, call log and switches.

    Options: `requests_per_window` and `window_seconds` (each client IP's budget over a rolling
    window of `monotonic`), `history_days` (how far back points exist, None: unbounded),
    `error_status` (the HTTP status of a failure with a non-"0" code, see the module), `now`
    (the upstream's UTC clock), `catalog` (the synthetic markets).
    Switches: `fail_next(429 | 500, count)`, and `FakeUpstream`'s `slow_down`,
    `release_stalls`, `reset`, `clear_log`, `wait_for_calls`, `wait_until_stalled`.
    """

    title: ClassVar[str] = "OKX"
    failure_statuses: ClassVar[frozenset[int]] = frozenset({429, 500})

    def __init__(
        self,
        *,
        requests_per_window: int = 5,
        window_seconds: float = 2.0,
        history_days: int | None = None,
        error_status: Literal[400, 200] = 400,
        now: Callable[[], datetime.datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(base_url=IN_PROCESS_BASE_URL, now=now, monotonic=monotonic)
        self.history_days = history_days
        self.error_status = error_status
        self._budget = RollingBudget(requests_per_window, monotonic, window_seconds)
        self.markets: dict[str, Market] = {}
        for market in (catalog or synthetic_catalog()).markets:
            if market.exchange != OKX or not market.perpetual:
                continue
            instrument = okx_instrument(market)
            if instrument in self.markets:
                raise ValueError(f"two synthetic markets would both be {instrument}")
            self.markets[instrument] = market
        self.app = self.build_app(tuple(KINDS))

    # ------------------------------------------------------------------ test controls

    def market_of(self, instrument: str) -> Market:
        """The synthetic market behind an `instId` (KeyError if the fake has none)."""
        return self.markets[instrument]

    def budget_used(self, ip: str = "127.0.0.1") -> int:
        """Requests the IP has spent in the current rolling window."""
        with self._lock:
            return self._budget.used(ip)

    def fail_next(self, status: FailureStatus, count: int | None = 1) -> None:
        """Answer the next `count` requests (None: all until `reset`) with `status`.

        429 carries `{code: "50011", …}`; 500 has an empty body. Never charged.
        """
        self.force_failure(status, count)

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
            return Outcome(dataclasses.replace(record, status=429), _error(429, *TOO_MANY))
        try:
            query = self._parse(path, request.query_params)
        except _Refusal as refusal:
            status = self.error_status
            return Outcome(
                dataclasses.replace(record, status=status),
                _error(status, refusal.code, refusal.message),
            )
        wait = self._budget.charge(ip)
        if wait is not None:
            return Outcome(
                dataclasses.replace(record, status=429, retry_after=wait), _error(429, *TOO_MANY)
            )
        at = self._now()
        return Outcome(
            dataclasses.replace(record, status=200), compute=lambda: self._answer(query, at)
        )

    def _parse(self, path: str, query: Mapping[str, str]) -> _Query:
        instrument = query.get("instId")
        if not instrument:
            raise _Refusal("51000", "Parameter instId error")
        if instrument not in self.markets:
            raise _Refusal(*UNKNOWN_INSTRUMENT)
        period = query.get("period")
        if period is None or period not in CHART_INTERVALS:
            raise _Refusal("51000", "Parameter period error")
        try:
            limit = optional_int(query, "limit", 1, MAX_LIMIT)
            begin = optional_int(query, "begin")
            end = optional_int(query, "end")
        except BadParameter as bad:
            raise _Refusal("51000", f"Parameter {bad} error") from None
        limit = MAX_LIMIT if limit is None else limit
        return _Query(self.markets[instrument], KINDS[path], period, limit, begin, end)

    def _answer(self, query: _Query, at: datetime.datetime) -> dict[str, Any]:
        now = math.floor(at.timestamp())
        interval = Interval.parse(CHART_INTERVALS[query.period])
        last = now if query.end is None else min(now, query.end // 1000)
        # The newest `limit` bars open after this: no need to draw older ones.
        first = last - int(interval.seconds) * query.limit
        if query.begin is not None:
            first = max(first, -(-query.begin // 1000))
        if self.history_days is not None:
            first = max(first, now - self.history_days * 86_400)
        series = native_series(query.market, query.kind, interval, first, last, now)
        times: list[int] = series.time.tolist()
        ratios: list[float] = series["ratio"].tolist()
        newest = list(zip(times, ratios, strict=True))[::-1][: query.limit]
        data = [[str(t * 1000), decimal_string(ratio)] for t, ratio in newest]
        return {"code": "0", "msg": "", "data": data}


def _error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"code": code, "msg": message, "data": []})


@contextlib.contextmanager
def running_fake_okx(**options: Unpack[OkxOptions]) -> Iterator[FakeOkx]:
    """A fake OKX served by uvicorn on 127.0.0.1, on a free port, stopped when the block
    ends. Its `base_url` is the origin, like upstream's."""
    with running(FakeOkx(**options)) as fake:
        yield fake


def fake_okx_app(**options: Unpack[OkxOptions]) -> Starlette:
    """A new fake's ASGI app, for in-process clients; the fake is `app.state.fake`."""
    return FakeOkx(**options).app
