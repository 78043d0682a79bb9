from __future__ import annotations

import dataclasses
import hmac
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chart_img_server import Settings, create_app
from chart_img_server.auth import FailedLogins, StaticKeys, client_id
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from .conftest import (
    CHART_PATH,
    LIST_PATH,
    STORAGE_PATH,
    TEST_API_KEY,
    AnyResponse,
    ManualMonotonic,
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


# Failed keys are throttled per client address; valid keys never count (issue 12, item 9).

OTHER_ADDRESS = "198.51.100.7"
ATTACKER = "203.0.113.5"
BURST = 3
RATE = 0.5


def _addressed(app: ASGIApp) -> ASGIApp:
    """The app, told each request comes from the address in its `x-test-client` header."""

    async def with_client(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            address = dict(scope["headers"]).get(b"x-test-client")
            if address is not None:
                scope = {**scope, "client": (address.decode(), 40000)}
        await app(scope, receive, send)

    return with_client


@pytest.fixture
def monotonic() -> ManualMonotonic:
    return ManualMonotonic()


@pytest.fixture
def throttled(server_settings: Settings, monotonic: ManualMonotonic) -> Iterator[TestClient]:
    settings = dataclasses.replace(
        server_settings, failed_auth_burst=BURST, failed_auth_rate=RATE, monotonic=monotonic
    )
    app = create_app(settings, renderer=_unused_renderer)
    with TestClient(_addressed(app), raise_server_exceptions=False) as client:
        yield client


def _list(client: TestClient, address: str, key: str | None) -> AnyResponse:
    headers = {"x-test-client": address}
    if key is not None:
        headers["x-api-key"] = key
    response: AnyResponse = client.get(LIST_PATH, headers=headers)
    return response


def test_repeated_wrong_keys_from_one_address_are_refused_with_429(
    throttled: TestClient, spec: ApiSpec
) -> None:
    statuses = [_list(throttled, ATTACKER, f"guess-{n}").status_code for n in range(BURST + 2)]
    assert statuses == [403] * BURST + [429, 429]
    response = _list(throttled, ATTACKER, "another-guess")
    assert_documented(spec, response, LIST_PATH, "get")
    assert response.json() == {"message": "Too Many Failed Attempts"}
    assert response.headers["retry-after"] == str(int(1 / RATE))
    # The key is not even checked: the answer tells nothing about it, right or wrong.
    assert _list(throttled, ATTACKER, TEST_API_KEY).status_code == 429
    # Other addresses are not affected, with a valid key or a wrong one.
    assert _list(throttled, OTHER_ADDRESS, TEST_API_KEY).status_code == 200
    assert _list(throttled, OTHER_ADDRESS, "typo").status_code == 403


def test_valid_keys_and_missing_keys_never_count(throttled: TestClient) -> None:
    for _ in range(20):
        assert _list(throttled, ATTACKER, TEST_API_KEY).status_code == 200
        assert _list(throttled, ATTACKER, None).status_code == 403
    statuses = [_list(throttled, ATTACKER, "wrong").status_code for _ in range(BURST + 1)]
    assert statuses == [403] * BURST + [429]


def test_the_allowance_refills_at_the_rate(
    throttled: TestClient, monotonic: ManualMonotonic
) -> None:
    for _ in range(BURST):
        _list(throttled, ATTACKER, "wrong")
    assert _list(throttled, ATTACKER, TEST_API_KEY).status_code == 429
    monotonic.value += 1 / RATE
    assert _list(throttled, ATTACKER, TEST_API_KEY).status_code == 200
    assert _list(throttled, ATTACKER, "wrong").status_code == 403
    assert _list(throttled, ATTACKER, TEST_API_KEY).status_code == 429


def test_an_ipv6_client_is_one_64_network(throttled: TestClient) -> None:
    for host in range(BURST):
        _list(throttled, f"2001:db8:1:2::{host + 1}", "wrong")
    assert _list(throttled, "2001:db8:1:2:ffff::9", TEST_API_KEY).status_code == 429
    assert _list(throttled, "2001:db8:1:3::1", TEST_API_KEY).status_code == 200


def test_client_ids() -> None:
    assert client_id({"client": ("192.0.2.1", 1)}) == "192.0.2.1"
    assert client_id({"client": ("::ffff:192.0.2.1", 1)}) == "192.0.2.1"
    assert client_id({"client": ("2001:db8::1", 1)}) == "2001:db8::/64"
    assert client_id({"client": ("not an address", 1)}) == "-"
    assert client_id({}) == "-"


async def test_a_rate_of_zero_turns_the_throttle_off() -> None:
    logins = FailedLogins(0, 1, lambda: 0.0)
    for _ in range(100):
        await logins.failed(ATTACKER)
    assert await logins.wait(ATTACKER) is None


async def test_only_the_most_recent_addresses_are_remembered() -> None:
    logins = FailedLogins(0.1, 1, lambda: 0.0, max_clients=2)
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        await logins.failed(address)
    assert await logins.wait("192.0.2.1") is None
    assert await logins.wait("192.0.2.3") == 10


async def test_a_key_is_found_with_one_comparison_among_20000(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = StaticKeys(tuple(f"key-{n:05d}".encode() for n in range(20_000)))
    compared: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert await keys.accepts("key-12345")
    assert not await keys.accepts("key-99999")
    assert not await keys.accepts("")
    assert len(compared) == 3
