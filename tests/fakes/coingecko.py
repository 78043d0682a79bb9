"""A fake of CoinGecko's API v3 (the part upstream/coingecko.yaml records), drawn from the
synthetic market, for the adapter's tests.

It answers under `/api/v3` (so a client joins its base URL and the path as it would for
`https://api.coingecko.com/api/v3`): `GET /coins/list`, `GET /coins/markets` and
`GET /coins/{id}/market_chart/range`. Its coins are every `Market.coin` of the synthetic
catalogue, with id `PINNED_IDS.get(coin, coin.lower())` and symbol `coin.lower()`, and a few
**decoys**: other ids sharing a real coin's symbol, whose market cap is `DECOY_SHARE` of the
real coin's (so the largest market cap picks the real one). A coin's market cap at an instant
is `coin_market_cap(coin, [instant])`; its price is that cap over a fixed supply per coin,
its volume a fixed multiple of its price (any consistent values).

What the contract leaves open, and what this fake does (each a *decision*):

- The key: with `api_key` set, `x-cg-demo-api-key` must carry it (missing: 401
  `{status: {error_code: 10002}}`; wrong: 401 `10010`); with `api_key=None` any request is
  served. The budget counts per key (per client IP without one).
- `market_chart/range` granularity, from the span `to - from` asked for: under a day a sample
  every 5 minutes (on 5-minute marks), up to 90 days (inclusive) hourly (on the hour), beyond
  daily (at 00:00 UTC); samples within [from, min(to, now)], plus one at min(to, now) when
  that is not on the grid. `from` after min(to, now) answers three empty lists.
- `from` earlier than now - `history_days` (365) answers 401 with the nested error
  `{error: {status: {error_code: 10012, …}}}` (`history_days=None` lifts it).
- An unknown id answers 404 `{error: "coin not found"}`; `vs_currency` other than `usd`, or a
  bad `from`, `to`, `ids`, `order`, `per_page` or `page`, 400 `{error: "…"}`.
- `/coins/markets` without `ids` pages through every coin (`per_page` default 100); with
  `ids`, unknown ids are left out. `market_cap_rank` ranks all coins by market cap now.
- Over budget (`calls_per_minute` over a rolling minute of `monotonic`): 429
  `{status: {error_code: 429, …}}` without `Retry-After` (the contract documents none).
- Checks run in this order: stall, forced failure, key (401), parameters (400/401/404),
  budget (429). Only a request that passes them all is charged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypedDict, Unpack

import numpy as np
from chart_img_server.market import Catalog, coin_market_cap, parse_asset, synthetic_catalog
from chart_img_server.market.coingecko._ids import PINNED_IDS
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
    json_response,
    optional_int,
    query_items,
    running,
)

API_PREFIX = "/api/v3"
IN_PROCESS_BASE_URL = "http://api.coingecko.fake/api/v3"
DEFAULT_API_KEY = "fake-coingecko-demo-key"
KEY_HEADER = "x-cg-demo-api-key"
LIST_PATH = "/coins/list"
MARKETS_PATH = "/coins/markets"
CHART_PATH = "/coins/{id}/market_chart/range"
MINUTES_5, HOUR, DAY = 300, 3600, 86_400
DECOY_SHARE = 0.001  # a decoy's market cap, as a share of the real coin's
# Decoys: (coin, id, name). The bridged ones sort before the real id, so that picking the
# first candidate by id (instead of the largest market cap) picks a decoy.
DECOYS: tuple[tuple[str, str, str], ...] = (
    ("ETH", "ethereum-wormhole", "Ethereum (Wormhole)"),
    ("PEPE", "pepe-bsc", "Pepe (BSC)"),
    ("BTC", "bitcoin-avalanche-bridged", "Bitcoin (Avalanche Bridged)"),
)
UNPINNED_DECOY_PREFIX = "bridged-"  # and one for each of the first unpinned coins
UNPINNED_DECOYS = 3
ORDERS = ("market_cap_desc", "market_cap_asc", "volume_desc", "volume_asc", "id_asc", "id_desc")
RATE_LIMIT_MESSAGE = (
    "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing "
    "to subscribe to our API plans for higher rate limits."
)
RANGE_MESSAGE = (
    "Your request exceeds the allowed time range. Public API users are limited to querying "
    "historical data within the past 365 days."
)
_IDS = re.compile(r"^[^,\s]+(,[^,\s]+)*$")

FailureStatus = Literal[401, 429, 500]


class CoinGeckoOptions(TypedDict, total=False):
    """What `FakeCoinGecko` can be configured with; see its docstring."""

    api_key: str | None
    calls_per_minute: int
    history_days: int | None
    now: Callable[[], datetime.datetime]
    monotonic: Callable[[], float]
    catalog: Catalog


@dataclass(frozen=True, slots=True)
class Coin:
    """A coin the fake lists: its id, symbol and name, and whose market cap it has."""

    id: str
    symbol: str
    name: str
    coin: str  # the synthetic coin whose market cap it draws
    share: float  # of that market cap: 1 for the real coin, DECOY_SHARE for a decoy

    @property
    def decoy(self) -> bool:
        return self.share != 1.0


class _Refusal(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class FakeCoinGecko(FakeUpstream[Call]):
    """The fake `api.coingecko.com/api/v3`: its `app`, call log and switches.

    Options: `api_key` (the demo key `x-cg-demo-api-key` must carry; None: no check),
    `calls_per_minute` (per key, or per IP without one, over a rolling minute of `monotonic`),
    `history_days` (how far back `from` may reach; None: unbounded), `now` (the upstream's UTC
    clock), `catalog` (the synthetic markets whose coins it lists).
    Switches: `fail_next(401 | 429 | 500, count)`, and `FakeUpstream`'s `slow_down`,
    `release_stalls`, `reset`, `clear_log`, `wait_for_calls`, `wait_until_stalled`.
    """

    title: ClassVar[str] = "CoinGecko"
    api_prefix: ClassVar[str] = API_PREFIX
    failure_statuses: ClassVar[frozenset[int]] = frozenset({401, 429, 500})

    def __init__(
        self,
        *,
        api_key: str | None = DEFAULT_API_KEY,
        calls_per_minute: int = 30,
        history_days: int | None = 365,
        now: Callable[[], datetime.datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(base_url=IN_PROCESS_BASE_URL, now=now, monotonic=monotonic)
        self.api_key = api_key
        self.history_days = history_days
        self._budget = RollingBudget(calls_per_minute, monotonic)
        self.coins: dict[str, Coin] = _coins(catalog or synthetic_catalog())
        self.app = self.build_app((LIST_PATH, MARKETS_PATH, CHART_PATH))

    # ------------------------------------------------------------------ test controls

    def id_of(self, coin: str) -> str:
        """The id of a synthetic coin (not of a decoy)."""
        return PINNED_IDS.get(coin, coin.lower())

    def decoys_of(self, coin: str) -> list[str]:
        """The ids of the decoys sharing the coin's symbol."""
        return sorted(c.id for c in self.coins.values() if c.coin == coin and c.decoy)

    def market_cap(self, coin_id: str, seconds: int) -> float:
        """The market cap of a listed id at an instant (a decoy's is a share of its coin's)."""
        return float(_caps(self.coins[coin_id], np.array([seconds], dtype=np.int64))[0])

    def budget_used(self, key: str | None = None) -> int:
        """Calls the key (or, without one, 127.0.0.1) spent in the last 60 seconds."""
        with self._lock:
            return self._budget.used(key or self.api_key or "127.0.0.1")

    def fail_next(self, status: FailureStatus, count: int | None = 1) -> None:
        """Answer the next `count` requests (None: all until `reset`) with `status`.

        401 and 429 carry the contract's bodies; 500 has an empty body. Never charged.
        """
        self.force_failure(status, count)

    # ------------------------------------------------------------------ serving

    def hung_up(self, request: Request, path: str) -> Call:
        return Call(path, query_items(request), self._client(request), CLIENT_CLOSED)

    def _client(self, request: Request) -> str:
        return request.headers.get(KEY_HEADER) or client_host(request)

    def decide(self, request: Request, path: str) -> Outcome[Call]:
        record = Call(path, query_items(request), self._client(request), 0)
        failure = self.take_failure()
        if failure is not None:
            if failure.status == 500:
                return Outcome(dataclasses.replace(record, status=500), Response(status_code=500))
            if failure.status == 401:
                return Outcome(dataclasses.replace(record, status=401), _key_error(10002))
            return Outcome(dataclasses.replace(record, status=429), _rate_limited())
        key = request.headers.get(KEY_HEADER)
        if self.api_key is not None and key != self.api_key:
            code = 10002 if not key else 10010
            return Outcome(dataclasses.replace(record, status=401), _key_error(code))
        at = self._now()
        try:
            compute = self._parse(request, path, at)
        except _Refusal as refusal:
            return Outcome(
                dataclasses.replace(record, status=refusal.status),
                json_response(refusal.status, refusal.body),
            )
        wait = self._budget.charge(record.client)
        if wait is not None:
            return Outcome(
                dataclasses.replace(record, status=429, retry_after=wait), _rate_limited()
            )
        return Outcome(dataclasses.replace(record, status=200), compute=compute)

    def _parse(self, request: Request, path: str, at: datetime.datetime) -> Callable[[], Any]:
        query = request.query_params
        now = math.floor(at.timestamp())
        if path == LIST_PATH:
            return self._listing
        if query.get("vs_currency") != "usd":
            raise _Refusal(400, {"error": "invalid vs_currency"})
        if path == MARKETS_PATH:
            ids = query.get("ids")
            if ids is not None and not _IDS.match(ids):
                raise _Refusal(400, {"error": "invalid ids"})
            order = query.get("order", "market_cap_desc")
            if order not in ORDERS:
                raise _Refusal(400, {"error": "invalid order"})
            try:
                per_page = optional_int(query, "per_page", 1, 250) or 100
                page = optional_int(query, "page", 1) or 1
            except BadParameter as bad:
                raise _Refusal(400, {"error": f"invalid {bad}"}) from None
            wanted = None if ids is None else ids.split(",")
            return lambda: self._markets(wanted, order, per_page, page, at)
        coin_id = request.path_params["id"]
        if coin_id not in self.coins:
            raise _Refusal(404, {"error": "coin not found"})
        try:
            first, last = (optional_int(query, name) for name in ("from", "to"))
        except BadParameter as bad:
            raise _Refusal(400, {"error": f"invalid {bad}"}) from None
        if first is None or last is None:
            raise _Refusal(400, {"error": "from and to are required"})
        if self.history_days is not None and first < now - self.history_days * DAY:
            raise _Refusal(401, _range_error(at))
        coin = self.coins[coin_id]
        return lambda: _chart(coin, first, last, now)

    def _listing(self) -> list[dict[str, str]]:
        return [{"id": c.id, "symbol": c.symbol, "name": c.name} for c in self.coins.values()]

    def _markets(
        self,
        wanted: list[str] | None,
        order: str,
        per_page: int,
        page: int,
        at: datetime.datetime,
    ) -> list[dict[str, Any]]:
        instant = np.array([math.floor(at.timestamp())], dtype=np.int64)
        caps = {c.id: _caps(c, instant)[0] for c in self.coins.values()}
        ranks = {coin_id: rank for rank, coin_id in enumerate(_by_cap(caps), start=1)}
        chosen = list(self.coins) if wanted is None else [i for i in wanted if i in self.coins]
        chosen = list(dict.fromkeys(chosen))
        field, _, direction = order.rpartition("_")
        if field == "id":
            chosen.sort(reverse=direction == "desc")
        else:  # market cap and volume both follow the cap here (volume ∝ price ∝ cap)
            chosen = [i for i in _by_cap(caps) if i in set(chosen)]
            if direction == "asc":
                chosen.reverse()
        if wanted is None:
            chosen = chosen[(page - 1) * per_page : page * per_page]
        last_updated = at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        answer = []
        for coin_id in chosen:
            coin = self.coins[coin_id]
            cap = caps[coin_id]
            price = cap / _supply(coin)
            answer.append(
                {
                    "id": coin.id,
                    "symbol": coin.symbol,
                    "name": coin.name,
                    "image": f"https://coin-images.coingecko.fake/{coin.id}.png",
                    "current_price": price,
                    "market_cap": cap,
                    "market_cap_rank": ranks[coin_id],
                    "total_volume": price * _volume_per_price(coin),
                    "last_updated": last_updated,
                }
            )
        return answer


def _coins(catalog: Catalog) -> dict[str, Coin]:
    coins: dict[str, Coin] = {}
    for name in sorted({market.coin for market in catalog.markets}):
        pinned = PINNED_IDS.get(name)
        coin_id = pinned or name.lower()
        title = pinned.replace("-", " ").title() if pinned else name
        if coin_id in coins:
            raise ValueError(f"two synthetic coins would both be {coin_id}")
        coins[coin_id] = Coin(coin_id, name.lower(), title, name, 1.0)
    present = {coin.coin for coin in coins.values()}
    unpinned = [c for c in sorted(present) if c not in PINNED_IDS][:UNPINNED_DECOYS]
    decoys = [d for d in DECOYS if d[0] in present] + [
        (c, f"{UNPINNED_DECOY_PREFIX}{c.lower()}", f"Bridged {c}") for c in unpinned
    ]
    for name, coin_id, title in decoys:
        coins[coin_id] = Coin(coin_id, name.lower(), title, name, DECOY_SHARE)
    return coins


def _caps(coin: Coin, seconds: Any) -> Any:
    return coin_market_cap(coin.coin, seconds) * coin.share


def _supply(coin: Coin) -> float:
    """A fixed supply, so that the price is the market cap over it."""
    asset = parse_asset(f"{coin.coin}USD")
    return float(asset.daily_volume_usd * 40.0 / asset.price) * coin.share


def _volume_per_price(coin: Coin) -> float:
    asset = parse_asset(f"{coin.coin}USD")
    return float(asset.daily_volume_usd / asset.price) * coin.share


def _by_cap(caps: Mapping[str, float]) -> list[str]:
    return sorted(caps, key=lambda coin_id: (-caps[coin_id], coin_id))


def granularity(span: int) -> int:
    """Seconds between samples for a window of `span` seconds, as CoinGecko picks them."""
    if span < DAY:
        return MINUTES_5
    return HOUR if span <= 90 * DAY else DAY


def sample_times(first: int, last: int, now: int) -> list[int]:
    """The instants (seconds) `market_chart/range` samples for `from=first, to=last`."""
    end = min(last, now)
    if first > end:
        return []
    step = granularity(last - first)
    times = list(range(-(-first // step) * step, end + 1, step))
    if not times or times[-1] != end:
        times.append(end)
    return times


def _chart(coin: Coin, first: int, last: int, now: int) -> dict[str, list[list[float]]]:
    times = np.array(sample_times(first, last, now), dtype=np.int64)
    caps: list[float] = _caps(coin, times).tolist()
    supply, volume = _supply(coin), _volume_per_price(coin)
    ms = [int(t) * 1000 for t in times.tolist()]
    return {
        "prices": [[t, cap / supply] for t, cap in zip(ms, caps, strict=True)],
        "market_caps": [[t, cap] for t, cap in zip(ms, caps, strict=True)],
        "total_volumes": [[t, cap / supply * volume] for t, cap in zip(ms, caps, strict=True)],
    }


def _key_error(code: int) -> Response:
    message = "API Key Missing" if code == 10002 else "Invalid API Key"
    return json_response(401, {"status": {"error_code": code, "error_message": message}})


def _rate_limited() -> Response:
    body = {"status": {"error_code": 429, "error_message": RATE_LIMIT_MESSAGE}}
    return json_response(429, body)


def _range_error(at: datetime.datetime) -> dict[str, Any]:
    stamp = at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"
    status = {"timestamp": stamp, "error_code": 10012, "error_message": RANGE_MESSAGE}
    return {"error": {"status": status}}


@contextlib.contextmanager
def running_fake_coingecko(**options: Unpack[CoinGeckoOptions]) -> Iterator[FakeCoinGecko]:
    """A fake CoinGecko served by uvicorn on 127.0.0.1, on a free port, stopped when the
    block ends. Its `base_url` ends in `/api/v3`, like upstream's."""
    with running(FakeCoinGecko(**options)) as fake:
        yield fake


def fake_coingecko_app(**options: Unpack[CoinGeckoOptions]) -> Starlette:
    """A new fake's ASGI app, for in-process clients; the fake is `app.state.fake`."""
    return FakeCoinGecko(**options).app
