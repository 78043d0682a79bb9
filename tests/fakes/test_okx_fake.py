"""The fake OKX rubik statistics: answers that hold to upstream/okx.yaml, values that are the
synthetic market's, and its window, limit, errors, budget and switches."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import okx_api
import pytest
from chart_img_server.market import Interval, SeriesKind, native_series, synthetic_catalog
from okx_api.api.rubik import get_top_trader_account_ratio, get_top_trader_position_ratio
from okx_api.models import Period, RatioResponse

from tests.fakes._contract import Clock, assert_valid, load
from tests.fakes.okx import FakeOkx, fake_okx_app, running_fake_okx

SPEC = load("okx.yaml")
NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
NOW_S = 1723472476
ACCOUNTS = "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract-top-trader"
POSITIONS = "/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader"
KINDS = {ACCOUNTS: SeriesKind.TOP_TRADER_ACCOUNTS, POSITIONS: SeriesKind.TOP_TRADER_POSITIONS}
CATALOG = synthetic_catalog()


def make_fake(**options: Any) -> FakeOkx:
    return FakeOkx(now=lambda: NOW, **options)


async def get(fake: FakeOkx, path: str, **params: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url=fake.base_url) as http:
        return await http.get(path, params=params)


def expected(ticker: str, path: str, interval: str, first: int, last: int) -> list[list[str]]:
    """The points the fake must answer, newest first, spelt out from the synthetic series."""
    market = CATALOG.market("OKX", ticker)
    assert market is not None
    series = native_series(market, KINDS[path], Interval.parse(interval), first, last, NOW_S)
    points = [
        [str(int(t) * 1000), repr(float(r))]
        for t, r in zip(series.time, series["ratio"], strict=True)
    ]
    return points[::-1]


@pytest.mark.parametrize("path", [ACCOUNTS, POSITIONS])
@pytest.mark.parametrize(("period", "interval"), [("1H", "1h"), ("5m", "5m"), ("1D", "1D")])
async def test_answers_validate_parse_and_are_the_synthetic_series(
    path: str, period: str, interval: str
) -> None:
    fake = make_fake()
    begin = (NOW_S - 30 * int(Interval.parse(interval).seconds)) * 1000
    response = await get(
        fake, path, instId="BTC-USDT-SWAP", period=period, begin=begin, end=NOW_S * 1000
    )
    assert response.status_code == 200
    assert_valid(SPEC, path, response)
    want = expected("BTCUSDT.P", path, interval, begin // 1000, NOW_S)
    assert response.json() == {"code": "0", "msg": "", "data": want}
    assert len(want) == 30
    module = get_top_trader_account_ratio if path == ACCOUNTS else get_top_trader_position_ratio
    parsed = module._parse_response(client=okx_api.Client(""), response=response)
    assert isinstance(parsed, RatioResponse)
    assert parsed.to_dict() == response.json()


async def test_every_okx_perpetual_is_served() -> None:
    fake = make_fake()
    perpetuals = [m for m in CATALOG.markets if m.exchange == "OKX" and m.perpetual]
    assert len(fake.markets) == len(perpetuals)
    assert fake.market_of("BTC-USD-SWAP") == CATALOG.market("OKX", "BTCUSD.P")
    coin = await get(fake, ACCOUNTS, instId="BTC-USD-SWAP", period="4H")
    assert coin.json()["data"]


async def test_the_newest_limit_points_newest_first() -> None:
    fake = make_fake()
    hour = 3600
    last_open = NOW_S // hour * hour
    answer = (await get(fake, POSITIONS, instId="ETH-USDT-SWAP", period="1H", limit=3)).json()
    assert [int(p[0]) // 1000 for p in answer["data"]] == [last_open - k * hour for k in range(3)]
    default = (await get(fake, POSITIONS, instId="ETH-USDT-SWAP", period="1H")).json()
    assert len(default["data"]) == 100
    end = (last_open - 50 * hour) * 1000
    paged = await get(
        fake, POSITIONS, instId="ETH-USDT-SWAP", period="1H", begin=0, end=end, limit=100
    )
    times = [int(p[0]) for p in paged.json()["data"]]
    assert times[0] == end
    assert times == sorted(times, reverse=True)
    assert len(times) == 100
    window = await get(
        fake, POSITIONS, instId="ETH-USDT-SWAP", period="1H", begin=end - 2 * hour * 1000, end=end
    )
    assert [int(p[0]) for p in window.json()["data"]] == [end, end - hour * 1000, end - 7200_000]
    backwards = await get(fake, POSITIONS, instId="ETH-USDT-SWAP", period="1H", begin=end, end=0)
    assert backwards.json() == {"code": "0", "msg": "", "data": []}
    shallow = make_fake(history_days=2)
    days = (await get(shallow, POSITIONS, instId="ETH-USDT-SWAP", period="1D")).json()["data"]
    assert len(days) == 2


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period": "1H"}, "51000"),
        ({"instId": "NOPE-USDT-SWAP", "period": "1H"}, "51001"),
        ({"instId": "BTC-USDT", "period": "1H"}, "51001"),
        ({"instId": "BTC-USDT-SWAP"}, "51000"),
        ({"instId": "BTC-USDT-SWAP", "period": "1h"}, "51000"),
        ({"instId": "BTC-USDT-SWAP", "period": "1H", "limit": 101}, "51000"),
        ({"instId": "BTC-USDT-SWAP", "period": "1H", "begin": "x"}, "51000"),
    ],
)
@pytest.mark.parametrize("status", [400, 200])
async def test_failures_have_a_non_zero_code(
    params: dict[str, Any], code: str, status: int
) -> None:
    fake = make_fake(error_status=status, monotonic=Clock())
    response = await get(fake, ACCOUNTS, **params)
    assert response.status_code == status
    assert_valid(SPEC, ACCOUNTS, response)
    assert response.json()["code"] == code
    assert response.json()["data"] == []
    assert fake.budget_used() == 0


async def test_requests_are_budgeted_per_ip_over_a_rolling_window() -> None:
    clock = Clock()
    fake = make_fake(monotonic=clock)
    for _ in range(5):
        assert (await get(fake, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")).status_code == 200
    refused = await get(fake, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")
    assert refused.status_code == 429
    assert_valid(SPEC, ACCOUNTS, refused)
    assert refused.json() == {"code": "50011", "msg": "Too Many Requests", "data": []}
    assert fake.calls[-1].retry_after == 2
    clock.now += 2
    assert (await get(fake, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")).status_code == 200
    slower = make_fake(monotonic=clock, requests_per_window=1, window_seconds=10)
    await get(slower, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")
    clock.now += 3
    assert (await get(slower, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")).status_code == 429
    assert slower.calls[-1].retry_after == 7


async def test_forced_failures() -> None:
    fake = make_fake()
    fake.fail_next(500)
    failed = await get(fake, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")
    assert failed.status_code == 500
    assert_valid(SPEC, ACCOUNTS, failed)
    fake.fail_next(429, None)
    for _ in range(2):
        busy = await get(fake, POSITIONS, instId="BTC-USDT-SWAP", period="1H")
        assert busy.status_code == 429
        assert busy.json()["code"] == "50011"
    fake.reset()
    assert (await get(fake, ACCOUNTS, instId="BTC-USDT-SWAP", period="1H")).status_code == 200
    assert [c.status for c in fake.calls] == [500, 429, 429, 200]
    with pytest.raises(ValueError, match="418"):
        fake.fail_next(418)  # type: ignore[arg-type]


def test_served_fake_answers_the_generated_client() -> None:
    with running_fake_okx(now=lambda: NOW) as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        with okx_api.Client(base_url=fake.base_url) as api:
            answer = get_top_trader_account_ratio.sync(
                client=api,
                inst_id="SOL-USDT-SWAP",
                period=Period.HOUR_4,
                begin=(NOW_S - 86400) * 1000,
                end=NOW_S * 1000,
                limit=100,
            )
        assert isinstance(answer, RatioResponse)
        assert answer.code == "0"
        assert answer.data == expected("SOLUSDT.P", ACCOUNTS, "4h", NOW_S - 86400, NOW_S)
        assert fake.calls[0].param("instId") == "SOL-USDT-SWAP"


async def test_the_app_is_reachable_from_its_state() -> None:
    app = fake_okx_app(now=lambda: NOW)
    fake: FakeOkx = app.state.fake
    assert fake.app is app
    assert fake.base_url == "http://www.okx.fake"
