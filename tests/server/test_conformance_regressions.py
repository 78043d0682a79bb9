"""Regressions found by the conformance suite (tests/conformance), each named after its catch."""

from __future__ import annotations

import pytest
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient

from .conftest import CHART_PATH, KEY_HEADERS, STORAGE_PATH, RecordingRenderer, assert_documented


@pytest.mark.parametrize("content", [b"\t", b"  \n", b"\r\n"])
@pytest.mark.parametrize("path", [CHART_PATH, STORAGE_PATH])
def test_whitespace_only_json_body_regression(
    stub_client: TestClient,
    spec: ApiSpec,
    recorder: RecordingRenderer,
    content: bytes,
    path: str,
) -> None:
    """Whitespace is not an empty body: as JSON it is no JSON text, so 400 (was 200)."""
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    response = stub_client.post(path, content=content, headers=headers)
    assert response.status_code == 400
    assert_documented(spec, response, path, "post")
    assert response.json() == {"message": "Invalid Request"}
    assert recorder.charts == []


@pytest.mark.parametrize("depth", [40, 500, 900])
def test_deeply_nested_field_value_regression(
    stub_client: TestClient, spec: ApiSpec, recorder: RecordingRenderer, depth: int
) -> None:
    """A field nested a few hundred lists deep was echoed back recursively: 500 (now 400)."""
    content = b'{"watermark": ' + b"[" * depth + b"]" * depth + b"}"
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    response = stub_client.post(CHART_PATH, content=content, headers=headers)
    assert response.status_code == 400
    assert_documented(spec, response, CHART_PATH, "post")
    assert recorder.charts == []


def test_shallow_nesting_still_gets_field_errors(stub_client: TestClient, spec: ApiSpec) -> None:
    content = b'{"watermark": [[["deep"]]]}'
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    response = stub_client.post(CHART_PATH, content=content, headers=headers)
    assert response.status_code == 422
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json()["errors"][0]["value"] == [[["deep"]]]


@pytest.mark.parametrize(
    "content",
    [
        b'{"watermark": "\\ud800"}',
        b'{"watermark": "chart \\udfff img"}',
        b'{"symbol": "\\ud83d"}',
        b'{"\\ud800": 1}',
        b'{"studies": ["\\udc00"]}',
    ],
)
@pytest.mark.parametrize("path", [CHART_PATH, STORAGE_PATH])
def test_lone_surrogate_in_json_string_regression(
    stub_client: TestClient,
    spec: ApiSpec,
    recorder: RecordingRenderer,
    content: bytes,
    path: str,
) -> None:
    """`\\ud800` escapes spell no character: the renderer or the error's UTF-8 encoding
    failed with 500; now 400 like any other unreadable text."""
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    response = stub_client.post(path, content=content, headers=headers)
    assert response.status_code == 400
    assert_documented(spec, response, path, "post")
    assert response.json() == {"message": "Invalid Request"}
    assert recorder.charts == []


def test_surrogate_pairs_are_characters(
    stub_client: TestClient, recorder: RecordingRenderer
) -> None:
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    response = stub_client.post(
        CHART_PATH, content=b'{"watermark": "\\ud83d\\udcc8 up"}', headers=headers
    )
    assert response.status_code == 200
    assert recorder.charts[0].watermark == "\U0001f4c8 up"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_json_not_in_utf8_regression(
    stub_client: TestClient, spec: ApiSpec, recorder: RecordingRenderer, encoding: str
) -> None:
    """`json.loads` guessed UTF-16 and UTF-32 and drew the chart: RFC 8259 JSON is UTF-8 only."""
    content = '{"interval": "4h"}'.encode(encoding)
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    response = stub_client.post(CHART_PATH, content=content, headers=headers)
    assert response.status_code == 400
    assert_documented(spec, response, CHART_PATH, "post")
    assert recorder.charts == []
