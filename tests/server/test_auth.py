from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from chart_img_server import Settings
from chart_img_server.auth import StaticKeys
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient

from .conftest import (
    CHART_PATH,
    LIST_PATH,
    STORAGE_PATH,
    TEST_API_KEY,
    assert_documented,
)

GET_PATHS = [LIST_PATH, "/v3/coinalyze/exchange/binance"]
POST_PATHS = [CHART_PATH, STORAGE_PATH]
SPEC_PATHS = {
    LIST_PATH: LIST_PATH,
    "/v3/coinalyze/exchange/binance": "/v3/coinalyze/exchange/{exchangeId}",
    CHART_PATH: CHART_PATH,
    STORAGE_PATH: STORAGE_PATH,
}


@pytest.mark.parametrize("path", GET_PATHS + POST_PATHS)
@pytest.mark.parametrize(
    ("where", "key", "status", "message"),
    [
        ("header", None, 403, "Missing API Key"),
        ("header", "", 403, "Missing API Key"),
        ("header", "wrong-key", 403, "Invalid API Key"),
        ("header", TEST_API_KEY, 200, None),
        ("query", None, 403, "Missing API Key"),
        ("query", "wrong-key", 403, "Invalid API Key"),
        ("query", TEST_API_KEY, 200, None),
    ],
)
def test_auth_matrix(
    stub_client: TestClient,
    spec: ApiSpec,
    path: str,
    where: str,
    key: str | None,
    status: int,
    message: str | None,
) -> None:
    method = "GET" if path in GET_PATHS else "POST"
    headers = {"x-api-key": key} if where == "header" and key is not None else {}
    params = {"key": key} if where == "query" and key is not None else {}
    if method == "POST" and where == "query" and key is not None:
        # The query key counts on GET only: on POST it is as if there were no key.
        status, message = 403, "Missing API Key"
    response = stub_client.request(method, path, headers=headers, params=params)
    assert response.status_code == status
    if message is not None:
        assert_documented(spec, response, SPEC_PATHS[path], method.lower())
        assert response.json() == {"message": message}


def test_header_wins_over_query_on_get(stub_client: TestClient) -> None:
    response = stub_client.get(
        LIST_PATH, headers={"x-api-key": "wrong"}, params={"key": TEST_API_KEY}
    )
    assert response.status_code == 403
    assert response.json() == {"message": "Invalid API Key"}


def test_keys_come_from_the_environment_and_a_keys_file(
    tmp_path: Path, client_factory: Callable[..., TestClient]
) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# team keys\nfile-key-1\n\n   file-key-2  \n", encoding="utf-8")
    client = client_factory(renderer=_unused_renderer, keys=("env-key",), keys_file=keys_file)
    for key in ("env-key", "file-key-1", "file-key-2"):
        assert client.get(LIST_PATH, headers={"x-api-key": key}).status_code == 200
    for key in ("# team keys", "file-key", TEST_API_KEY):
        assert client.get(LIST_PATH, headers={"x-api-key": key}).status_code == 403


def test_settings_from_env_split_keys() -> None:
    settings = Settings.from_env({"CHART_IMG_SERVER_KEYS": " a, b ,,c "})
    assert settings.keys == ("a", "b", "c")


def test_missing_keys_file_is_a_clear_start_up_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the keys file"):
        StaticKeys.from_settings(Settings(keys_file=tmp_path / "absent.txt"))


def test_without_keys_a_key_is_generated_and_printed_once(
    client_factory: Callable[..., TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = client_factory(renderer=_unused_renderer, keys=())
    generated = client.app.state.server.services.keys.generated  # type: ignore[attr-defined]
    assert generated is not None
    assert len(generated) >= 32
    out = capsys.readouterr().out
    assert out.count(generated) == 1
    assert client.get(LIST_PATH, headers={"x-api-key": generated}).status_code == 200
    assert client.get(LIST_PATH, headers={"x-api-key": TEST_API_KEY}).status_code == 403


def test_two_servers_without_keys_get_different_keys() -> None:
    first = StaticKeys.from_settings(Settings())
    second = StaticKeys.from_settings(Settings())
    assert first.generated != second.generated


def test_keys_never_reach_the_logs(
    stub_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub_client.get(LIST_PATH, params={"key": TEST_API_KEY})
    stub_client.get(LIST_PATH, params={"key": "wrong-secret"})
    stub_client.get(f"{LIST_PATH}?key%3D{TEST_API_KEY}=1")
    stub_client.get(LIST_PATH, headers={"x-api-key": TEST_API_KEY})
    stub_client.post(CHART_PATH, headers={"x-api-key": "another-secret"})
    access = [r for r in caplog.records if r.name == "chart_img_server.access"]
    assert len(access) == 5
    assert "GET /v3/coinalyze/exchange/list?key=..." in access[0].getMessage()
    # Only the server's own records: the test's HTTP client logs the URLs it requests.
    server_records = [r for r in caplog.records if r.name.startswith(("chart_img", "uvicorn"))]
    text = "\n".join(record.getMessage() for record in server_records)
    for secret in (TEST_API_KEY, "wrong-secret", "another-secret"):
        assert secret not in text


def _unused_renderer(*_: object) -> bytes:
    raise AssertionError("no chart is drawn in this test")
