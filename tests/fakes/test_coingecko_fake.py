"""The fake CoinGecko: answers that hold to upstream/coingecko.yaml, market caps that are the
synthetic market's, decoys that share a symbol, and its granularity, key, 365-day limit,
budget and switches."""

from __future__ import annotations

import datetime
import itertools
from typing import Any, Literal

import coingecko_api
import httpx
import numpy as np
import pytest
from chart_img_server.market import coin_market_cap, synthetic_catalog
from chart_img_server.market.coingecko._ids import PINNED_IDS
from coingecko_api.api.coins import get_coin_market_chart_range, get_coins_list, get_coins_markets
from coingecko_api.models import MarketChart, MarketsOrder

from tests.fakes._contract import Clock, assert_valid, load
from tests.fakes.coingecko import (
    FakeCoinGecko,
    fake_coingecko_app,
    running_fake_coingecko,
    sample_times,
)

SPEC = load("coingecko.yaml")
NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
NOW_S = 1723472476
CHART = "/coins/{id}/market_chart/range"
DAY = 86400
CATALOG = synthetic_catalog()
COINS = {m.coin for m in CATALOG.markets}


def make_fake(**options: Any) -> FakeCoinGecko:
    return FakeCoinGecko(now=lambda: NOW, **options)


async def get(
    fake: FakeCoinGecko, path: str, key: str | None = "default", **params: Any
) -> httpx.Response:
    headers = {}
    if key is not None:
        headers["x-cg-demo-api-key"] = fake.api_key or "" if key == "default" else key
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url=fake.base_url, headers=headers
    ) as http:
        return await http.get(path.lstrip("/"), params=params)


def chart(coin_id: str, first: int, last: int) -> dict[str, Any]:
    return {"vs_currency": "usd", "from": first, "to": last}


async def test_the_list_has_every_coin_and_decoys_sharing_symbols() -> None:
    fake = make_fake()
    response = await get(fake, "/coins/list")
    assert response.status_code == 200
    assert_valid(SPEC, "/coins/list", response)
    listed = response.json()
    parsed = get_coins_list._parse_response(client=coingecko_api.Client(""), response=response)
    assert isinstance(parsed, list)
    assert [entry.to_dict() for entry in parsed] == listed
    ids = {entry["id"] for entry in listed}
    assert len(ids) == len(listed)
    for coin in COINS:
        coin_id = PINNED_IDS.get(coin, coin.lower())
        assert {"id": coin_id, "symbol": coin.lower()}.items() <= next(
            e for e in listed if e["id"] == coin_id
        ).items()
    decoys = [e for e in listed if e["id"] not in {PINNED_IDS.get(c, c.lower()) for c in COINS}]
    assert {d["symbol"] for d in decoys} >= {"eth", "pepe", "btc"}
    assert any(d["id"].startswith("bridged-") for d in decoys)
    assert fake.decoys_of("PEPE") == ["pepe-bsc"]


async def test_markets_rank_the_real_coin_above_its_decoys() -> None:
    fake = make_fake()
    unpinned = next(c for c in sorted(COINS) if c not in PINNED_IDS)
    for coin in ("PEPE", "ETH", unpinned):
        candidates = sorted([fake.id_of(coin), *fake.decoys_of(coin)])
        assert len(candidates) == 2
        response = await get(
            fake,
            "/coins/markets",
            vs_currency="usd",
            ids=",".join(candidates),
            order="market_cap_desc",
        )
        assert response.status_code == 200
        assert_valid(SPEC, "/coins/markets", response)
        real, decoy = response.json()
        assert real["id"] == fake.id_of(coin)
        cap = float(coin_market_cap(coin, np.array([NOW_S]))[0])
        assert real["market_cap"] == cap
        assert decoy["market_cap"] == pytest.approx(cap * 0.001)
        assert real["market_cap_rank"] < decoy["market_cap_rank"]
        assert real["current_price"] > 0
        parsed = get_coins_markets._parse_response(
            client=coingecko_api.Client(""), response=response
        )
        assert isinstance(parsed, list)
        assert [m.market_cap for m in parsed] == [real["market_cap"], decoy["market_cap"]]
    ascending = await get(
        fake, "/coins/markets", vs_currency="usd", ids="pepe,pepe-bsc,nope", order="market_cap_asc"
    )
    assert [m["id"] for m in ascending.json()] == ["pepe-bsc", "pepe"]
    page = await get(fake, "/coins/markets", vs_currency="usd", per_page=3, page=1)
    assert [m["market_cap_rank"] for m in page.json()] == [1, 2, 3]
    caps = [m["market_cap"] for m in page.json()]
    assert caps == sorted(caps, reverse=True)


@pytest.mark.parametrize(
    ("span", "step"),
    [(3600, 300), (DAY - 1, 300), (DAY, 3600), (90 * DAY, 3600), (90 * DAY + 1, DAY)],
)
async def test_chart_granularity_follows_the_span_and_ends_at_now(span: int, step: int) -> None:
    fake = make_fake()
    first = NOW_S + 10 - span  # the span is `to - from`
    response = await get(
        fake, "/coins/bitcoin/market_chart/range", **chart("bitcoin", first, NOW_S + 10)
    )
    assert response.status_code == 200
    assert_valid(SPEC, CHART, response)
    body = response.json()
    times = [t // 1000 for t, _ in body["market_caps"]]
    assert times[0] >= first
    assert times[0] - first < step
    assert all(t % step == 0 for t in times[:-1])
    assert all(b - a == step for a, b in itertools.pairwise(times[:-1]))
    assert times[-1] == NOW_S  # off the grid: the latest sample
    assert times == sample_times(first, NOW_S + 10, NOW_S)
    caps = coin_market_cap("BTC", np.array(times, dtype=np.int64)).tolist()
    assert [v for _, v in body["market_caps"]] == caps
    assert [t for t, _ in body["prices"]] == [t for t, _ in body["market_caps"]]
    assert len(body["total_volumes"]) == len(times)
    parsed = get_coin_market_chart_range._parse_response(
        client=coingecko_api.Client(""), response=response
    )
    assert isinstance(parsed, MarketChart)
    assert parsed.to_dict() == body


async def test_a_window_in_the_past_has_no_extra_sample() -> None:
    fake = make_fake()
    first, last = NOW_S - 3 * DAY, NOW_S - 2 * DAY  # hourly; `to` not on the hour
    body = (
        await get(fake, "/coins/solana/market_chart/range", **chart("solana", first, last))
    ).json()
    times = [t // 1000 for t, _ in body["market_caps"]]
    assert times[-1] == last
    assert times[-2] == last // 3600 * 3600
    future = (
        await get(
            fake, "/coins/solana/market_chart/range", **chart("solana", NOW_S + 60, NOW_S + 600)
        )
    ).json()
    assert future == {"prices": [], "market_caps": [], "total_volumes": []}
    decoy = (await get(fake, "/coins/pepe-bsc/market_chart/range", **chart("", first, last))).json()
    caps = coin_market_cap("PEPE", np.array([t // 1000 for t, _ in decoy["market_caps"]])) * 0.001
    assert [v for _, v in decoy["market_caps"]] == caps.tolist()


async def test_a_demo_key_reaches_365_days_back() -> None:
    fake = make_fake()
    oldest = NOW_S - 365 * DAY
    fine = await get(fake, "/coins/bitcoin/market_chart/range", **chart("", oldest, oldest + DAY))
    assert fine.status_code == 200
    refused = await get(fake, "/coins/bitcoin/market_chart/range", **chart("", oldest - 1, NOW_S))
    assert refused.status_code == 401
    assert_valid(SPEC, CHART, refused)
    assert refused.json()["error"]["status"]["error_code"] == 10012
    unlimited = make_fake(history_days=None)
    days = await get(
        unlimited, "/coins/bitcoin/market_chart/range", **chart("", oldest - DAY, NOW_S)
    )
    assert days.status_code == 200
    assert len(days.json()["market_caps"]) == 367


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/coins/nope/market_chart/range", {"vs_currency": "usd", "from": 0, "to": 1}, 404),
        ("/coins/bitcoin/market_chart/range", {"vs_currency": "eur", "from": 0, "to": 1}, 400),
        ("/coins/bitcoin/market_chart/range", {"vs_currency": "usd", "to": 1}, 400),
        ("/coins/bitcoin/market_chart/range", {"vs_currency": "usd", "from": "1.5", "to": 9}, 400),
        ("/coins/markets", {"vs_currency": "usd", "ids": "a,,b"}, 400),
        ("/coins/markets", {"vs_currency": "usd", "order": "random"}, 400),
        ("/coins/markets", {"vs_currency": "usd", "per_page": 251}, 400),
        ("/coins/markets", {}, 400),
    ],
)
async def test_bad_requests(path: str, params: dict[str, Any], status: int) -> None:
    fake = make_fake(monotonic=Clock())
    response = await get(fake, path, **params)
    assert response.status_code == status
    assert_valid(SPEC, CHART if "range" in path else path, response)
    assert "error" in response.json()
    assert fake.budget_used() == 0


async def test_the_key_is_checked_when_configured() -> None:
    fake = make_fake()
    missing = await get(fake, "/coins/list", key=None)
    assert missing.status_code == 401
    assert_valid(SPEC, "/coins/list", missing)
    assert missing.json()["status"]["error_code"] == 10002
    wrong = await get(fake, "/coins/list", key="wrong")
    assert wrong.json()["status"]["error_code"] == 10010
    keyless = make_fake(api_key=None)
    assert (await get(keyless, "/coins/list", key=None)).status_code == 200
    assert keyless.calls[-1].client == "127.0.0.1"
    assert keyless.budget_used() == 1


async def test_calls_are_budgeted_over_a_rolling_minute() -> None:
    clock = Clock()
    fake = make_fake(monotonic=clock)
    for second in range(30):
        clock.now = 1000.0 + second
        assert (await get(fake, "/coins/list")).status_code == 200
    refused = await get(fake, "/coins/list")
    assert refused.status_code == 429
    assert_valid(SPEC, "/coins/list", refused)
    assert "Retry-After" not in refused.headers
    assert refused.json()["status"]["error_code"] == 429
    assert fake.calls[-1].retry_after == 31
    clock.now = 1060.0
    assert (await get(fake, "/coins/list")).status_code == 200
    assert fake.budget_used() == 30


async def test_forced_failures() -> None:
    fake = make_fake()
    statuses: tuple[Literal[401, 429, 500], ...] = (500, 401, 429)
    for status in statuses:
        fake.fail_next(status)
        response = await get(fake, "/coins/markets", vs_currency="usd")
        assert response.status_code == status
        assert_valid(SPEC, "/coins/markets", response)
    assert fake.budget_used() == 0
    with pytest.raises(ValueError, match="404"):
        fake.fail_next(404)  # type: ignore[arg-type]


def test_served_fake_answers_the_generated_client() -> None:
    with running_fake_coingecko(now=lambda: NOW) as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert fake.base_url.endswith("/api/v3")
        assert fake.api_key is not None
        with coingecko_api.AuthenticatedClient(
            base_url=fake.base_url,
            token=fake.api_key,
            prefix="",
            auth_header_name="x-cg-demo-api-key",
        ) as api:
            listed = get_coins_list.sync(client=api)
            assert isinstance(listed, list)
            markets = get_coins_markets.sync(
                client=api,
                vs_currency="usd",
                ids="pepe,pepe-bsc",
                order=MarketsOrder.MARKET_CAP_DESC,
            )
            assert isinstance(markets, list)
            assert markets[0].id == "pepe"
            chart_answer = get_coin_market_chart_range.sync(
                "bitcoin", client=api, vs_currency="usd", from_=NOW_S - 7200, to=NOW_S
            )
            assert isinstance(chart_answer, MarketChart)
            assert [p[1] for p in chart_answer.market_caps] == coin_market_cap(
                "BTC", np.array(sample_times(NOW_S - 7200, NOW_S, NOW_S))
            ).tolist()
        assert [c.status for c in fake.calls] == [200, 200, 200]
        assert fake.calls[-1].path == "/coins/bitcoin/market_chart/range"


async def test_the_app_is_reachable_from_its_state() -> None:
    app = fake_coingecko_app(now=lambda: NOW, api_key="k")
    fake: FakeCoinGecko = app.state.fake
    assert fake.app is app
    assert (await get(fake, "/coins/list", key="k")).status_code == 200
