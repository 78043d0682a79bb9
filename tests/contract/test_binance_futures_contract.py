"""Binance's public futures data as upstream/binance-futures.yaml (USDⓈ-M, binance_futures_api)
and upstream/binance-coin-futures.yaml (COIN-M, binance_coin_futures_api) record it: valid
documents whose examples hold, and generated clients that send what upstream expects and parse
every documented answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from binance_coin_futures_api.api.futures_data import (
    get_top_long_short_position_ratio as coin_position_ratio,
)
from binance_coin_futures_api.models import CoinTopLongShortRatio
from binance_coin_futures_api.models import Period as CoinPeriod
from binance_futures_api.api.futures_data import get_top_long_short_account_ratio
from binance_futures_api.models import BinanceError, Period, TopLongShortRatio

from tests.contract.test_generated_client import documented_json_responses, operations
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

START, END = 1795392000000, 1795406400000  # 2026-11-23 00:00 and 04:00 UTC, in milliseconds


def window(hourly: Period | CoinPeriod) -> dict[str, tuple[str, Any, str]]:
    return {
        "period": ("period", hourly, "1h"),
        "limit": ("limit", 500, "500"),
        "startTime": ("start_time", START, str(START)),
        "endTime": ("end_time", END, str(END)),
    }


USDS_M = Upstream(
    document="upstream/binance-futures.yaml",
    package="binance_futures_api",
    base_url="https://fapi.binance.com",
    arguments={"symbol": ("symbol", "BTCUSDT", "BTCUSDT"), **window(Period.HOUR_1)},
)
COIN_M = Upstream(
    document="upstream/binance-coin-futures.yaml",
    package="binance_coin_futures_api",
    base_url="https://dapi.binance.com",
    arguments={"pair": ("pair", "BTCUSD", "BTCUSD"), **window(CoinPeriod.HOUR_1)},
)
PATHS = ["/futures/data/topLongShortAccountRatio", "/futures/data/topLongShortPositionRatio"]
OPERATION_IDS = ["getTopLongShortAccountRatio", "getTopLongShortPositionRatio"]
PERIODS = ["5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"]


@pytest.fixture(params=[USDS_M, COIN_M], ids=["usds-m", "coin-m"])
def upstream(request: pytest.FixtureRequest) -> Upstream:
    given: Upstream = request.param
    return given


@pytest.fixture
def spec(upstream: Upstream) -> dict[str, Any]:
    return upstream.spec()


def market_parameter(upstream: Upstream) -> str:
    return "symbol" if upstream is USDS_M else "pair"


# The documents


def test_document_is_valid_openapi_3_1(upstream: Upstream, spec: dict[str, Any]) -> None:
    assert document_problems(spec, upstream.base_url) == []


def test_info_says_what_the_document_is_and_what_is_unconfirmed(spec: dict[str, Any]) -> None:
    assert info_problems(spec, at_least=10) == []


def test_info_says_why_coin_m_is_a_second_document(spec: dict[str, Any]) -> None:
    description = " ".join(spec["info"]["description"].split())
    assert "**same paths**" in description
    assert "openapi-python-client does not route by `servers`" in description
    other = "binance-futures.yaml" if "COIN-M" in spec["info"]["title"] else "binance-coin-futures"
    assert f"upstream/{other}" in description


def test_operations_are_the_two_ratios_without_a_key(
    upstream: Upstream, spec: dict[str, Any]
) -> None:
    assert spec["security"] == []
    assert "securitySchemes" not in spec["components"]
    found = {path: op["operationId"] for _, path, op in operations(spec)}
    assert found == dict(zip(PATHS, OPERATION_IDS, strict=True))
    market = market_parameter(upstream)
    for _, _, operation in operations(spec):
        assert parameter_names(spec, operation) == [
            market,
            "period",
            "limit",
            "startTime",
            "endTime",
        ]
        assert required_names(spec, operation) == [market, "period"]
        assert set(operation["responses"]) == {"200", "400", "418", "429", "500"}
    limit = spec["components"]["parameters"]["Limit"]["schema"]
    assert (limit["maximum"], "default" in limit) == (500, False)


def test_enums_match_upstream_and_the_generated_client(
    upstream: Upstream, spec: dict[str, Any]
) -> None:
    assert spec["components"]["schemas"]["Period"]["enum"] == PERIODS
    assert enum_mismatches(spec, upstream.models()) == []


def test_every_example_validates(spec: dict[str, Any]) -> None:
    assert example_failures(spec) == []


def test_every_schema_parameter_and_response_has_examples(spec: dict[str, Any]) -> None:
    assert missing_examples(spec) == []


def test_times_are_ascending_milliseconds_and_30_days_are_stated(spec: dict[str, Any]) -> None:
    for _, _, operation in operations(spec):
        for status, label, example in documented_json_responses(spec, operation):
            if status == 200:
                stamps = [item["timestamp"] for item in example]
                assert stamps == sorted(stamps), label
                assert all(1_700_000_000_000 < stamp < 2_000_000_000_000 for stamp in stamps)
    assert "**Only the last 30 days exist" in spec["info"]["description"]


# The generated clients


def test_each_operation_sends_its_path_and_query(upstream: Upstream, spec: dict[str, Any]) -> None:
    assert request_problems(upstream, spec) == []


def test_no_key_or_authorization_is_sent(upstream: Upstream, spec: dict[str, Any]) -> None:
    for _, _, operation in operations(spec):
        client, recorder = upstream.client(httpx.Response(200, json=[]))
        upstream.call(operation, client, required_names(spec, operation))
        headers = {name.lower() for name in recorder.requests[0].headers}
        assert headers <= {"host", "accept", "accept-encoding", "connection", "user-agent"}


@pytest.mark.parametrize("period", list(Period), ids=str)
def test_every_period_is_sent_as_upstream_spells_it(period: Period) -> None:
    client, recorder = USDS_M.client(httpx.Response(200, json=[]))
    get_top_long_short_account_ratio.sync_detailed(client=client, symbol="BTCUSDT", period=period)
    assert recorder.requests[0].url.params["period"] == period.value in PERIODS


def test_every_documented_json_response_parses(upstream: Upstream, spec: dict[str, Any]) -> None:
    models = upstream.models()
    element = models.TopLongShortRatio if upstream is USDS_M else models.CoinTopLongShortRatio
    covered = set()
    for path, status, label, example, parsed in documented_answers(upstream, spec):
        if status == 200:
            assert all(isinstance(item, element) for item in parsed), label
        else:
            assert isinstance(parsed, models.BinanceError), label
            assert parsed.code < 0, label
        assert as_dict(parsed) == example, label
        covered.add((path, status))
    assert {path for path, _ in covered} == set(PATHS)
    assert {status for _, status in covered} == {200, 400, 418, 429}


def test_ratios_parse_into_typed_fields() -> None:
    spec = USDS_M.spec()
    operation = spec["paths"][PATHS[0]]["get"]
    example = next(ex for status, _, ex in documented_json_responses(spec, operation) if ex)
    first = TopLongShortRatio.from_dict(example[0])
    assert (first.symbol, first.timestamp) == ("BTCUSDT", START)
    # numbers as strings: the ratio is the long share over the short one
    ratio, long, short = (
        float(v) for v in (first.long_short_ratio, first.long_account, first.short_account)
    )
    assert abs(long + short - 1) < 1e-3
    assert abs(ratio - long / short) < 1e-3


def test_coin_m_shares_parse_under_either_name() -> None:
    spec = COIN_M.spec()
    operation = spec["paths"][PATHS[1]]["get"]
    examples = [ex for status, _, ex in documented_json_responses(spec, operation) if status == 200]
    by_positions, by_accounts = (CoinTopLongShortRatio.from_dict(ex[0]) for ex in examples)
    assert (by_positions.pair, by_positions.long_position, by_positions.short_position) == (
        "BTCUSD",
        "0.4875",
        "0.5125",
    )
    assert (by_accounts.long_account, by_accounts.short_account) == ("0.5240", "0.4760")
    assert by_positions.additional_properties == by_accounts.additional_properties == {}


async def test_the_async_client_sends_and_parses_the_same() -> None:
    element = {
        "pair": "BTCUSD",
        "longShortRatio": "0.9512",
        "longPosition": "0.4875",
        "shortPosition": "0.5125",
        "timestamp": START,
    }
    client, recorder = COIN_M.client(httpx.Response(200, json=[element]))
    response = await coin_position_ratio.asyncio_detailed(
        client=client,
        pair="BTCUSD",
        period=CoinPeriod.HOUR_4,
        start_time=START,
        end_time=END,
        limit=2,
    )
    (request,) = recorder.requests
    assert str(request.url) == (
        "https://dapi.binance.com/futures/data/topLongShortPositionRatio"
        f"?pair=BTCUSD&period=4h&limit=2&startTime={START}&endTime={END}"
    )
    assert isinstance(response.parsed, list)
    assert response.parsed[0].to_dict() == element


def test_a_ban_parses_as_an_error_with_its_retry_after() -> None:
    body = {
        "code": -1003,
        "msg": "Way too many requests; IP(203.0.113.7) banned until 1795392600000.",
    }
    client, _ = USDS_M.client(httpx.Response(418, json=body, headers={"Retry-After": "600"}))
    response = get_top_long_short_account_ratio.sync_detailed(
        client=client, symbol="BTCUSDT", period=Period.MINUTE_5
    )
    assert isinstance(response.parsed, BinanceError)
    assert (response.parsed.code, int(response.headers["Retry-After"])) == (-1003, 600)
