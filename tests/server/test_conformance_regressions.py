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
