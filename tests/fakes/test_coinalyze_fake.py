"""The fake Coinalyze: answers that hold to upstream/coinalyze.yaml, values that are the
synthetic market's, and upstream's key, budget, retention and millisecond behaviour."""

from __future__ import annotations

import dataclasses
import datetime
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from chart_img_server.market import (
    Catalog,
    Interval,
    Market,
    SeriesKind,
    native_series,
    synthetic_catalog,
)
from chart_img_server.market.coinalyze._names import EXCHANGE_IDS
from coinalyze_api import AuthenticatedClient, models
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

from tests.contract.test_spec import resolve, schema_validator
from tests.fakes.coinalyze import FakeCoinalyze, FakeOptions, running_fake_coinalyze

SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "upstream" / "coinalyze.yaml").read_text("utf-8")
)
NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
NOW_S = 1723472476
CATALOG = synthetic_catalog()
USDT_PERP, COIN_PERP, SPOT, EUR_PERP = (
    "BTCUSDT_PERP.A",
    "BTCUSD_PERP.A",
    "BTCUSDT.A",
    "XBTEUR_PERP.0",
)
DATED = "BTCUSDT_261225.A"
INTERVALS = {
    "1min": "1m",
    "5min": "5m",
    "15min": "15m",
    "30min": "30m",
    "1hour": "1h",
    "2hour": "2h",
    "4hour": "4h",
    "6hour": "6h",
    "12hour": "12h",
    "daily": "1D",
}
# Each history endpoint: the synthetic series, and each letter's column (spelt out again here,
# not imported from the fake, so that a wrong mapping there fails).
OHLC = {"o": "open", "h": "high", "l": "low", "c": "close"}
HISTORIES: dict[str, tuple[SeriesKind, dict[str, str]]] = {
    "/ohlcv-history": (
        SeriesKind.OHLCV,
        {**OHLC, "v": "volume", "bv": "buy_volume", "tx": "trades", "btx": "buy_trades"},
    ),
    "/open-interest-history": (SeriesKind.OPEN_INTEREST, OHLC),
    "/funding-rate-history": (SeriesKind.FUNDING, OHLC),
    "/predicted-funding-rate-history": (SeriesKind.PREDICTED_FUNDING, OHLC),
    "/liquidation-history": (SeriesKind.LIQUIDATIONS, {"l": "longs", "s": "shorts"}),
    "/long-short-ratio-history": (
        SeriesKind.LONG_SHORT_RATIO,
        {"r": "ratio", "l": "longs", "s": "shorts"},
    ),
}
CONVERTING = ("/open-interest-history", "/liquidation-history")
GENERATED: dict[str, Any] = {
    "/exchanges": get_exchanges,
    "/future-markets": get_future_markets,
    "/spot-markets": get_spot_markets,
    "/ohlcv-history": get_ohlcv_history,
    "/open-interest-history": get_open_interest_history,
    "/funding-rate-history": get_funding_rate_history,
    "/predicted-funding-rate-history": get_predicted_funding_rate_history,
    "/liquidation-history": get_liquidation_history,
    "/long-short-ratio-history": get_long_short_ratio_history,
}


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def market(symbol: str) -> Market:
    exchange, _, ticker = symbol.partition(":")
    found = CATALOG.market(exchange, ticker)
    assert found is not None, symbol
    return found


def make_fake(**options: Any) -> FakeCoinalyze:
    settings: FakeOptions = {"now": lambda: NOW, **options}  # type: ignore[typeddict-item]
    return FakeCoinalyze(**settings)


def client(fake: FakeCoinalyze, key: str | None = None) -> httpx.AsyncClient:
    headers = {"api_key": fake.api_key if key is None else key}
    transport = httpx.ASGITransport(app=fake.app)
    return httpx.AsyncClient(transport=transport, base_url=fake.base_url, headers=headers)


async def get(
    fake: FakeCoinalyze, path: str, key: str | None = None, /, **params: Any
) -> httpx.Response:
    async with client(fake, key) as http:
        return await http.get(path, params=params)


def history_params(symbols: str, interval: str = "1hour", **more: Any) -> dict[str, Any]:
    return {"symbols": symbols, "interval": interval, "from": NOW_S - 86400, "to": NOW_S, **more}


def assert_valid(path: str, response: httpx.Response) -> None:
    """The answer is one the contract documents for the path, with its headers and body."""
    operation = SPEC["paths"][path]["get"]
    answer = resolve(SPEC, operation["responses"][str(response.status_code)])
    for header, definition in answer.get("headers", {}).items():
        assert header in response.headers or not definition.get("required"), header
        value = response.headers[header]
        assert value.isascii(), value
        assert value.isdigit(), value
        errors = list(schema_validator(SPEC, definition["schema"]).iter_errors(int(value)))
        assert not errors, errors
    if "content" not in answer:
        return
    assert response.headers["content-type"] == "application/json"
    schema = answer["content"]["application/json"]["schema"]
    errors = list(schema_validator(SPEC, schema).iter_errors(response.json()))
    assert not errors, [error.message for error in errors[:5]]


def expected_history(
    path: str, coinalyze_market: Market, interval: str, first: int, last: int
) -> list[dict[str, Any]]:
    """What the fake must answer, from the synthetic series (in USD where it converts)."""
    kind, letters = HISTORIES[path]
    series = native_series(
        coinalyze_market, kind, Interval.parse(INTERVALS[interval]), first, last, NOW_S
    )
    return [
        {"t": int(t), **{letter: float(series[column][i]) for letter, column in letters.items()}}
        for i, t in enumerate(series.time)
    ]


# The catalogue


@pytest.mark.parametrize("path", ["/exchanges", "/future-markets", "/spot-markets"])
async def test_catalogue_answers_validate_and_parse(path: str) -> None:
    fake = make_fake()
    response = await get(fake, path.lstrip("/"))
    assert response.status_code == 200
    assert_valid(path, response)
    parsed = GENERATED[path]._parse_response(client=None, response=response)
    assert len(parsed) == len(response.json()) > 0
    assert [item.to_dict() for item in parsed] == response.json()
    assert fake.calls[-1].cost == 1
    assert fake.symbol_calls == fake.budget_used() == 1


async def test_exchanges_are_every_pinned_code_and_one_unpinned() -> None:
    exchanges = (await get(make_fake(), "exchanges")).json()
    codes = [exchange["code"] for exchange in exchanges]
    assert codes == [*EXCHANGE_IDS, "H"]
    assert {"name": "Binance", "code": "A"} in exchanges
    assert {"name": "Hyperliquid", "code": "H"} in exchanges
    futures = (await get(make_fake(), "future-markets")).json()
    spots = (await get(make_fake(), "spot-markets")).json()
    assert "H" not in {m["exchange"] for m in futures + spots}


async def test_every_synthetic_market_is_listed_once_with_its_flags() -> None:
    fake = make_fake()
    futures = (await get(fake, "future-markets")).json()
    spots = (await get(fake, "spot-markets")).json()
    perpetuals = [m for m in CATALOG.markets if m.perpetual]
    assert len(futures) == len(perpetuals) + 1  # and the dated future
    assert len(spots) == len(CATALOG.markets) - len(perpetuals)
    listed = {m["symbol"]: m for m in futures + spots}
    assert len(listed) == len(futures) + len(spots)
    assert fake.market_of(USDT_PERP) == market("BINANCE:BTCUSDT.P")
    assert fake.market_of(COIN_PERP) == market("BINANCE:BTCUSD.P")
    assert fake.market_of(SPOT) == market("BINANCE:BTCUSDT")
    for symbol in listed.keys() - {DATED}:
        assert fake.symbol_of(fake.market_of(symbol)) == symbol
    assert listed[USDT_PERP] == {
        "symbol": USDT_PERP,
        "exchange": "A",
        "symbol_on_exchange": "BTCUSDT",
        "base_asset": "BTC",
        "quote_asset": "USDT",
        "is_perpetual": True,
        "margined": "STABLE",
        "expire_at": None,
        "oi_lq_vol_denominated_in": "BASE_ASSET",
        "has_long_short_ratio_data": True,
        "has_ohlcv_data": True,
        "has_buy_sell_data": True,
    }
    assert listed[COIN_PERP]["margined"] == "COIN"
    assert listed[COIN_PERP]["oi_lq_vol_denominated_in"] == "QUOTE_ASSET"
    assert listed[SPOT] == {
        "symbol": SPOT,
        "exchange": "A",
        "symbol_on_exchange": "BTCUSDT",
        "base_asset": "BTC",
        "quote_asset": "USDT",
        "has_buy_sell_data": True,
    }
    dated = listed[DATED]
    assert dated["is_perpetual"] is False
    assert dated["expire_at"] > NOW_S * 1000
    with pytest.raises(KeyError):
        fake.market_of(DATED)


# Histories


@pytest.mark.parametrize(
    ("path", "interval"),
    [(path, "1hour") for path in HISTORIES]
    + [("/ohlcv-history", interval) for interval in INTERVALS if interval != "1hour"],
)
async def test_histories_validate_parse_and_are_the_synthetic_series(
    path: str, interval: str
) -> None:
    fake = make_fake()
    first = NOW_S - 40 * Interval.parse(INTERVALS[interval]).seconds
    params: dict[str, Any] = {"symbols": f"{USDT_PERP},{COIN_PERP}", "interval": interval}
    params |= {"from": int(first), "to": NOW_S}
    if path in CONVERTING:
        params["convert_to_usd"] = "true"
    response = await get(fake, path.lstrip("/"), **params)
    assert response.status_code == 200
    assert_valid(path, response)
    expected = [
        {
            "symbol": symbol,
            "history": expected_history(path, fake.market_of(symbol), interval, int(first), NOW_S),
        }
        for symbol in (USDT_PERP, COIN_PERP)
    ]
    assert response.json() == expected
    assert 40 <= len(expected[0]["history"]) <= 41
    parsed = GENERATED[path]._parse_response(client=None, response=response)
    assert [item.to_dict() for item in parsed] == expected
    assert fake.calls[-1].cost == fake.symbol_calls == 2


async def test_trade_counts_are_integers_and_floats_round_trip() -> None:
    response = await get(make_fake(), "ohlcv-history", **history_params(SPOT))
    (answer,) = response.json()
    assert answer["history"]
    assert all(type(p["tx"]) is int and type(p["btx"]) is int for p in answer["history"])
    series = native_series(
        market("BINANCE:BTCUSDT"),
        SeriesKind.OHLCV,
        Interval.parse("1h"),
        NOW_S - 86400,
        NOW_S,
        NOW_S,
    )
    assert [p["c"] for p in answer["history"]] == series["close"].tolist()
    assert [p["v"] for p in answer["history"]] == series["volume"].tolist()


@pytest.mark.parametrize("path", CONVERTING)
@pytest.mark.parametrize(
    ("symbol", "ticker", "quote_usd"),
    [
        (USDT_PERP, "BINANCE:BTCUSDT.P", 1.0),
        (EUR_PERP, "BITMEX:XBTEUR.P", 1.08),
        (COIN_PERP, "BINANCE:BTCUSD.P", None),
    ],
)
async def test_native_units_unless_converted_to_usd(
    path: str, symbol: str, ticker: str, quote_usd: float | None
) -> None:
    fake = make_fake()
    kind, letters = HISTORIES[path]
    one_hour = Interval.parse("1h")
    usd = native_series(market(ticker), kind, one_hour, NOW_S - 86400, NOW_S, NOW_S)
    close = native_series(market(ticker), SeriesKind.OHLCV, one_hour, NOW_S - 86400, NOW_S, NOW_S)
    # BASE_ASSET markets count in coins: USD over the close in USD; the COIN-M one in USD.
    per_unit = np.ones(len(usd)) if quote_usd is None else close["close"] * quote_usd
    answers = {}
    for convert in ("true", "false", None):
        extra = {} if convert is None else {"convert_to_usd": convert}
        response = await get(fake, path.lstrip("/"), **history_params(symbol, **extra))
        assert_valid(path, response)
        (answers[convert],) = response.json()
    for letter, column in letters.items():
        assert [p[letter] for p in answers["true"]["history"]] == usd[column].tolist()
        native = (usd[column] / per_unit).tolist()
        assert [p[letter] for p in answers["false"]["history"]] == native
    assert answers[None] == answers["false"]
    assert (answers["true"] == answers["false"]) is (quote_usd is None)


@pytest.mark.parametrize(
    ("path", "symbol"),
    [
        ("/open-interest-history", SPOT),
        ("/funding-rate-history", SPOT),
        ("/predicted-funding-rate-history", SPOT),
        ("/liquidation-history", SPOT),
        ("/long-short-ratio-history", SPOT),
        ("/ohlcv-history", DATED),
    ],
)
async def test_series_a_market_lacks_are_empty_histories(path: str, symbol: str) -> None:
    fake = make_fake()
    response = await get(fake, path.lstrip("/"), **history_params(f"{symbol},{USDT_PERP}"))
    assert_valid(path, response)
    empty, full = response.json()
    assert empty == {"symbol": symbol, "history": []}
    assert full["symbol"] == USDT_PERP
    assert full["history"]
    assert fake.calls[-1].cost == 2


async def test_a_market_without_buy_sell_data_sends_zero_buys() -> None:
    plain = dataclasses.replace(market("BINANCE:BTCUSDT"), has_buy_sell=False)
    fake = make_fake(catalog=Catalog("test", ("BINANCE",), (plain,)))
    (listed,) = (await get(fake, "spot-markets")).json()
    assert listed["has_buy_sell_data"] is False
    assert (await get(fake, "future-markets")).json()[-1]["symbol"] == DATED
    response = await get(fake, "ohlcv-history", **history_params(SPOT))
    (answer,) = response.json()
    assert answer["history"]
    assert {(p["bv"], p["btx"]) for p in answer["history"]} == {(0.0, 0)}
    assert all(p["v"] > 0 and p["tx"] > 0 for p in answer["history"])


async def test_unknown_symbols_are_left_out_and_still_cost_a_call() -> None:
    fake = make_fake()
    response = await get(fake, "ohlcv-history", **history_params(f"NOPE.A,{SPOT},BTC.H"))
    assert response.status_code == 200
    assert [entry["symbol"] for entry in response.json()] == [SPOT]
    assert fake.calls[-1].cost == 3
    strict = make_fake(unknown_symbols="reject")
    response = await get(strict, "ohlcv-history", **history_params(f"{SPOT},NOPE.A"))
    assert response.status_code == 400
    assert_valid("/ohlcv-history", response)
    assert "NOPE.A" in response.json()["message"]
    assert strict.symbol_calls == 0


# Retention and time


async def test_intraday_keeps_the_last_points_and_daily_keeps_everything() -> None:
    fake = make_fake()
    minutes = (
        await get(fake, "ohlcv-history", symbols=SPOT, interval="1min", **{"from": 0, "to": NOW_S})
    ).json()
    (history,) = [entry["history"] for entry in minutes]
    now_minute = NOW_S // 60 * 60
    assert len(history) == 1500
    assert history[-1]["t"] == now_minute
    assert history[0]["t"] == now_minute - 1499 * 60
    assert history == expected_history(
        "/ohlcv-history", market("BINANCE:BTCUSDT"), "1min", now_minute - 1499 * 60, NOW_S
    )
    year_2020 = {"from": 1577836800, "to": 1609459199}
    hours = (await get(fake, "ohlcv-history", symbols=SPOT, interval="1hour", **year_2020)).json()
    assert hours == [{"symbol": SPOT, "history": []}]
    days = (await get(fake, "ohlcv-history", symbols=SPOT, interval="daily", **year_2020)).json()
    assert len(days[0]["history"]) == 366
    assert days[0]["history"][0]["t"] == 1577836800
    assert days[0]["history"] == expected_history(
        "/ohlcv-history", market("BINANCE:BTCUSDT"), "daily", 1577836800, 1609459199
    )


async def test_retention_is_configurable_and_counts_back_from_now() -> None:
    fake = make_fake(retention=10)
    response = await get(
        fake,
        "funding-rate-history",
        symbols=USDT_PERP,
        interval="4hour",
        **{"from": 0, "to": NOW_S},
    )
    (answer,) = response.json()
    four_hours = 4 * 3600
    assert [p["t"] for p in answer["history"]] == [
        NOW_S // four_hours * four_hours - k * four_hours for k in range(9, -1, -1)
    ]
    later = make_fake(retention=10, now=lambda: NOW + datetime.timedelta(hours=8))
    (moved,) = (
        await get(
            later,
            "funding-rate-history",
            symbols=USDT_PERP,
            interval="4hour",
            **{"from": 0, "to": NOW_S + 8 * 3600},
        )
    ).json()
    assert [p["t"] for p in moved["history"]] == [
        p["t"] + 2 * four_hours for p in answer["history"]
    ]


async def test_the_window_is_inclusive_and_stops_at_now() -> None:
    fake = make_fake()
    hour = 3600
    last_open = NOW_S // hour * hour
    params = {
        "symbols": USDT_PERP,
        "interval": "1hour",
        "from": last_open - 2 * hour,
        "to": last_open + 5 * hour,
    }
    (answer,) = (await get(fake, "ohlcv-history", **params)).json()
    assert [p["t"] for p in answer["history"]] == [
        last_open - 2 * hour,
        last_open - hour,
        last_open,
    ]


@pytest.mark.parametrize(
    ("millis", "answer"),
    [
        ({"from": (NOW_S - 86400) * 1000, "to": NOW_S * 1000}, "per_symbol"),
        ({"from": NOW_S - 86400, "to": NOW_S * 1000}, "per_symbol"),
        ({"from": (NOW_S - 86400) * 1000, "to": NOW_S * 1000}, "empty_list"),
    ],
)
async def test_milliseconds_silently_answer_nothing(millis: dict[str, int], answer: str) -> None:
    fake = make_fake(millisecond_answer=answer)
    params = {"symbols": f"{USDT_PERP},{SPOT},NOPE.A", "interval": "1hour", **millis}
    response = await get(fake, "ohlcv-history", **params)
    assert response.status_code == 200
    assert_valid("/ohlcv-history", response)
    if answer == "empty_list":
        assert response.json() == []
    else:
        assert response.json() == [
            {"symbol": USDT_PERP, "history": []},
            {"symbol": SPOT, "history": []},
        ]
    assert fake.calls[-1].cost == 3


# Errors


@pytest.mark.parametrize(
    "params",
    [
        {"interval": "1hour", "from": 0, "to": NOW_S},
        {"symbols": "", "interval": "1hour", "from": 0, "to": NOW_S},
        {"symbols": f"{SPOT},", "interval": "1hour", "from": 0, "to": NOW_S},
        {"symbols": f"{SPOT}, {USDT_PERP}", "interval": "1hour", "from": 0, "to": NOW_S},
        {"symbols": ",".join([SPOT] * 21), "interval": "1hour", "from": 0, "to": NOW_S},
        {"symbols": SPOT, "interval": "1h", "from": 0, "to": NOW_S},
        {"symbols": SPOT, "from": 0, "to": NOW_S},
        {"symbols": SPOT, "interval": "1hour", "to": NOW_S},
        {"symbols": SPOT, "interval": "1hour", "from": 0},
        {"symbols": SPOT, "interval": "1hour", "from": "1.5", "to": NOW_S},
        {"symbols": SPOT, "interval": "1hour", "from": 0, "to": "-1"},
        {"symbols": SPOT, "interval": "1hour", "from": "٣", "to": NOW_S},
        {"symbols": SPOT, "interval": "1hour", "from": 0, "to": NOW_S, "convert_to_usd": "yes"},
    ],
)
async def test_bad_parameters_answer_400_and_cost_nothing(params: dict[str, Any]) -> None:
    fake = make_fake()
    response = await get(fake, "liquidation-history", **params)
    assert response.status_code == 400
    assert_valid("/liquidation-history", response)
    assert response.json()["message"]
    assert fake.calls[-1].status == 400
    assert fake.symbol_calls == fake.budget_used() == 0


async def test_twenty_symbols_are_allowed_and_cost_twenty() -> None:
    fake = make_fake()
    symbols = [fake.symbol_of(m) for m in CATALOG.markets if m.perpetual][:20]
    response = await get(fake, "funding-rate-history", **history_params(",".join(symbols)))
    assert response.status_code == 200
    assert [entry["symbol"] for entry in response.json()] == symbols
    assert fake.budget_used() == 20
    assert fake.calls[-1].symbols == tuple(symbols)


@pytest.mark.parametrize("key", [None, "", "wrong-key", "FAKE-COINALYZE-KEY"])
async def test_a_missing_or_wrong_key_answers_401(key: str | None) -> None:
    fake = make_fake()
    headers = {} if key is None else {"api_key": key}
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url=fake.base_url, headers=headers
    ) as http:
        for path in ("/exchanges", "/ohlcv-history"):
            response = await http.get(
                path.lstrip("/"), params={**history_params(SPOT), "api_key": fake.api_key}
            )
            assert response.status_code == 401
            assert response.json() == {"message": "Invalid/Missing API key"}
            assert_valid(path, response)
    assert [call.status for call in fake.calls] == [401, 401]
    assert fake.symbol_calls == 0


# The budget


async def test_symbol_calls_are_budgeted_over_a_rolling_minute() -> None:
    clock = Clock()
    fake = make_fake(monotonic=clock, other_keys=("second-key",))
    symbols = [fake.symbol_of(m) for m in CATALOG.markets if m.perpetual]

    async def spend(count: int, key: str | None = None) -> httpx.Response:
        return await get(
            fake, "funding-rate-history", key, **history_params(",".join(symbols[:count]))
        )

    def at(seconds: float) -> None:
        clock.now = 1000.0 + seconds

    at(0)
    assert (await spend(20)).status_code == 200
    at(10)
    assert (await spend(15)).status_code == 200
    at(20)
    refused = await spend(6)
    assert refused.status_code == 429
    assert_valid("/funding-rate-history", refused)
    assert refused.headers["Retry-After"] == "40"  # the 20 spent at 0 free at 60
    assert refused.json() == {"message": "Too many requests"}
    assert fake.calls[-1].retry_after == 40
    assert fake.calls[-1].cost == 0
    assert (await spend(20, "second-key")).status_code == 200  # each key has its budget
    assert (await spend(5)).status_code == 200
    assert fake.budget_used() == 40
    at(59.5)
    refused = await get(fake, "exchanges")  # the catalogue costs one too
    assert refused.status_code == 429
    assert_valid("/exchanges", refused)
    assert refused.headers["Retry-After"] == "1"
    at(60)
    assert (await spend(20)).status_code == 200
    refused = await spend(1)
    assert refused.headers["Retry-After"] == "10"  # the 15 spent at 10 free at 70
    at(70)
    assert (await get(fake, "exchanges")).status_code == 200
    assert fake.budget_used() == 26
    assert fake.budget_used("second-key") == 20
    assert fake.symbol_calls == 20 + 15 + 20 + 5 + 20 + 1
    assert fake.symbol_calls_to("/exchanges") == 1
    assert [call.status for call in fake.calls] == [200, 200, 429, 200, 200, 429, 200, 429, 200]


async def test_a_request_bigger_than_the_whole_budget_waits_a_minute() -> None:
    fake = make_fake(calls_per_minute=5, monotonic=Clock())
    response = await get(fake, "ohlcv-history", **history_params(",".join([SPOT] * 6)))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"


# Failure switches


async def test_forced_failures_for_some_calls_then_until_reset() -> None:
    fake = make_fake()
    fake.fail_next(500, 2)
    for _ in range(2):
        response = await get(fake, "ohlcv-history", **history_params(SPOT))
        assert response.status_code == 500
        assert_valid("/ohlcv-history", response)
    assert (await get(fake, "ohlcv-history", **history_params(SPOT))).status_code == 200
    fake.fail_next(401)
    response = await get(fake, "exchanges")
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid/Missing API key"}
    fake.fail_next(429, None, retry_after=7)
    for path in ("/exchanges", "/spot-markets", "/liquidation-history"):
        response = await get(fake, path.lstrip("/"), **history_params(SPOT))
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert_valid(path, response)
    fake.reset()
    assert (await get(fake, "exchanges")).status_code == 200
    assert [call.status for call in fake.calls] == [500, 500, 200, 401, 429, 429, 429, 200]
    assert fake.symbol_calls == 2
    fake.clear_log()
    assert fake.calls == ()
    assert fake.symbol_calls == 0
    with pytest.raises(ValueError, match="403"):
        fake.fail_next(403)  # type: ignore[arg-type]


# Served over HTTP


def test_served_fake_answers_the_generated_client() -> None:
    with running_fake_coinalyze(now=lambda: NOW) as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert fake.base_url.endswith("/v1")
        api = AuthenticatedClient(
            base_url=fake.base_url, token=fake.api_key, prefix="", auth_header_name="api_key"
        )
        with api:
            exchanges = get_exchanges.sync(client=api)
            assert isinstance(exchanges, list)
            assert {e.code for e in exchanges} == {*EXCHANGE_IDS, "H"}
            window: dict[str, Any] = {
                "interval": models.Interval.HOUR_1,
                "from_": NOW_S - 7200,
                "to": NOW_S,
            }
            candles = get_ohlcv_history.sync(client=api, symbols=USDT_PERP, **window)
            assert isinstance(candles, list)
            assert [p.to_dict() for p in candles[0].history] == expected_history(
                "/ohlcv-history", market("BINANCE:BTCUSDT.P"), "1hour", NOW_S - 7200, NOW_S
            )
            usd = models.ConvertToUsd.TRUE
            oi = get_open_interest_history.sync(
                client=api, symbols=COIN_PERP, convert_to_usd=usd, **window
            )
            assert isinstance(oi, list)
            assert len(oi[0].history) == 2
            api_bad = AuthenticatedClient(
                base_url=fake.base_url, token="nope", prefix="", auth_header_name="api_key"
            )
            with api_bad:
                refused = get_spot_markets.sync(client=api_bad)
            assert isinstance(refused, models.ErrorMessage)
        assert [call.path for call in fake.calls] == [
            "/exchanges",
            "/ohlcv-history",
            "/open-interest-history",
            "/spot-markets",
        ]
        assert fake.calls[2].convert_to_usd == "true"


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(target()))
    thread.start()
    return thread, results


def test_a_stalled_request_ends_when_the_client_hangs_up() -> None:
    started = time.monotonic()
    with running_fake_coinalyze(now=lambda: NOW) as fake:
        fake.slow_down(600)
        with pytest.raises(httpx.ReadTimeout), httpx.Client(timeout=0.3) as http:
            http.get(f"{fake.base_url}/exchanges", headers={"api_key": fake.api_key})
        assert fake.wait_for_calls(1)
        assert fake.calls[0].status == 499
        assert fake.calls[0].cost == 0
        assert fake.stalled == 0
        assert fake.delayed == 1
        assert fake.symbol_calls == 0
    assert time.monotonic() - started < 60


def test_stalls_are_released_on_demand_and_when_the_block_ends() -> None:
    started = time.monotonic()
    with running_fake_coinalyze(now=lambda: NOW) as fake:
        url = f"{fake.base_url}/exchanges"
        headers = {"api_key": fake.api_key}
        fake.slow_down(600, count=2)
        first, answers = in_thread(lambda: httpx.get(url, headers=headers, timeout=None))
        assert fake.wait_until_stalled(1)
        assert not fake.calls  # a stalled request is logged when it is answered
        fake.release_stalls()
        first.join()
        assert answers[0].status_code == 200
        second, late = in_thread(lambda: httpx.get(url, headers=headers, timeout=None))
        assert fake.wait_until_stalled(1)
    second.join()
    assert late[0].status_code == 200
    assert fake.delayed == 2
    assert [call.status for call in fake.calls] == [200, 200]
    assert time.monotonic() - started < 60


def test_a_short_delay_then_normal_answers() -> None:
    with running_fake_coinalyze(now=lambda: NOW) as fake:
        fake.slow_down(0.01, count=1)
        for _ in range(2):
            assert (
                httpx.get(
                    f"{fake.base_url}/exchanges", headers={"api_key": fake.api_key}
                ).status_code
                == 200
            )
        assert fake.delayed == 1


async def test_the_app_is_reachable_from_its_state() -> None:
    from tests.fakes.coinalyze import fake_coinalyze_app

    app = fake_coinalyze_app(now=lambda: NOW, api_key="k")
    fake: FakeCoinalyze = app.state.fake
    assert fake.app is app
    assert fake.api_key == "k"
    assert (await get(fake, "exchanges")).status_code == 200
