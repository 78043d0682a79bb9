"""Coinalyze v1 as upstream/coinalyze.yaml records it: a valid document whose examples hold, and
a generated client (coinalyze_api) that sends what upstream expects and parses every documented
answer."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from coinalyze_api import AuthenticatedClient, models
from coinalyze_api.api.coinalyze import get_ohlcv_history
from coinalyze_api.models import (
    ConvertToUsd,
    Denomination,
    ErrorMessage,
    FutureMarket,
    Interval,
    Margined,
    OhlcvHistory,
)
from openapi_spec_validator import validate

from tests.contract.test_generated_client import Recorder, documented_json_responses, operations
from tests.contract.test_spec import (
    Example,
    operation_examples,
    resolve,
    schema_examples,
    schema_validator,
)

KEY = "coinalyze-test-key"
BASE_URL = "https://api.coinalyze.net/v1"
SYMBOLS = "BTCUSDT_PERP.A,BTCUSD_PERP.A"
FROM, TO = 1795392000, 1795406400  # 2026-11-23 00:00 and 04:00 UTC, in seconds
HISTORY = ["symbols", "interval", "from", "to"]
# The nine operations chart-img-kit uses: operationId and the query parameters, in order.
OPERATIONS = {
    "/exchanges": ("getExchanges", []),
    "/future-markets": ("getFutureMarkets", []),
    "/spot-markets": ("getSpotMarkets", []),
    "/open-interest-history": ("getOpenInterestHistory", [*HISTORY, "convert_to_usd"]),
    "/funding-rate-history": ("getFundingRateHistory", HISTORY),
    "/predicted-funding-rate-history": ("getPredictedFundingRateHistory", HISTORY),
    "/liquidation-history": ("getLiquidationHistory", [*HISTORY, "convert_to_usd"]),
    "/long-short-ratio-history": ("getLongShortRatioHistory", HISTORY),
    "/ohlcv-history": ("getOhlcvHistory", HISTORY),
}
INTERVALS = [
    "1min",
    "5min",
    "15min",
    "30min",
    "1hour",
    "2hour",
    "4hour",
    "6hour",
    "12hour",
    "daily",
]
# What each query parameter is called in Python, the value given, and how it must be sent.
ARGUMENTS: dict[str, tuple[str, Any, str]] = {
    "symbols": ("symbols", SYMBOLS, SYMBOLS),
    "interval": ("interval", Interval.HOUR_1, "1hour"),
    "from": ("from_", FROM, str(FROM)),
    "to": ("to", TO, str(TO)),
    "convert_to_usd": ("convert_to_usd", ConvertToUsd.TRUE, "true"),
}


def parameter_names(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    return [resolve(spec, parameter)["name"] for parameter in operation.get("parameters", [])]


def operation_module(operation: dict[str, Any]) -> ModuleType:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
    return importlib.import_module(f"coinalyze_api.api.{operation['tags'][0]}.{snake}")


def arguments(names: list[str]) -> dict[str, Any]:
    return {ARGUMENTS[name][0]: ARGUMENTS[name][1] for name in names}


def client_answering(response: httpx.Response) -> tuple[AuthenticatedClient, Recorder]:
    recorder = Recorder(response)
    client = AuthenticatedClient(
        base_url=BASE_URL,
        token=KEY,
        prefix="",
        auth_header_name="api_key",
        httpx_args={"transport": httpx.MockTransport(recorder)},
    )
    return client, recorder


def header_examples(spec: dict[str, Any]) -> Iterator[Example]:
    for name, response in spec["components"]["responses"].items():
        for header, definition in response.get("headers", {}).items():
            for label, example in definition.get("examples", {}).items():
                yield f"{name} {header} example {label}", definition["schema"], example["value"]


def item_model(spec: dict[str, Any], operation: dict[str, Any]) -> type[Any]:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array"
    model: type[Any] = getattr(models, schema["items"]["$ref"].rsplit("/", 1)[1])
    return model


# The document


def test_document_is_valid_openapi_3_1(coinalyze_spec: dict[str, Any]) -> None:
    assert coinalyze_spec["openapi"] == "3.1.0"
    validate(coinalyze_spec)
    assert [server["url"] for server in coinalyze_spec["servers"]] == [BASE_URL]


def test_info_says_what_the_document_is_and_what_is_unconfirmed(
    coinalyze_spec: dict[str, Any],
) -> None:
    description = coinalyze_spec["info"]["description"]
    assert "written-down record of the\nupstream contract" in description
    assert "public\ndocumentation" in description
    unconfirmed = description.split("## Unconfirmed", 1)[1]
    assert len(re.findall(r"^\d+\. \*\*", unconfirmed, re.MULTILINE)) >= 10
    assert coinalyze_spec["info"]["license"]["identifier"] == "MIT"
    assert coinalyze_spec["info"]["contact"]["name"]


def test_operations_are_the_nine_we_use(coinalyze_spec: dict[str, Any]) -> None:
    found = {}
    for method, path, operation in operations(coinalyze_spec):
        assert method == "get", path
        assert operation["tags"] == ["coinalyze"], path
        assert operation["summary"], path
        assert operation["description"], path
        found[path] = (operation["operationId"], parameter_names(coinalyze_spec, operation))
        for parameter in operation.get("parameters", []):
            parameter = resolve(coinalyze_spec, parameter)
            assert parameter["in"] == "query"
            assert parameter["required"] is (parameter["name"] != "convert_to_usd")
    assert found == OPERATIONS


def test_only_the_api_key_header_is_sent(coinalyze_spec: dict[str, Any]) -> None:
    schemes = coinalyze_spec["components"]["securitySchemes"]
    assert list(schemes) == ["ApiKeyHeader"]
    assert {key: schemes["ApiKeyHeader"][key] for key in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "api_key",
    }
    assert coinalyze_spec["security"] == [{"ApiKeyHeader": []}]
    assert all("security" not in operation for _, _, operation in operations(coinalyze_spec))


def test_enums_match_upstream_and_the_generated_client(coinalyze_spec: dict[str, Any]) -> None:
    schemas = coinalyze_spec["components"]["schemas"]
    assert schemas["Interval"]["enum"] == INTERVALS
    assert schemas["ConvertToUsd"]["enum"] == ["true", "false"]
    assert schemas["Margined"]["enum"] == ["STABLE", "COIN"]
    assert schemas["Denomination"]["enum"] == ["BASE_ASSET", "QUOTE_ASSET"]
    enums = {name: schema for name, schema in schemas.items() if "enum" in schema}
    assert set(enums) == {"Interval", "ConvertToUsd", "Margined", "Denomination"}
    for name, schema in enums.items():
        generated = getattr(models, name)
        members = {member.value: member.name for member in generated}  # the generator sorts them
        assert members == dict(zip(schema["enum"], schema["x-enum-varnames"], strict=True)), name


def test_errors_are_documented(coinalyze_spec: dict[str, Any]) -> None:
    responses = coinalyze_spec["components"]["responses"]
    for _, path, operation in operations(coinalyze_spec):
        statuses = set(operation["responses"])
        expected = {"200", "401", "429", "500"} | ({"400"} if OPERATIONS[path][1] else set())
        assert statuses == expected, path
    unauthorized = responses["Unauthorized"]["content"]["application/json"]["examples"]
    assert [example["value"] for example in unauthorized.values()] == [
        {"message": "Invalid/Missing API key"}
    ]
    retry_after = responses["TooManyRequests"]["headers"]["Retry-After"]
    assert retry_after["schema"]["type"] == "integer"
    assert retry_after["required"] is True
    for name in ("BadRequest", "Unauthorized", "TooManyRequests"):
        schema = responses[name]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorMessage"}, name


@pytest.mark.parametrize("source", [operation_examples, schema_examples, header_examples])
def test_every_example_validates(coinalyze_spec: dict[str, Any], source: Any) -> None:
    examples = list(source(coinalyze_spec))
    assert examples
    failures = [
        f"{where}: {error.message}"
        for where, schema, value in examples
        for error in schema_validator(coinalyze_spec, schema).iter_errors(value)
    ]
    assert failures == []


def test_every_schema_parameter_and_response_has_examples(coinalyze_spec: dict[str, Any]) -> None:
    for name, schema in coinalyze_spec["components"]["schemas"].items():
        assert schema.get("examples"), name
    for name, parameter in coinalyze_spec["components"]["parameters"].items():
        assert parameter.get("examples"), name
    described = {where.split(" example ")[0] for where, _, _ in operation_examples(coinalyze_spec)}
    expected = set()
    for method, path, operation in operations(coinalyze_spec):
        for status, response in operation["responses"].items():
            if "application/json" in resolve(coinalyze_spec, response).get("content", {}):
                expected.add(f"{method.upper()} {path} {status} application/json")
    assert len(expected) >= 9 * 4 - 3
    assert expected - described == set()


def test_examples_use_the_symbols_of_the_reference(coinalyze_spec: dict[str, Any]) -> None:
    symbols = {
        item["symbol"]
        for _, _, operation in operations(coinalyze_spec)
        for status, _, example in documented_json_responses(coinalyze_spec, operation)
        if status == 200
        for item in example
        if "symbol" in item
    }
    assert {"BTCUSDT_PERP.A", "BTCUSD_PERP.A", "BTCUSD.A", "BTCUSD.C", "BTCUSDT.6"} <= symbols


# The generated client


def test_each_operation_sends_the_key_path_and_query(coinalyze_spec: dict[str, Any]) -> None:
    for method, path, operation in operations(coinalyze_spec):
        names = parameter_names(coinalyze_spec, operation)
        module = operation_module(operation)
        signature = set(inspect.signature(module.sync_detailed).parameters) - {"client"}
        assert signature == {ARGUMENTS[name][0] for name in names}, path
        client, recorder = client_answering(httpx.Response(500))
        module.sync_detailed(client=client, **arguments(names))
        (request,) = recorder.requests
        assert request.method == method.upper()
        assert str(request.url.copy_with(query=None)) == BASE_URL + path
        assert request.headers["api_key"] == KEY
        assert "authorization" not in request.headers
        assert dict(request.url.params) == {name: ARGUMENTS[name][2] for name in names}, path
        assert len(request.url.params.multi_items()) == len(names), path


@pytest.mark.parametrize("path", ["/open-interest-history", "/liquidation-history"])
def test_convert_to_usd_is_sent_only_when_given(coinalyze_spec: dict[str, Any], path: str) -> None:
    module = operation_module(coinalyze_spec["paths"][path]["get"])
    sent = []
    for convert in (None, ConvertToUsd.FALSE, ConvertToUsd.TRUE):
        client, recorder = client_answering(httpx.Response(200, json=[]))
        extra = {} if convert is None else {"convert_to_usd": convert}
        response = module.sync_detailed(client=client, **arguments(HISTORY), **extra)
        assert response.parsed == []
        sent.append(recorder.requests[0].url.params.get("convert_to_usd"))
    assert sent == [None, "false", "true"]


@pytest.mark.parametrize("interval", list(Interval), ids=str)
def test_every_interval_is_sent_as_upstream_spells_it(interval: Interval) -> None:
    client, recorder = client_answering(httpx.Response(200, json=[]))
    get_ohlcv_history.sync_detailed(
        client=client, symbols="BTCUSD.A", interval=interval, from_=FROM, to=TO
    )
    assert recorder.requests[0].url.params["interval"] == interval.value
    assert interval.value in INTERVALS


def test_every_documented_json_response_parses(coinalyze_spec: dict[str, Any]) -> None:
    parsed_count = 0
    covered = set()
    for _, path, operation in operations(coinalyze_spec):
        module = operation_module(operation)
        model = item_model(coinalyze_spec, operation)
        names = parameter_names(coinalyze_spec, operation)
        for status, label, example in documented_json_responses(coinalyze_spec, operation):
            headers = {"Retry-After": "17"} if status == 429 else {}
            client, _ = client_answering(httpx.Response(status, json=example, headers=headers))
            response = module.sync_detailed(client=client, **arguments(names))
            assert response.status_code == status, label
            if status == 200:
                assert isinstance(response.parsed, list), label
                assert all(isinstance(item, model) for item in response.parsed), label
                assert [item.to_dict() for item in response.parsed] == example, label
            else:
                assert isinstance(response.parsed, ErrorMessage), label
                assert response.parsed.to_dict() == example, label
            if status == 429:
                assert int(response.headers["Retry-After"]) == 17
            covered.add((path, status))
            parsed_count += 1
    assert {path for path, _ in covered} == set(OPERATIONS)
    assert {status for _, status in covered} == {200, 400, 401, 429}
    assert parsed_count >= 37


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>500 Internal Server Error</body></html>", "text/html"),
        (b'{"message": "Internal Server Error"}', "application/json"),
    ],
)
def test_a_500_is_returned_unparsed_whatever_its_body(
    coinalyze_spec: dict[str, Any], body: bytes, content_type: str
) -> None:
    for _, _, operation in operations(coinalyze_spec):
        client, _ = client_answering(
            httpx.Response(500, content=body, headers={"content-type": content_type})
        )
        names = parameter_names(coinalyze_spec, operation)
        response = operation_module(operation).sync_detailed(client=client, **arguments(names))
        assert response.status_code == 500
        assert response.parsed is None
        assert response.content == body


def test_markets_parse_into_typed_fields(coinalyze_spec: dict[str, Any]) -> None:
    operation = coinalyze_spec["paths"]["/future-markets"]["get"]
    (example,) = [
        ex
        for status, _, ex in documented_json_responses(coinalyze_spec, operation)
        if status == 200
    ]
    markets = {item["symbol"]: FutureMarket.from_dict(item) for item in example}
    linear, inverse = markets["BTCUSDT_PERP.A"], markets["BTCUSD_PERP.A"]
    assert (linear.margined, linear.oi_lq_vol_denominated_in) == (
        Margined.STABLE,
        Denomination.BASE_ASSET,
    )
    assert (inverse.margined, inverse.oi_lq_vol_denominated_in) == (
        Margined.COIN,
        Denomination.QUOTE_ASSET,
    )
    assert linear.expire_at is None
    assert linear.is_perpetual
    dated = markets["BTCUSDT_261225.A"]
    assert not dated.is_perpetual
    assert dated.expire_at == 1798185600000  # milliseconds: 2026-12-25 08:00 UTC


async def test_the_async_client_sends_and_parses_the_same(coinalyze_spec: dict[str, Any]) -> None:
    operation = coinalyze_spec["paths"]["/ohlcv-history"]["get"]
    examples = [ex for status, _, ex in documented_json_responses(coinalyze_spec, operation)]
    client, recorder = client_answering(httpx.Response(200, json=examples[0]))  # first is a 200
    response = await get_ohlcv_history.asyncio_detailed(
        client=client, symbols=SYMBOLS, interval=Interval.HOUR_1, from_=FROM, to=TO
    )
    (request,) = recorder.requests
    assert request.headers["api_key"] == KEY
    assert request.url.path == "/v1/ohlcv-history"
    assert dict(request.url.params) == {
        "symbols": SYMBOLS,
        "interval": "1hour",
        "from": str(FROM),
        "to": str(TO),
    }
    assert isinstance(response.parsed, list)
    first = response.parsed[0]
    assert isinstance(first, OhlcvHistory)
    assert first.symbol == "BTCUSDT_PERP.A"
    point = first.history[0]
    assert (point.t, point.v, point.bv, point.tx, point.btx) == (
        FROM,
        1523.412,
        801.205,
        45123,
        23456,
    )
