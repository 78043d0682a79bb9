from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chart_img_server import ChartRequest
from chart_img_server.spec import ApiSpec, ecma_regex
from starlette.testclient import TestClient

from .conftest import (
    CHART_PATH,
    DEFAULT_CHART,
    KEY_HEADERS,
    STORAGE_PATH,
    RecordingRenderer,
    assert_documented,
)

JSON_HEADERS = {**KEY_HEADERS, "content-type": "application/json"}


def _post(client: TestClient, body: Any, path: str = CHART_PATH) -> Any:
    return client.post(path, content=json.dumps(body), headers=JSON_HEADERS)


def _field_errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", None),
        (b"", "application/json"),
        (b"", "text/plain"),
        (b"{}", "application/json"),
        (b"{}", "application/json; charset=utf-8"),
        (b"{}", "Application/JSON"),
    ],
)
def test_empty_body_or_object_means_every_default(
    stub_client: TestClient,
    recorder: RecordingRenderer,
    content: bytes,
    content_type: str | None,
) -> None:
    headers = dict(KEY_HEADERS)
    if content_type is not None:
        headers["content-type"] = content_type
    response = stub_client.post(CHART_PATH, content=content, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert recorder.charts == [DEFAULT_CHART]


def test_defaults_come_from_the_spec(spec: ApiSpec) -> None:
    defaults = spec.chart_request_defaults
    assert f"{DEFAULT_CHART.exchange}:{DEFAULT_CHART.ticker}" == defaults["symbol"]
    assert DEFAULT_CHART.width == defaults["width"]
    assert DEFAULT_CHART.timezone == defaults["timezone"]
    assert DEFAULT_CHART.watermark_size == defaults["watermarkSize"]


def test_every_field_reaches_the_renderer(
    stub_client: TestClient, recorder: RecordingRenderer
) -> None:
    body = {
        "symbol": "bybit:solusdt.p",
        "interval": "1h",
        "width": 1280,
        "height": 720.0,
        "theme": "dark",
        "timezone": "America/New_York",
        "format": "jpeg",
        "studies": ["Open Interest", "Buy / Sell Volume"],
        "watermark": "chart-img-kit",
        "watermarkSize": 64,
        "watermarkOpacity": 0.5,
    }
    response = _post(stub_client, body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert recorder.charts == [
        ChartRequest(
            exchange="BYBIT",
            ticker="SOLUSDT.P",
            interval="1h",
            width=1280,
            height=720,
            theme="dark",
            timezone="America/New_York",
            format="jpeg",
            studies=("Open Interest", "Buy / Sell Volume"),
            watermark="chart-img-kit",
            watermark_size=64,
            watermark_opacity=0.5,
        )
    ]


def test_integral_floats_are_integers(stub_client: TestClient, recorder: RecordingRenderer) -> None:
    response = stub_client.post(
        CHART_PATH,
        content=b'{"width": 800.0, "height": 6e2, "watermarkSize": 32.0, "watermarkOpacity": 1}',
        headers=JSON_HEADERS,
    )
    assert response.status_code == 200
    chart = recorder.charts[0]
    assert (chart.width, chart.height, chart.watermark_size) == (800, 600, 32)
    assert all(type(v) is int for v in (chart.width, chart.height, chart.watermark_size))
    assert type(chart.watermark_opacity) is float


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{", "application/json"),
        (b'{"width": 800,}', "application/json"),
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b'"BINANCE:BTCUSDT"', "application/json"),
        (b"42", "application/json"),
        (b'{"width": NaN}', "application/json"),
        (b'{"watermarkOpacity": Infinity}', "application/json"),
        (b'{"width": -Infinity}', "application/json"),
        (b'{"theme": "dark", "theme": "light"}', "application/json"),
        (b'{"a": {"b": 1, "b": 2}}', "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b"{}", "text/plain"),
        (b"{}", "application/x-www-form-urlencoded"),
        (b"{}", "application/jsonp"),
        (b"{}", None),
    ],
)
@pytest.mark.parametrize("path", [CHART_PATH, STORAGE_PATH])
def test_unreadable_bodies_are_400(
    stub_client: TestClient,
    spec: ApiSpec,
    recorder: RecordingRenderer,
    content: bytes,
    content_type: str | None,
    path: str,
) -> None:
    headers = dict(KEY_HEADERS)
    if content_type is not None:
        headers["content-type"] = content_type
    response = stub_client.post(path, content=content, headers=headers)
    assert response.status_code == 400
    assert_documented(spec, response, path, "post")
    assert response.json() == {"message": "Invalid Request"}
    assert recorder.charts == []


def test_the_documented_field_error(stub_client: TestClient, spec: ApiSpec) -> None:
    response = _post(stub_client, {"interval": "14h"})
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json() == {
        "errors": [
            {
                "type": "field",
                "value": "14h",
                "msg": "must be supported",
                "path": "interval",
                "location": "body",
            }
        ]
    }


def test_every_bad_field_is_reported_once_in_body_order(
    stub_client: TestClient, spec: ApiSpec
) -> None:
    body = {
        "symbol": "BTCUSDT",
        "interval": "14h",
        "width": 10,
        "height": "tall",
        "theme": "blue",
        "timezone": "Mars/Olympus",
        "format": "gif",
        "studies": ["Open Interest", "Moon Phase", "Open Interest", 7],
        "watermark": "x" * 101,
        "watermarkSize": 20,
        "watermarkOpacity": 0,
        "colour": "red",
    }
    response = _post(stub_client, body)
    assert_documented(spec, response, CHART_PATH, "post")
    errors = {error["path"]: (error["msg"], error["value"]) for error in _field_errors(response)}
    assert list(errors) == [
        "symbol",
        "interval",
        "width",
        "height",
        "theme",
        "timezone",
        "format",
        "studies[1]",
        "studies[2]",
        "studies[3]",
        "watermark",
        "watermarkSize",
        "watermarkOpacity",
        "colour",
    ]
    assert errors["interval"] == ("must be supported", "14h")
    assert errors["width"] == ("must be at least 400", 10)
    assert errors["height"] == ("must be an integer", "tall")
    assert errors["studies[1]"] == ("must be supported", "Moon Phase")
    assert errors["studies[2]"] == ("must not repeat", "Open Interest")
    assert errors["studies[3]"] == ("must be a string", 7)
    assert errors["watermark"] == ("must be at most 100 characters long", "x" * 101)
    assert errors["watermarkSize"] == ("must be supported", 20)
    assert errors["watermarkOpacity"] == ("must be at least 0.1", 0)
    assert errors["colour"][1] == "red"
    assert "pattern" in errors["symbol"][0]


@pytest.mark.parametrize(
    ("content", "path", "msg"),
    [
        (b'{"width": 1e309}', "width", "must be an integer"),
        (b'{"height": -1e309}', "height", "must be an integer"),
        (b'{"watermarkOpacity": 1e309}', "watermarkOpacity", "must be at most 1.0"),
        (b'{"width": 800.5}', "width", "must be an integer"),
        (b'{"width": 1' + b"0" * 400 + b"}", "width", "must be at most 2048"),
    ],
)
def test_numbers_json_cannot_carry_still_get_a_json_error(
    stub_client: TestClient, spec: ApiSpec, content: bytes, path: str, msg: str
) -> None:
    response = stub_client.post(CHART_PATH, content=content, headers=JSON_HEADERS)
    assert_documented(spec, response, CHART_PATH, "post")
    [error] = _field_errors(response)
    assert (error["path"], error["msg"]) == (path, msg)


@pytest.mark.parametrize(
    "body",
    [
        {"symbol": "BINANCE:NOPEUSDT"},
        {"symbol": "NOWHERE:BTCUSDT"},
        {"symbol": "BINANCE:BTCUSDT.P.P"},
        {"symbol": "binance:btcusdt.x"},
    ],
)
def test_unknown_symbol_is_422_invalid_symbol(
    stub_client: TestClient, spec: ApiSpec, body: dict[str, Any]
) -> None:
    response = _post(stub_client, body)
    assert response.status_code == 422
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json() == {"message": "Invalid Symbol"}


@pytest.mark.parametrize("symbol", ["BINANCE:BTCUSDT.P", "binance:btcusdt.p", "Binance:ethUSDT"])
def test_symbols_are_case_insensitive(
    stub_client: TestClient, recorder: RecordingRenderer, symbol: str
) -> None:
    assert _post(stub_client, {"symbol": symbol}).status_code == 200
    assert recorder.charts[0].symbol == symbol.upper()


def test_every_perpetual_only_study_needs_a_perpetual(
    stub_client: TestClient, spec: ApiSpec
) -> None:
    for study in sorted(spec.study_rules.requires_perpetual):
        response = _post(stub_client, {"symbol": "BINANCE:ETHUSDT", "studies": [study]})
        assert response.status_code == 422
        assert_documented(spec, response, CHART_PATH, "post")
        assert response.json() == {"message": f'Study "{study}" requires a perpetual (.P) symbol'}
        ok = _post(stub_client, {"symbol": "BINANCE:ETHUSDT.P", "studies": [study]})
        assert ok.status_code == 200, (study, ok.json())


def test_aggregated_studies_work_on_spot_symbols(stub_client: TestClient, spec: ApiSpec) -> None:
    every_study: list[str] = spec.schema("Study")["enum"]
    spot_ok = [s for s in every_study if s not in spec.study_rules.requires_perpetual]
    assert any(s.startswith("Aggregated") for s in spot_ok)
    response = _post(
        stub_client, {"symbol": "BINANCE:LINKUSDT", "interval": "4h", "studies": spot_ok}
    )
    assert response.status_code == 200


def test_interval_bound_studies_need_their_interval(stub_client: TestClient, spec: ApiSpec) -> None:
    for study, least in spec.study_rules.min_interval.items():
        too_short = spec.intervals[: spec.intervals.index(least)]
        for interval in too_short:
            body = {"symbol": "BINANCE:BTCUSDT.P", "interval": interval, "studies": [study]}
            response = _post(stub_client, body)
            assert response.status_code == 422
            assert response.json() == {
                "message": f'Study "{study}" requires an interval of at least {least}'
            }
        body = {"symbol": "BINANCE:BTCUSDT.P", "interval": least, "studies": [study]}
        assert _post(stub_client, body).status_code == 200


def test_field_errors_come_before_semantic_ones(stub_client: TestClient) -> None:
    response = _post(stub_client, {"symbol": "BINANCE:NOPE", "width": 1})
    assert [e["path"] for e in _field_errors(response)] == ["width"]


@pytest.fixture
def small_body_client(client_factory: Callable[..., TestClient]) -> TestClient:
    return client_factory(renderer=RecordingRenderer(), max_body_bytes=256)


def test_body_at_the_cap_is_read(small_body_client: TestClient) -> None:
    body = b'{"watermark": "' + b"w" * 64 + b'"}'
    padded = body + b" " * (256 - len(body))
    response = small_body_client.post(CHART_PATH, content=padded, headers=JSON_HEADERS)
    assert response.status_code == 200


@pytest.mark.parametrize("path", [CHART_PATH, STORAGE_PATH])
def test_body_over_the_cap_is_413(small_body_client: TestClient, spec: ApiSpec, path: str) -> None:
    response = small_body_client.post(path, content=b" " * 257 + b"{}", headers=JSON_HEADERS)
    assert response.status_code == 413
    assert_documented(spec, response, path, "post")
    assert response.json() == {"message": "Payload Too Large"}


def test_streamed_body_over_the_cap_is_413_without_content_length(
    small_body_client: TestClient,
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 100

    response = small_body_client.post(CHART_PATH, content=chunks(), headers=JSON_HEADERS)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == {"message": "Payload Too Large"}


def test_key_is_checked_before_the_body(small_body_client: TestClient) -> None:
    response = small_body_client.post(
        CHART_PATH, content=b"not json" * 100, headers={"content-type": "application/json"}
    )
    assert response.status_code == 403


def _pathological_studies(limit: int) -> list[Any]:
    """Integers and strings mixed, as many as fit a body of `limit` bytes: jsonschema cannot
    sort them, so its `uniqueItems` falls back to comparing every pair."""
    studies: list[Any] = []
    for index in range(limit):
        studies += [index, str(index)]
        if len(json.dumps({"studies": studies})) > limit:
            return studies[:-2]
    return studies


class _WatchedList(list[Any]):
    """A list that records whether anything looked at its items."""

    looked = False

    def __iter__(self) -> Iterator[Any]:
        self.looked = True
        return super().__iter__()

    def __getitem__(self, index: Any) -> Any:
        self.looked = True
        return super().__getitem__(index)


def test_an_over_long_array_is_refused_without_looking_at_its_items(spec: ApiSpec) -> None:
    bound = spec.chart_request_properties["studies"]["maxItems"]
    studies = _WatchedList(_pathological_studies(65_536))
    assert len(studies) > bound
    errors = list(spec.validator("AdvancedChartRequest").iter_errors({"studies": studies}))
    assert [(e.validator, list(e.absolute_path)) for e in errors] == [("maxItems", ["studies"])]
    assert not studies.looked


def test_the_pathological_studies_body_is_one_small_field_error(
    stub_client: TestClient, spec: ApiSpec
) -> None:
    content = json.dumps({"studies": _pathological_studies(65_536)}).encode()
    response = stub_client.post(CHART_PATH, content=content, headers=JSON_HEADERS)
    assert_documented(spec, response, CHART_PATH, "post")
    bound = spec.chart_request_properties["studies"]["maxItems"]
    [error] = _field_errors(response)
    assert (error["path"], error["msg"]) == ("studies", f"must have at most {bound} items")
    # The value is echoed once: the answer is no larger than the body, plus a line of text.
    assert len(response.content) < len(content) + 200


def test_field_errors_are_capped_at_the_documented_count(
    stub_client: TestClient, spec: ApiSpec
) -> None:
    cap = spec.max_field_errors
    body = {f"unknown{index:04}": index for index in range(3_000)}
    response = _post(stub_client, body)
    assert_documented(spec, response, CHART_PATH, "post")
    errors = _field_errors(response)
    assert [e["path"] for e in errors] == [f"unknown{index:04}" for index in range(cap)]
    assert len(response.content) < 200 * cap


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("watermark", "chart\n"),
        ("watermark", "\n"),
        ("symbol", "BINANCE:BTCUSDT.P\n"),
        ("symbol", "BINANCE:BTCUSDT\n"),
    ],
)
def test_a_final_newline_breaks_the_pattern_as_in_ecma_262(
    stub_client: TestClient, spec: ApiSpec, recorder: RecordingRenderer, field: str, value: str
) -> None:
    response = _post(stub_client, {field: value})
    assert_documented(spec, response, CHART_PATH, "post")
    [error] = _field_errors(response)
    assert (error["path"], error["value"]) == (field, value)
    assert error["msg"].startswith("must match the pattern")
    assert recorder.charts == []


def test_every_pattern_of_the_spec_is_an_ecma_262_regex(spec: ApiSpec) -> None:
    """Each pattern compiles as ECMA-262, and its schema's own examples match it, but not with
    a final newline, which Python's `$` would let through."""

    def schemas(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                yield node
            for child in node.values():
                yield from schemas(child)
        elif isinstance(node, list):
            for child in node:
                yield from schemas(child)

    found = list(schemas(dict(spec.document)))
    assert {schema["pattern"] for schema in found} >= {
        spec.chart_request_properties[field]["pattern"] for field in ("symbol", "watermark")
    }
    for schema in found:
        regex = ecma_regex(schema["pattern"])
        samples = [
            *schema.get("examples", []),
            *([schema["default"]] if "default" in schema else []),
        ]
        for sample in samples:
            assert regex.find(sample) is not None, (schema["pattern"], sample)
            assert regex.find(sample + "\n") is None, (schema["pattern"], sample)
