"""CoinGecko v3 as upstream/coingecko.yaml records it: a valid document whose examples hold, and
a generated client (coingecko_api) that sends what upstream expects, with or without a Demo key,
and parses every documented answer, `[ms, value]` pairs and each error shape included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from coingecko_api.api.coins import get_coin_market_chart_range, get_coins_list, get_coins_markets
from coingecko_api.models import (
    CoinGeckoError,
    CoinListEntry,
    CoinMarket,
    ErrorStatus,
    MarketChart,
    MarketsOrder,
    NestedError,
)

from tests.contract.test_generated_client import documented_json_responses, normalized, operations
from tests.contract.upstream_contract import (
    Upstream,
    as_dict,
    document_problems,
    documented_answers,
    enum_mismatches,
    example_failures,
    info_problems,
    missing_examples,
    parameter_names,
    request_problems,
    required_names,
)

KEY = "CG-demo-test-key"
FROM, TO = 1795392000, 1795406400  # 2026-11-23 00:00 and 04:00 UTC, in seconds
COINGECKO = Upstream(
    document="upstream/coingecko.yaml",
    package="coingecko_api",
    base_url="https://api.coingecko.com/api/v3",
    arguments={
        "id": ("id", "bitcoin", "bitcoin"),
        "vs_currency": ("vs_currency", "usd", "usd"),
        "ids": ("ids", "ethereum,ethereum-wormhole", "ethereum,ethereum-wormhole"),
        "order": ("order", MarketsOrder.MARKET_CAP_DESC, "market_cap_desc"),
        "per_page": ("per_page", 50, "50"),
        "page": ("page", 1, "1"),
        "from": ("from_", FROM, str(FROM)),
        "to": ("to", TO, str(TO)),
    },
    key_header="x-cg-demo-api-key",
)
OPERATIONS = {
    "/coins/list": ("getCoinsList", []),
    "/coins/markets": ("getCoinsMarkets", ["vs_currency", "ids", "order", "per_page", "page"]),
    "/coins/{id}/market_chart/range": (
        "getCoinMarketChartRange",
        ["id", "vs_currency", "from", "to"],
    ),
}
EMPTY_CHART: dict[str, list[list[float]]] = {"prices": [], "market_caps": [], "total_volumes": []}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return COINGECKO.spec()


# The document


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert document_problems(spec, COINGECKO.base_url) == []


def test_info_says_what_the_document_is_and_what_is_unconfirmed(spec: dict[str, Any]) -> None:
    assert info_problems(spec, at_least=10) == []
    description = " ".join(spec["info"]["description"].split())
    for fact in ("about **30 calls a minute**", "**365 days**", "hourly up to 90 days"):
        assert fact.lower() in description.lower(), fact
    assert "a pinned map for the majors" in description
    assert "the one with the largest `market_cap`" in description


def test_operations_are_the_three_we_use(spec: dict[str, Any]) -> None:
    found = {
        path: (op["operationId"], parameter_names(spec, op)) for _, path, op in operations(spec)
    }
    assert found == OPERATIONS
    for _, path, operation in operations(spec):
        assert "security" not in operation, path
        statuses = set(operation["responses"])
        assert {"200", "401", "429", "500"} <= statuses, path
    range_operation = spec["paths"]["/coins/{id}/market_chart/range"]["get"]
    assert required_names(spec, range_operation) == ["id", "vs_currency", "from", "to"]
    assert "404" in range_operation["responses"]


def test_the_demo_key_header_is_optional(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["DemoApiKey"]
    assert {key: scheme[key] for key in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "x-cg-demo-api-key",
    }
    assert spec["security"] == [{"DemoApiKey": []}, {}]


def test_enums_match_upstream_and_the_generated_client(spec: dict[str, Any]) -> None:
    assert enum_mismatches(spec, COINGECKO.models()) == []


def test_every_example_validates(spec: dict[str, Any]) -> None:
    assert example_failures(spec) == []


def test_every_schema_parameter_and_response_has_examples(spec: dict[str, Any]) -> None:
    assert missing_examples(spec) == []


def test_chart_points_are_milliseconds_and_windows_seconds(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/coins/{id}/market_chart/range"]["get"]
    for status, label, example in documented_json_responses(spec, operation):
        if status != 200:
            continue
        for series in example.values():
            times = [time for time, _ in series]
            assert times == sorted(times), label
            assert all(FROM * 1000 <= time <= TO * 1000 for time in times), label
    schemas = spec["components"]["schemas"]
    assert "seconds" in schemas["UnixSeconds"]["description"]
    assert (schemas["ChartPoint"]["minItems"], schemas["ChartPoint"]["maxItems"]) == (2, 2)


# The generated client


def test_each_operation_sends_its_path_and_query(spec: dict[str, Any]) -> None:
    assert request_problems(COINGECKO, spec) == []


@pytest.mark.parametrize("key", [KEY, None], ids=["demo-key", "keyless"])
def test_the_key_goes_in_its_header_only(spec: dict[str, Any], key: str | None) -> None:
    for _, path, operation in operations(spec):
        client, recorder = COINGECKO.client(httpx.Response(500), key=key)
        COINGECKO.call(operation, client, required_names(spec, operation))
        (request,) = recorder.requests
        assert request.headers.get("x-cg-demo-api-key") == key, path
        assert "authorization" not in request.headers
        assert "x-cg-pro-api-key" not in request.headers
        assert KEY not in str(request.url)


def test_every_documented_json_response_parses(spec: dict[str, Any]) -> None:
    expected_models = {
        "/coins/list": CoinListEntry,
        "/coins/markets": CoinMarket,
        "/coins/{id}/market_chart/range": MarketChart,
    }
    covered = set()
    for path, status, label, example, parsed in documented_answers(COINGECKO, spec):
        if status != 200:
            assert isinstance(parsed, CoinGeckoError), label
        elif isinstance(parsed, list):
            assert all(isinstance(item, expected_models[path]) for item in parsed), label
        else:
            assert isinstance(parsed, expected_models[path]), label
        assert normalized(as_dict(parsed)) == normalized(example), label
        covered.add((path, status))
    assert {path for path, _ in covered} == set(OPERATIONS)
    assert {status for _, status in covered} == {200, 400, 401, 404, 429}


def test_every_error_shape_parses_into_its_fields(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]

    def example(response: str, name: str) -> CoinGeckoError:
        value = responses[response]["content"]["application/json"]["examples"][name]["value"]
        return CoinGeckoError.from_dict(value)

    assert example("NotFound", "coinNotFound").error == "coin not found"
    rate = example("TooManyRequests", "rateLimit").status
    assert isinstance(rate, ErrorStatus)
    assert rate.error_code == 429
    nested = example("Unauthorized", "beyond365Days").error
    assert isinstance(nested, NestedError)
    assert nested.status.error_code == 10012


def test_shared_symbols_are_told_apart_by_market_cap(spec: dict[str, Any]) -> None:
    """The adapter's rule, on the documented answers: the /coins/list matches of `ETH`, then the
    one with the largest market cap from /coins/markets."""
    list_example, markets_example = (
        next(
            ex
            for status, _, ex in documented_json_responses(spec, spec["paths"][path]["get"])
            if status == 200
        )
        for path in ("/coins/list", "/coins/markets")
    )
    candidates = sorted(
        entry.id for entry in map(CoinListEntry.from_dict, list_example) if entry.symbol == "eth"
    )
    assert candidates == ["ethereum", "ethereum-wormhole"]
    client, recorder = COINGECKO.client(httpx.Response(200, json=markets_example), key=KEY)
    markets = get_coins_markets.sync(
        client=client,
        vs_currency="usd",
        ids=",".join(candidates),
        order=MarketsOrder.MARKET_CAP_DESC,
        per_page=len(candidates),
    )
    assert dict(recorder.requests[0].url.params) == {
        "vs_currency": "usd",
        "ids": "ethereum,ethereum-wormhole",
        "order": "market_cap_desc",
        "per_page": "2",
    }
    assert isinstance(markets, list)
    chosen = max(markets, key=lambda market: (market.market_cap or 0, market.id))
    assert chosen.id == "ethereum"
    assert markets[1].market_cap is None
    assert markets[0].additional_properties["total_volume"] == 21034577812  # kept, not described


async def test_the_async_client_sends_and_parses_the_same() -> None:
    body = {
        "prices": [[FROM * 1000, 98012.41]],
        "market_caps": [[FROM * 1000, 1941203112345.2]],
        "total_volumes": [[FROM * 1000, 41234567890.1]],
    }
    client, recorder = COINGECKO.client(httpx.Response(200, json=body), key=KEY)
    response = await get_coin_market_chart_range.asyncio_detailed(
        "bitcoin", client=client, vs_currency="usd", from_=FROM, to=TO
    )
    (request,) = recorder.requests
    assert str(request.url) == (
        "https://api.coingecko.com/api/v3/coins/bitcoin/market_chart/range"
        f"?vs_currency=usd&from={FROM}&to={TO}"
    )
    assert request.headers["x-cg-demo-api-key"] == KEY
    assert isinstance(response.parsed, MarketChart)
    assert response.parsed.market_caps == [[FROM * 1000, 1941203112345.2]]
    assert response.parsed.to_dict() == body


def test_the_coin_list_needs_no_parameters() -> None:
    client, recorder = COINGECKO.client(httpx.Response(200, json=[]))
    assert get_coins_list.sync(client=client) == []
    assert str(recorder.requests[0].url) == "https://api.coingecko.com/api/v3/coins/list"
    client, _ = COINGECKO.client(httpx.Response(200, json=EMPTY_CHART))
    chart = get_coin_market_chart_range.sync(
        "bitcoin", client=client, vs_currency="usd", from_=FROM, to=TO
    )
    assert isinstance(chart, MarketChart)
    assert chart.to_dict() == EMPTY_CHART
