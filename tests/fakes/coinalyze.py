"""A fake of the Coinalyze REST API v1, drawn from the synthetic market, for the adapter's tests.

It answers the nine operations of upstream/coinalyze.yaml under `/v1` (so a client must join
its base URL and the operation's path the way it would for `https://api.coinalyze.net/v1`),
with upstream's key check, per-key budget of symbol-calls, retention and millisecond quirk,
and switches that make it fail or stall. Every value comes from the synthetic market at an
instant the test fixes, so a test can compute what the adapter should have received.

What the contract leaves open, and what this fake does (each marked *decision* below):

- Unknown symbols are left out of the answer and still cost a call (`unknown_symbols="reject"`
  answers 400 instead).
- A known symbol without that series (a spot market on the open-interest, funding or
  liquidation history; a market without long/short data; the dated future) answers an entry
  with an empty `history`.
- Milliseconds in `from` or `to` (above 10**11) answer one entry per known symbol with an empty
  `history` (`millisecond_answer="empty_list"` answers `[]`, the contract's other reading).
- `convert_to_usd` absent means `false`; on other endpoints it is ignored.
- Checks run in this order: stall, forced failure, key (401), parameters (400), budget (429).
  Only a request that passes them all is charged; a client that hangs up while the request
  is stalled is logged with status 499 and not charged.
- Native units: the synthetic open interest and liquidations are in USD; a BASE_ASSET market's
  amounts are divided by its close price in USD (close times the quote's USD value, which is
  1 for USD, USDT and USDC) of the same bar, a QUOTE_ASSET market's by the quote's USD value.
- Trade counts (`tx`, `btx`) are sent as JSON integers; a market without buy/sell data sends
  `bv` and `btx` as 0.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypedDict, Unpack

import numpy as np
from chart_img_server.market import (
    Catalog,
    Denomination,
    Interval,
    Market,
    SeriesKind,
    native_series,
    parse_asset,
    synthetic_catalog,
)
from chart_img_server.market.coinalyze._names import EXCHANGE_IDS, INTERVALS
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from tests.fakes._common import (
    CLIENT_CLOSED,
    LOOPBACK,
    FakeStartupError,
    FakeUpstream,
    Outcome,
    RollingBudget,
    json_response,
    running,
)

__all__ = [
    "CLIENT_CLOSED",
    "LOOPBACK",
    "CallRecord",
    "FakeCoinalyze",
    "FakeOptions",
    "FakeStartupError",
    "coinalyze_symbol",
    "fake_coinalyze_app",
    "running_fake_coinalyze",
]

API_PREFIX = "/v1"
IN_PROCESS_BASE_URL = "http://coinalyze.fake/v1"
DEFAULT_API_KEY = "fake-coinalyze-key"
UNAUTHORIZED_MESSAGE = "Invalid/Missing API key"
TOO_MANY_REQUESTS_MESSAGE = "Too many requests"
MAX_SYMBOLS = 20
WINDOW_SECONDS = 60
MILLISECONDS_ABOVE = 10**11

# Upstream's display names, by code (the reference's list of 26).
EXCHANGE_NAMES: Mapping[str, str] = {
    "A": "Binance",
    "6": "Bybit",
    "3": "OKX",
    "0": "BitMEX",
    "2": "Deribit",
    "4": "Huobi",
    "7": "Phemex",
    "8": "dYdX",
    "C": "Coinbase",
    "F": "Bitfinex",
    "K": "Kraken",
    "G": "Gemini",
    "Y": "Gate.io",
    "H": "Hyperliquid",
    "B": "Bitstamp",
    "W": "WOO X",
    "P": "Poloniex",
    "V": "Vertex",
    "D": "Bitforex",
    "U": "Bithumb",
    "L": "BitFlyer",
    "M": "BtcMarkets",
    "I": "Bit2c",
    "E": "MercadoBitcoin",
    "N": "Independent Reserve",
    "J": "Luno",
}
# An exchange without a pinned CHART-IMG ID and without markets: its ID comes from its name.
UNPINNED_EXCHANGE: Mapping[str, str] = {"name": "Hyperliquid", "code": "H"}
# A dated future, listed so that the adapter has one to leave out; it has no history here.
DATED_FUTURE: Mapping[str, Any] = {
    "symbol": "BTCUSDT_261225.A",
    "exchange": "A",
    "symbol_on_exchange": "BTCUSDT_261225",
    "base_asset": "BTC",
    "quote_asset": "USDT",
    "is_perpetual": False,
    "margined": "STABLE",
    "expire_at": 1798185600000,  # 2026-12-25 08:00 UTC, in milliseconds
    "oi_lq_vol_denominated_in": "BASE_ASSET",
    "has_long_short_ratio_data": False,
    "has_ohlcv_data": True,
    "has_buy_sell_data": True,
}

# Coinalyze's interval -> CHART-IMG's, the inverse of the adapter's table.
CHART_INTERVALS: Mapping[str, str] = {upstream: chart for chart, upstream in INTERVALS.items()}
DAILY = "daily"
CATALOGUE_PATHS = ("/exchanges", "/future-markets", "/spot-markets")

FailureStatus = Literal[401, 429, 500]
_SECONDS = re.compile(r"^[0-9]+$", re.ASCII)
_SYMBOL = re.compile(r"^[^,\s]+$")
_OHLC = (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close"))


@dataclass(frozen=True, slots=True)
class _History:
    """One history endpoint: the synthetic series it draws, and how its letters map."""

    kind: SeriesKind
    letters: tuple[tuple[str, str], ...]  # (letter, synthetic column)
    converts: bool  # accepts convert_to_usd
    available: Callable[[Market], bool]


def _perpetual(market: Market) -> bool:
    return market.perpetual


HISTORIES: Mapping[str, _History] = {
    "/ohlcv-history": _History(
        SeriesKind.OHLCV,
        (
            *_OHLC,
            ("v", "volume"),
            ("bv", "buy_volume"),
            ("tx", "trades"),
            ("btx", "buy_trades"),
        ),
        converts=False,
        available=lambda market: True,
    ),
    "/open-interest-history": _History(SeriesKind.OPEN_INTEREST, _OHLC, True, _perpetual),
    "/funding-rate-history": _History(SeriesKind.FUNDING, _OHLC, False, _perpetual),
    "/predicted-funding-rate-history": _History(
        SeriesKind.PREDICTED_FUNDING, _OHLC, False, _perpetual
    ),
    "/liquidation-history": _History(
        SeriesKind.LIQUIDATIONS, (("l", "longs"), ("s", "shorts")), True, _perpetual
    ),
    "/long-short-ratio-history": _History(
        SeriesKind.LONG_SHORT_RATIO,
        (("r", "ratio"), ("l", "longs"), ("s", "shorts")),
        converts=False,
        available=lambda market: market.has_long_short_ratio,
    ),
}
_TRADE_COUNTS = frozenset({"tx", "btx"})
_BUY_SIDE = frozenset({"bv", "btx"})


def coinalyze_symbol(market: Market, code: str) -> str:
    """The fake's Coinalyze symbol of a synthetic market: `BTCUSDT_PERP.A` or `BTCUSDT.A`."""
    return f"{market.base}{market.quote}{'_PERP' if market.perpetual else ''}.{code}"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request the fake answered."""

    path: str  # without the /v1 prefix, e.g. "/ohlcv-history"
    symbols: tuple[str, ...]  # as sent, split on commas; () for the catalogue
    interval: str | None
    from_: int | None  # None when absent or not an integer
    to: int | None
    convert_to_usd: str | None
    status: int
    cost: int  # symbol-calls charged to the key's budget (0 unless status is 200)
    retry_after: int | None  # the Retry-After sent with a 429


class FakeOptions(TypedDict, total=False):
    """What `FakeCoinalyze` can be configured with; see its docstring."""

    api_key: str
    other_keys: Sequence[str]
    calls_per_minute: int
    retention: int
    now: Callable[[], datetime.datetime]
    monotonic: Callable[[], float]
    catalog: Catalog
    unknown_symbols: Literal["omit", "reject"]
    millisecond_answer: Literal["per_symbol", "empty_list"]


@dataclass(frozen=True, slots=True)
class _Query:
    symbols: tuple[str, ...]
    interval: str
    from_: int
    to: int
    usd: bool


class FakeCoinalyze(FakeUpstream[CallRecord]):
    """The fake upstream: its Starlette `app`, its call log, and the switches tests flip.

    Options: `api_key` (the key the `api_key` header must carry; `other_keys` are accepted
    too, each with its own budget), `calls_per_minute` (symbol-calls per key in any rolling 60
    seconds of `monotonic`), `retention` (points kept of each intraday interval, counted back
    from `now()`), `now` (the upstream's UTC clock), `catalog` (the synthetic markets to list),
    `unknown_symbols` and `millisecond_answer` (the contract's open questions, see the module).

    Thread-safe: the served app runs in uvicorn's thread while the test reads and flips.
    The log, the switches (`fail_next`, `slow_down`, `release_stalls`, `reset`) and the waits
    are `FakeUpstream`'s (tests/fakes/_common.py).
    """

    title: ClassVar[str] = "Coinalyze"
    api_prefix: ClassVar[str] = API_PREFIX
    failure_statuses: ClassVar[frozenset[int]] = frozenset({401, 429, 500})

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        other_keys: Sequence[str] = (),
        calls_per_minute: int = 40,
        retention: int = 1500,
        now: Callable[[], datetime.datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        catalog: Catalog | None = None,
        unknown_symbols: Literal["omit", "reject"] = "omit",
        millisecond_answer: Literal["per_symbol", "empty_list"] = "per_symbol",
    ) -> None:
        if retention < 1:
            raise ValueError("retention must keep at least one point")
        super().__init__(base_url=IN_PROCESS_BASE_URL, now=now, monotonic=monotonic)
        self.api_key = api_key
        self.retention = retention
        self.unknown_symbols = unknown_symbols
        self.millisecond_answer = millisecond_answer
        self._keys = frozenset((api_key, *other_keys))
        self._budget = RollingBudget(calls_per_minute, monotonic, WINDOW_SECONDS)
        self._charged: Counter[str] = Counter()
        self._exchanges, self._futures, self._spots, self.markets = _listing(
            catalog or synthetic_catalog()
        )
        self.app = self.build_app((*CATALOGUE_PATHS, *HISTORIES))

    # ------------------------------------------------------------------ test controls

    @property
    def symbol_calls(self) -> int:
        """Symbol-calls charged so far, over all keys and endpoints."""
        with self._lock:
            return sum(self._charged.values())

    def symbol_calls_to(self, path: str) -> int:
        """Symbol-calls charged so far by one endpoint (`"/ohlcv-history"`)."""
        with self._lock:
            return self._charged[path]

    def budget_used(self, api_key: str | None = None) -> int:
        """Symbol-calls the key has spent in the last 60 seconds of the monotonic clock."""
        with self._lock:
            return self._budget.used(api_key or self.api_key)

    def market_of(self, symbol: str) -> Market:
        """The synthetic market behind a Coinalyze symbol (KeyError if the fake has none)."""
        market = self.markets[symbol]
        if market is None:
            raise KeyError(symbol)
        return market

    def symbol_of(self, market: Market) -> str:
        """The Coinalyze symbol the fake lists a synthetic market under."""
        code = {chart_id: code for code, chart_id in EXCHANGE_IDS.items()}[market.exchange]
        return coinalyze_symbol(market, code)

    def fail_next(
        self, status: FailureStatus, count: int | None = 1, *, retry_after: int = 30
    ) -> None:
        """Answer the next `count` requests (None: all until `reset`) with `status`.

        500 has an empty body; 401 and 429 the contract's bodies, 429 with `retry_after`.
        Forced failures come before the key check and are never charged.
        """
        self.force_failure(status, count, retry_after=retry_after)

    def on_clear_log(self) -> None:
        self._charged.clear()

    # ------------------------------------------------------------------ serving

    def hung_up(self, request: Request, path: str) -> CallRecord:
        return _with(_record(path, request.query_params), status=CLIENT_CLOSED)

    def decide(self, request: Request, path: str) -> Outcome[CallRecord]:
        query = request.query_params
        response, record, parsed = self._decide(
            _record(path, query), request.headers.get("api_key"), query
        )
        self._charged[path] += record.cost
        if parsed is None:
            return Outcome(record, response)
        at = self._now()
        return Outcome(record, compute=lambda: self._histories(HISTORIES[path], parsed, at))

    def _decide(
        self, record: CallRecord, key: str | None, query: Mapping[str, str]
    ) -> tuple[Response, CallRecord, _Query | None]:
        """The answer, unless it is a history to compute (then the parsed query)."""
        failure = self.take_failure()
        if failure is not None:
            if failure.status == 401:
                return _error(401, UNAUTHORIZED_MESSAGE), _with(record, status=401), None
            if failure.status == 429:
                seconds = failure.retry_after
                return _too_many(seconds), _with(record, status=429, retry_after=seconds), None
            return Response(status_code=500), _with(record, status=500), None
        if key is None or key not in self._keys:
            return _error(401, UNAUTHORIZED_MESSAGE), _with(record, status=401), None
        spec = HISTORIES.get(record.path)
        parsed = None
        cost = 1
        if spec is not None:
            problem = self._parse(spec, query)
            if isinstance(problem, str):
                return _error(400, problem), _with(record, status=400), None
            parsed = problem
            cost = len(parsed.symbols)
        wait = self._budget.charge(key, cost)
        if wait is not None:
            return _too_many(wait), _with(record, status=429, retry_after=wait), None
        charged = _with(record, status=200, cost=cost)
        if parsed is not None:
            return Response(), charged, parsed
        return _json(200, self._catalogue(record.path)), charged, None

    def _parse(self, spec: _History, query: Mapping[str, str]) -> _Query | str:
        raw = query.get("symbols")
        if not raw:
            return "symbols: required"
        symbols = tuple(raw.split(","))
        if len(symbols) > MAX_SYMBOLS:
            return f"symbols: at most {MAX_SYMBOLS} symbols per request"
        if not all(_SYMBOL.match(symbol) for symbol in symbols):
            return "symbols: a comma-separated list of symbols"
        if self.unknown_symbols == "reject":
            unknown = [symbol for symbol in symbols if symbol not in self.markets]
            if unknown:
                return f"symbols: unknown symbol {unknown[0]}"
        interval = query.get("interval")
        if interval is None or interval not in CHART_INTERVALS:
            return f"interval: must be one of {', '.join(CHART_INTERVALS)}"
        times = []
        for name in ("from", "to"):
            value = query.get(name)
            if value is None or not _SECONDS.match(value):
                return f"{name}: must be a UNIX time in seconds"
            times.append(int(value))
        convert = query.get("convert_to_usd") if spec.converts else None
        if convert not in (None, "true", "false"):
            return "convert_to_usd: must be true or false"
        return _Query(symbols, interval, times[0], times[1], convert == "true")

    def _catalogue(self, path: str) -> list[Mapping[str, Any]]:
        if path == "/exchanges":
            return self._exchanges
        return self._futures if path == "/future-markets" else self._spots

    # ------------------------------------------------------------------ histories

    def _histories(
        self, spec: _History, query: _Query, at: datetime.datetime
    ) -> list[dict[str, Any]]:
        now = math.floor(at.timestamp())
        in_milliseconds = query.from_ > MILLISECONDS_ABOVE or query.to > MILLISECONDS_ABOVE
        if in_milliseconds and self.millisecond_answer == "empty_list":
            return []
        answer = []
        for symbol in query.symbols:
            if symbol not in self.markets:
                continue
            market = self.markets[symbol]
            history: list[dict[str, Any]] = []
            if market is not None and spec.available(market) and not in_milliseconds:
                history = self._history(spec, market, query, now)
            answer.append({"symbol": symbol, "history": history})
        return answer

    def _history(
        self, spec: _History, market: Market, query: _Query, now: int
    ) -> list[dict[str, Any]]:
        interval = Interval.parse(CHART_INTERVALS[query.interval])
        first = query.from_
        if query.interval != DAILY:
            first = max(first, self.retention_start(interval, now))
        series = native_series(market, spec.kind, interval, first, query.to, now)
        columns = {letter: series[column] for letter, column in spec.letters}
        if spec.converts and not query.usd:
            units = _usd_per_unit(market, interval, first, query.to, now, series.time)
            columns = {letter: values / units for letter, values in columns.items()}
        if spec.kind is SeriesKind.OHLCV and not market.has_buy_sell:
            columns = {k: np.zeros_like(v) if k in _BUY_SIDE else v for k, v in columns.items()}
        listed: dict[str, list[Any]] = {
            letter: [int(value) for value in values.tolist()]
            if letter in _TRADE_COUNTS
            else values.tolist()
            for letter, values in columns.items()
        }
        times: list[int] = series.time.tolist()
        return [
            {"t": t, **{letter: listed[letter][i] for letter in listed}}
            for i, t in enumerate(times)
        ]

    def retention_start(self, interval: Interval, now: int) -> int:
        """The opening time of the oldest intraday point still kept at `now`."""
        last = interval.indices_of(np.array([now], dtype=np.int64))[0]
        oldest = np.array([last - self.retention + 1], dtype=np.int64)
        return int(interval.open_times(oldest)[0])


def _usd_per_unit(
    market: Market, interval: Interval, first: int, last: int, now: int, time: Any
) -> Any:
    """What one unit of the market's OI, liquidations and volume is worth in USD, per bar."""
    quote_usd = parse_asset(market.ticker).quote_usd
    if market.denomination is Denomination.QUOTE:
        return np.full(len(time), quote_usd)
    prices = native_series(market, SeriesKind.OHLCV, interval, first, last, now)
    if not np.array_equal(prices.time, time):
        raise AssertionError("the price and the converted series must share their bars")
    return prices["close"] * quote_usd


def _listing(
    catalog: Catalog,
) -> tuple[
    list[Mapping[str, Any]],
    list[Mapping[str, Any]],
    list[Mapping[str, Any]],
    dict[str, Market | None],
]:
    """The three catalogue answers, and each listed symbol's synthetic market."""
    codes = {chart_id: code for code, chart_id in EXCHANGE_IDS.items()}
    exchanges: list[Mapping[str, Any]] = [
        {"name": EXCHANGE_NAMES[code], "code": code} for code in EXCHANGE_IDS
    ]
    exchanges.append(dict(UNPINNED_EXCHANGE))
    futures: list[Mapping[str, Any]] = []
    spots: list[Mapping[str, Any]] = []
    markets: dict[str, Market | None] = {}
    for market in catalog.markets:
        code = codes[market.exchange]
        symbol = coinalyze_symbol(market, code)
        if symbol in markets:
            raise ValueError(f"two synthetic markets would both be {symbol}")
        markets[symbol] = market
        common = {
            "symbol": symbol,
            "exchange": code,
            "symbol_on_exchange": f"{market.base}{market.quote}",
            "base_asset": market.base,
            "quote_asset": market.quote,
        }
        if market.margined is None:
            spots.append({**common, "has_buy_sell_data": market.has_buy_sell})
            continue
        futures.append(
            {
                **common,
                "is_perpetual": True,
                "margined": market.margined.value,
                "expire_at": None,
                "oi_lq_vol_denominated_in": market.denomination.value,
                "has_long_short_ratio_data": market.has_long_short_ratio,
                "has_ohlcv_data": True,
                "has_buy_sell_data": market.has_buy_sell,
            }
        )
    futures.append(dict(DATED_FUTURE))
    markets[DATED_FUTURE["symbol"]] = None
    return exchanges, futures, spots, markets


def _record(path: str, query: Mapping[str, str]) -> CallRecord:
    raw = query.get("symbols")

    def seconds(name: str) -> int | None:
        value = query.get(name)
        return int(value) if value is not None and _SECONDS.match(value) else None

    return CallRecord(
        path=path,
        symbols=tuple(raw.split(",")) if raw else (),
        interval=query.get("interval"),
        from_=seconds("from"),
        to=seconds("to"),
        convert_to_usd=query.get("convert_to_usd"),
        status=0,
        cost=0,
        retry_after=None,
    )


def _with(
    record: CallRecord, *, status: int, cost: int = 0, retry_after: int | None = None
) -> CallRecord:
    return CallRecord(
        record.path,
        record.symbols,
        record.interval,
        record.from_,
        record.to,
        record.convert_to_usd,
        status,
        cost,
        retry_after,
    )


def _json(status: int, body: Any) -> Response:
    return json_response(status, body)


def _error(status: int, message: str) -> Response:
    return _json(status, {"message": message})


def _too_many(seconds: int) -> Response:
    response = _error(429, TOO_MANY_REQUESTS_MESSAGE)
    response.headers["Retry-After"] = str(seconds)
    return response


def fake_coinalyze_app(**options: Unpack[FakeOptions]) -> Starlette:
    """A new fake's ASGI app, for in-process clients; the fake is `app.state.fake`."""
    return FakeCoinalyze(**options).app


@contextlib.contextmanager
def running_fake_coinalyze(**options: Unpack[FakeOptions]) -> Iterator[FakeCoinalyze]:
    """A fake served by uvicorn on 127.0.0.1, on a free port, stopped when the block ends.

    Its `base_url` ends in `/v1`, like upstream's.
    """
    with running(FakeCoinalyze(**options)) as fake:
        yield fake
