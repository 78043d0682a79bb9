"""OKX's public trading statistics as upstream/okx.yaml records them: a valid document whose
examples hold, and a generated client (okx_api) that sends what upstream expects and parses
every documented answer, `[ts, ratio]` pairs included."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from okx_api.api.rubik import get_top_trader_account_ratio, get_top_trader_position_ratio
from okx_api.models import OkxError, Period, RatioResponse

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

BEGIN, END = 1795392000000, 1795406400000  # 2026-11-23 00:00 and 04:00 UTC, in milliseconds
OKX = Upstream(
    document="upstream/okx.yaml",
    package="okx_api",
    base_url="https://www.okx.com",
    arguments={
        "instId": ("inst_id", "BTC-USDT-SWAP", "BTC-USDT-SWAP"),
        "period": ("period", Period.HOUR_1, "1H"),
        "begin": ("begin", BEGIN, str(BEGIN)),
        "end": ("end", END, str(END)),
        "limit": ("limit", 100, "100"),
    },
)
PREFIX = "/api/v5/rubik/stat/contracts/"
OPERATIONS = {
    PREFIX + "long-short-account-ratio-contract-top-trader": "getTopTraderAccountRatio",
    PREFIX + "long-short-position-ratio-contract-top-trader": "getTopTraderPositionRatio",
}
PERIODS = ["5m", "15m", "30m", "1H", "2H", "4H", "6H", "12H", "1D"]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return OKX.spec()


# The document


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert document_problems(spec, OKX.base_url) == []


def test_info_says_what_the_document_is_and_what_is_unconfirmed(spec: dict[str, Any]) -> None:
    assert info_problems(spec, at_least=10) == []


def test_operations_are_the_two_ratios_without_a_key(spec: dict[str, Any]) -> None:
    assert spec["security"] == []
    assert "securitySchemes" not in spec["components"]
    assert {path: op["operationId"] for _, path, op in operations(spec)} == OPERATIONS
    for _, _, operation in operations(spec):
        assert parameter_names(spec, operation) == ["instId", "period", "begin", "end", "limit"]
        assert required_names(spec, operation) == ["instId", "period"]
        assert set(operation["responses"]) == {"200", "400", "429", "500"}


def test_enums_match_upstream_and_the_generated_client(spec: dict[str, Any]) -> None:
    assert spec["components"]["schemas"]["Period"]["enum"] == PERIODS
    assert enum_mismatches(spec, OKX.models()) == []


def test_every_example_validates(spec: dict[str, Any]) -> None:
    assert example_failures(spec) == []


def test_every_schema_parameter_and_response_has_examples(spec: dict[str, Any]) -> None:
    assert missing_examples(spec) == []


def test_data_is_newest_first_and_only_under_code_0(spec: dict[str, Any]) -> None:
    for _, _, operation in operations(spec):
        for status, label, example in documented_json_responses(spec, operation):
            stamps = [int(ts) for ts, _ in example["data"]]
            assert stamps == sorted(stamps, reverse=True), label
            assert example["code"] == "0" or example["data"] == [], label
            assert (example["code"] == "0") is (status == 200 and example["msg"] == ""), label


# The generated client


def test_each_operation_sends_its_path_and_query(spec: dict[str, Any]) -> None:
    assert request_problems(OKX, spec) == []


def test_no_key_or_authorization_is_sent(spec: dict[str, Any]) -> None:
    for _, _, operation in operations(spec):
        client, recorder = OKX.client(
            httpx.Response(200, json={"code": "0", "msg": "", "data": []})
        )
        OKX.call(operation, client, required_names(spec, operation))
        headers = {name.lower() for name in recorder.requests[0].headers}
        assert headers <= {"host", "accept", "accept-encoding", "connection", "user-agent"}


@pytest.mark.parametrize("period", list(Period), ids=str)
def test_every_period_is_sent_as_upstream_spells_it(period: Period) -> None:
    client, recorder = OKX.client(httpx.Response(200, json={"code": "0", "msg": "", "data": []}))
    get_top_trader_account_ratio.sync_detailed(
        client=client, inst_id="ETH-USDT-SWAP", period=period
    )
    assert recorder.requests[0].url.params["period"] == period.value in PERIODS


def test_every_documented_json_response_parses(spec: dict[str, Any]) -> None:
    covered = set()
    for path, status, label, example, parsed in documented_answers(OKX, spec):
        expected = RatioResponse if status == 200 else OkxError
        assert isinstance(parsed, expected), label
        assert as_dict(parsed) == example, label
        covered.add((path, status))
    assert {path for path, _ in covered} == set(OPERATIONS)
    assert {status for _, status in covered} == {200, 400, 429}


def test_pairs_parse_as_lists_of_two_strings(spec: dict[str, Any]) -> None:
    operation = spec["paths"][next(iter(OPERATIONS))]["get"]
    example = next(ex for _, _, ex in documented_json_responses(spec, operation))
    parsed = RatioResponse.from_dict(example)
    assert parsed.code == "0"
    assert parsed.data[0] == ["1795399200000", "1.37"]
    assert all(len(pair) == 2 and all(isinstance(v, str) for v in pair) for pair in parsed.data)
    # what the adapter does with them: oldest first, in numbers
    points = sorted((int(ts), float(ratio)) for ts, ratio in parsed.data)
    assert points[0] == (1795392000000, 1.31)


def test_a_failure_answered_with_200_is_told_by_its_code() -> None:
    body = {"code": "51001", "msg": "Instrument ID does not exist", "data": []}
    client, _ = OKX.client(httpx.Response(200, json=body))
    response = get_top_trader_position_ratio.sync_detailed(
        client=client, inst_id="NOPE-USDT-SWAP", period=Period.DAY_1
    )
    assert isinstance(response.parsed, RatioResponse)
    assert (response.parsed.code, response.parsed.data) == ("51001", [])


async def test_the_async_client_sends_and_parses_the_same() -> None:
    body = {"code": "0", "msg": "", "data": [["1795406400000", "0.97"], ["1795392000000", "0.95"]]}
    client, recorder = OKX.client(httpx.Response(200, json=body))
    response = await get_top_trader_position_ratio.asyncio_detailed(
        client=client, inst_id="BTC-USD-SWAP", period=Period.HOUR_4, begin=BEGIN, end=END
    )
    (request,) = recorder.requests
    assert str(request.url) == (
        "https://www.okx.com/api/v5/rubik/stat/contracts/"
        f"long-short-position-ratio-contract-top-trader?instId=BTC-USD-SWAP&period=4H&begin={BEGIN}&end={END}"
    )
    assert isinstance(response.parsed, RatioResponse)
    assert response.parsed.to_dict() == body
