"""The fake Binance futures data: answers that hold to upstream/binance-futures.yaml and
upstream/binance-coin-futures.yaml, values that are the synthetic market's, and its window,
limit, errors, budget and switches."""

from __future__ import annotations

import datetime
import time
from typing import Any

import binance_coin_futures_api
import binance_futures_api
import httpx
import pytest
from binance_coin_futures_api.api.futures_data import (
    get_top_long_short_position_ratio as coin_positions,
)
from binance_coin_futures_api.models import Period as CoinPeriod
from binance_futures_api.api.futures_data import (
    get_top_long_short_account_ratio as usdm_accounts,
)
from binance_futures_api.api.futures_data import (
    get_top_long_short_position_ratio as usdm_positions,
)
from binance_futures_api.models import Period
from chart_img_server.market import Interval, SeriesKind, native_series, synthetic_catalog

from tests.fakes._contract import Clock, assert_valid, load
from tests.fakes.binance import FakeBinance, fake_binance_app, running_fake_binance

USDM_SPEC = load("binance-futures.yaml")
COIN_SPEC = load("binance-coin-futures.yaml")
NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
NOW_S = 1723472476
ACCOUNTS = "/futures/data/topLongShortAccountRatio"
POSITIONS = "/futures/data/topLongShortPositionRatio"
KINDS = {ACCOUNTS: SeriesKind.TOP_TRADER_ACCOUNTS, POSITIONS: SeriesKind.TOP_TRADER_POSITIONS}
CATALOG = synthetic_catalog()
DAYS_30 = 30 * 86400


def make_fake(**options: Any) -> FakeBinance:
    return FakeBinance(now=lambda: NOW, **options)


async def get(fake: FakeBinance, path: str, **params: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url=fake.base_url) as http:
        return await http.get(path, params=params)


def expected(
    ticker: str, path: str, interval: str, first: int, last: int, *, coin: bool = False
) -> list[dict[str, Any]]:
    """What the fake must answer, spelt out from the synthetic series."""
    market = CATALOG.market("BINANCE", ticker)
    assert market is not None
    series = native_series(market, KINDS[path], Interval.parse(interval), first, last, NOW_S)
    long_name, short_name = ("longAccount", "shortAccount")
    if coin and path == POSITIONS:
        long_name, short_name = ("longPosition", "shortPosition")
    return [
        {
            ("pair" if coin else "symbol"): market.base + market.quote,
            "longShortRatio": repr(float(series["ratio"][i])),
            long_name: repr(float(series["longs"][i]) / 100),
            short_name: repr(float(series["shorts"][i]) / 100),
            "timestamp": int(t) * 1000,
        }
        for i, t in enumerate(series.time)
    ]


@pytest.mark.parametrize("path", [ACCOUNTS, POSITIONS])
@pytest.mark.parametrize(("period", "interval"), [("1h", "1h"), ("5m", "5m"), ("1d", "1D")])
async def test_usdm_answers_validate_parse_and_are_the_synthetic_series(
    path: str, period: str, interval: str
) -> None:
    fake = make_fake()
    seconds = int(Interval.parse(interval).seconds)
    start = (NOW_S - 20 * seconds) * 1000
    response = await get(
        fake,
        path,
        symbol="BTCUSDT",
        period=period,
        limit=500,
        startTime=start,
        endTime=NOW_S * 1000,
    )
    assert response.status_code == 200
    assert_valid(USDM_SPEC, path, response)
    want = expected("BTCUSDT.P", path, interval, start // 1000, NOW_S)
    assert response.json() == want
    assert len(want) == 20
    module = usdm_accounts if path == ACCOUNTS else usdm_positions
    parsed = module._parse_response(client=binance_futures_api.Client(""), response=response)
    assert isinstance(parsed, list)
    assert [p.to_dict() for p in parsed] == want
    assert fake.calls[-1].status == 200
    assert fake.calls[-1].param("symbol") == "BTCUSDT"


@pytest.mark.parametrize("path", [ACCOUNTS, POSITIONS])
async def test_coin_m_answers_by_pair_with_the_share_names_of_each_ratio(path: str) -> None:
    fake = make_fake(coin_margined=True)
    assert fake.base_url == "http://dapi.binance.fake"
    start = (NOW_S - 10 * 3600) * 1000
    response = await get(fake, path, pair="BTCUSD", period="1h", startTime=start)
    assert response.status_code == 200
    assert_valid(COIN_SPEC, path, response)
    assert response.json() == expected("BTCUSD.P", path, "1h", start // 1000, NOW_S, coin=True)
    parsed = coin_positions._parse_response(
        client=binance_coin_futures_api.Client(""), response=response
    )
    assert isinstance(parsed, list)
    assert [p.to_dict() for p in parsed] == response.json()
    assert (await get(fake, path, symbol="BTCUSD", period="1h")).status_code == 400
    stable = await get(fake, path, pair="BTCUSDT", period="1h")
    assert stable.status_code == 400
    assert stable.json() == {"code": -1121, "msg": "Invalid pair."}
    accounts_named = make_fake(coin_margined=True, position_shares="account")
    answer = (await get(accounts_named, POSITIONS, pair="ETHUSD", period="4h")).json()
    assert answer
    assert {"longAccount", "shortAccount"} <= answer[0].keys()


async def test_every_binance_perpetual_is_served_by_its_host() -> None:
    usdm, coin_m = make_fake(), make_fake(coin_margined=True)
    perpetuals = [m for m in CATALOG.markets if m.exchange == "BINANCE" and m.perpetual]
    assert len(usdm.markets) + len(coin_m.markets) == len(perpetuals)
    assert usdm.market_of("BTCUSDT") == CATALOG.market("BINANCE", "BTCUSDT.P")
    assert coin_m.market_of("BTCUSD") == CATALOG.market("BINANCE", "BTCUSD.P")
    assert "1000PEPEUSDT" in usdm.markets


async def test_limit_takes_the_earliest_from_start_time_else_the_latest() -> None:
    fake = make_fake()
    hour = 3600
    last_open = NOW_S // hour * hour
    start = (last_open - 99 * hour) * 1000
    early = await get(fake, ACCOUNTS, symbol="ETHUSDT", period="1h", limit=5, startTime=start)
    assert [p["timestamp"] for p in early.json()] == [start + k * hour * 1000 for k in range(5)]
    latest = (await get(fake, ACCOUNTS, symbol="ETHUSDT", period="1h", limit=5)).json()
    assert [p["timestamp"] // 1000 for p in latest] == [
        last_open - k * hour for k in range(4, -1, -1)
    ]
    default = (await get(fake, ACCOUNTS, symbol="ETHUSDT", period="1h")).json()
    assert len(default) == 30
    assert default[-1]["timestamp"] == last_open * 1000
    ending = (
        await get(fake, ACCOUNTS, symbol="ETHUSDT", period="1h", limit=3, endTime=start)
    ).json()
    assert [p["timestamp"] for p in ending] == [start - k * hour * 1000 for k in (2, 1, 0)]
    one_off = start + 1
    assert (
        await get(fake, ACCOUNTS, symbol="ETHUSDT", period="1h", limit=1, startTime=one_off)
    ).json()[0]["timestamp"] == start + hour * 1000


async def test_only_the_last_30_days_exist() -> None:
    fake = make_fake()
    everything = await get(fake, POSITIONS, symbol="BTCUSDT", period="1d", limit=500, startTime=0)
    days = [p["timestamp"] // 1000 for p in everything.json()]
    assert days[0] >= NOW_S - DAYS_30
    assert days[-1] == NOW_S // 86400 * 86400
    assert len(days) == 30
    old = await get(
        fake,
        POSITIONS,
        symbol="BTCUSDT",
        period="1h",
        startTime=0,
        endTime=(NOW_S - DAYS_30) * 1000,
    )
    assert old.status_code == 200
    assert old.json() == []
    assert_valid(USDM_SPEC, POSITIONS, old)
    backwards = await get(
        fake, POSITIONS, symbol="BTCUSDT", period="1h", startTime=NOW_S * 1000, endTime=0
    )
    assert backwards.json() == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period": "1h"}, -1102),
        ({"symbol": "", "period": "1h"}, -1102),
        ({"symbol": "NOPEUSDT", "period": "1h"}, -1121),
        ({"symbol": "BTCUSD", "period": "1h"}, -1121),
        ({"symbol": "BTCUSDT"}, -1102),
        ({"symbol": "BTCUSDT", "period": "1m"}, -1130),
        ({"symbol": "BTCUSDT", "period": "1H"}, -1130),
        ({"symbol": "BTCUSDT", "period": "1h", "limit": 501}, -1130),
        ({"symbol": "BTCUSDT", "period": "1h", "limit": 0}, -1130),
        ({"symbol": "BTCUSDT", "period": "1h", "startTime": "-1"}, -1130),
        ({"symbol": "BTCUSDT", "period": "1h", "endTime": "1.5"}, -1130),
    ],
)
async def test_bad_parameters_answer_400_with_binance_codes(
    params: dict[str, Any], code: int
) -> None:
    fake = make_fake(monotonic=Clock())
    response = await get(fake, ACCOUNTS, **params)
    assert response.status_code == 400
    assert_valid(USDM_SPEC, ACCOUNTS, response)
    assert response.json()["code"] == code
    assert fake.budget_used() == 0


async def test_weight_is_budgeted_per_ip_over_a_rolling_minute() -> None:
    clock = Clock()
    fake = make_fake(weight_per_minute=4, request_weight=2, monotonic=clock)
    for _ in range(2):
        assert (await get(fake, ACCOUNTS, symbol="BTCUSDT", period="1h")).status_code == 200
    clock.now += 15
    refused = await get(fake, ACCOUNTS, symbol="BTCUSDT", period="1h")
    assert refused.status_code == 429
    assert_valid(USDM_SPEC, ACCOUNTS, refused)
    assert refused.headers["Retry-After"] == "45"
    assert refused.json()["code"] == -1003
    assert fake.calls[-1].retry_after == 45
    assert fake.budget_used() == 4
    assert fake.budget_used("10.0.0.1") == 0
    clock.now += 45
    assert (await get(fake, ACCOUNTS, symbol="BTCUSDT", period="1h")).status_code == 200
    assert [c.status for c in fake.calls] == [200, 200, 429, 200]
    assert {c.client for c in fake.calls} == {"127.0.0.1"}


async def test_forced_failures() -> None:
    fake = make_fake()
    fake.fail_next(418, retry_after=120)
    banned = await get(fake, ACCOUNTS, symbol="BTCUSDT", period="1h")
    assert banned.status_code == 418
    assert banned.headers["Retry-After"] == "120"
    assert_valid(USDM_SPEC, ACCOUNTS, banned)
    fake.fail_next(500, 2)
    for _ in range(2):
        failed = await get(fake, POSITIONS, symbol="BTCUSDT", period="1h")
        assert failed.status_code == 500
        assert_valid(USDM_SPEC, POSITIONS, failed)
    fake.fail_next(429, None, retry_after=7)
    for _ in range(2):
        busy = await get(fake, POSITIONS, symbol="NOPE", period="1h")
        assert busy.status_code == 429
        assert busy.headers["Retry-After"] == "7"
    fake.reset()
    assert (await get(fake, ACCOUNTS, symbol="BTCUSDT", period="1h")).status_code == 200
    assert [c.status for c in fake.calls] == [418, 500, 500, 429, 429, 200]
    assert fake.budget_used() == 1
    fake.clear_log()
    assert fake.calls == ()
    with pytest.raises(ValueError, match="401"):
        fake.fail_next(401)  # type: ignore[arg-type]


def test_served_fakes_answer_the_generated_clients() -> None:
    with (
        running_fake_binance(now=lambda: NOW) as usdm,
        running_fake_binance(now=lambda: NOW, coin_margined=True) as coin_m,
    ):
        assert usdm.base_url.startswith("http://127.0.0.1:")
        assert coin_m.base_url != usdm.base_url
        window: dict[str, Any] = {
            "period": Period.HOUR_1,
            "limit": 500,
            "start_time": (NOW_S - 7200) * 1000,
            "end_time": NOW_S * 1000,
        }
        with binance_futures_api.Client(base_url=usdm.base_url) as api:
            points = usdm_accounts.sync(client=api, symbol="BTCUSDT", **window)
        assert isinstance(points, list)
        assert [p.to_dict() for p in points] == expected(
            "BTCUSDT.P", ACCOUNTS, "1h", NOW_S - 7200, NOW_S
        )
        coin_window = {**window, "period": CoinPeriod.HOUR_1}
        with binance_coin_futures_api.Client(base_url=coin_m.base_url) as api:
            coin_points = coin_positions.sync(client=api, pair="BTCUSD", **coin_window)
        assert isinstance(coin_points, list)
        assert [p.to_dict() for p in coin_points] == expected(
            "BTCUSD.P", POSITIONS, "1h", NOW_S - 7200, NOW_S, coin=True
        )
        assert [c.path for c in usdm.calls] == [ACCOUNTS]
        assert [c.path for c in coin_m.calls] == [POSITIONS]


def test_a_stalled_request_ends_when_the_client_hangs_up() -> None:
    started = time.monotonic()
    with running_fake_binance(now=lambda: NOW) as fake:
        fake.slow_down(600)
        url = f"{fake.base_url}{ACCOUNTS}?symbol=BTCUSDT&period=1h"
        with pytest.raises(httpx.ReadTimeout), httpx.Client(timeout=0.3) as http:
            http.get(url)
        assert fake.wait_for_calls(1)
        assert fake.calls[0].status == 499
        assert fake.delayed == 1
        assert fake.budget_used() == 0
    assert time.monotonic() - started < 60


async def test_the_app_is_reachable_from_its_state() -> None:
    app = fake_binance_app(now=lambda: NOW, coin_margined=True)
    fake: FakeBinance = app.state.fake
    assert fake.app is app
    assert fake.coin_margined
    assert (await get(fake, ACCOUNTS, pair="BTCUSD", period="1h")).status_code == 200
