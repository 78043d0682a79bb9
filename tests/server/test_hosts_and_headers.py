"""Hosts served, the headers on every answer, CORS, and the answers outside the operations
(issue 12, items 8, 10 and 11)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from chart_img_server import ChartRequest, RunningServer, Settings
from chart_img_server.market import MarketData
from chart_img_server.middleware import allowed_hosts, host_name
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient

from .conftest import (
    CHART_PATH,
    KEY_HEADERS,
    LIST_PATH,
    STORAGE_PATH,
    AnyResponse,
    assert_documented,
)

DOCS_ORIGIN = "https://docs.example"


# Hosts: a URL never carries a host the operator did not configure.


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "localhost:8000@evil.example",
        "localhost.evil.example",
        "127.0.0.1.evil.example",
        "[::2]:8000",
        "localhost/evil",
        "",
    ],
)
def test_an_unknown_host_is_400_and_no_url_carries_it(
    stub_client: TestClient, spec: ApiSpec, host: str, server_settings: Settings
) -> None:
    response = stub_client.post(STORAGE_PATH, headers={**KEY_HEADERS, "host": host})
    assert response.status_code == 400
    assert_documented(spec, response, STORAGE_PATH, "post")
    assert response.json() == {"message": "Invalid Host"}
    assert "evil" not in response.text
    assert not server_settings.storage_dir.exists() or not any(
        server_settings.storage_dir.rglob("*.png")
    )
    listed = stub_client.get(LIST_PATH, headers={**KEY_HEADERS, "host": host})
    assert (listed.status_code, listed.json()) == (400, {"message": "Invalid Host"})


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("localhost:8000", "http://localhost:8000"),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("LOCALHOST", "http://LOCALHOST"),
        ("testserver", "http://testserver"),
    ],
)
def test_the_default_hosts_are_served(stub_client: TestClient, host: str, base: str) -> None:
    response = stub_client.post(STORAGE_PATH, headers={**KEY_HEADERS, "host": host})
    assert response.status_code == 200, response.text
    assert response.json()["url"].startswith(f"{base}/storage/2")


def test_configured_hosts_replace_the_defaults(
    client_factory: Callable[..., TestClient],
) -> None:
    client = client_factory(
        renderer=lambda *_: b"x", allowed_hosts=("charts.example",), host="10.0.0.5"
    )
    for host in ("charts.example", "charts.example:443", "10.0.0.5:8000"):
        assert client.get(LIST_PATH, headers={**KEY_HEADERS, "host": host}).status_code == 200
    for host in ("localhost", "www.charts.example"):
        assert client.get(LIST_PATH, headers={**KEY_HEADERS, "host": host}).status_code == 400


def test_the_public_base_url_host_is_served_and_used(
    client_factory: Callable[..., TestClient],
) -> None:
    client = client_factory(renderer=lambda *_: b"x", public_base_url="https://charts.example")
    response = client.post(STORAGE_PATH, headers={**KEY_HEADERS, "host": "charts.example"})
    assert response.json()["url"].startswith("https://charts.example/storage/")
    refused = client.post(STORAGE_PATH, headers={**KEY_HEADERS, "host": "evil.example"})
    assert refused.status_code == 400


def test_allowed_hosts_add_the_bound_address_but_not_a_wildcard() -> None:
    assert allowed_hosts(Settings(host="192.0.2.10")) == {
        "localhost",
        "127.0.0.1",
        "::1",
        "testserver",
        "192.0.2.10",
    }
    assert "0.0.0.0" not in allowed_hosts(Settings(host="0.0.0.0"))
    assert host_name("[2001:DB8::1]:80") == "2001:db8::1"
    assert host_name("Charts.Example.:443") == "charts.example"


def test_probes_answer_any_host(stub_client: TestClient) -> None:
    for path in ("/healthz", "/readyz"):
        assert stub_client.get(path, headers={"host": "10.244.0.17:8000"}).status_code == 200


def test_a_trailing_slash_is_404_not_a_redirect_to_the_host_sent(
    stub_client: TestClient,
) -> None:
    for host in ("evil.example", "localhost"):
        response = stub_client.get(
            LIST_PATH + "/", headers={**KEY_HEADERS, "host": host}, follow_redirects=False
        )
        assert response.status_code in (400, 404)
        assert "location" not in response.headers
        assert response.headers["content-type"] == "application/json"
    response = stub_client.get("/healthz/", follow_redirects=False)
    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})


# Headers: nosniff everywhere, no-store on the API's answers and errors.


def _failing_renderer(chart: ChartRequest, data: MarketData) -> bytes:
    raise RuntimeError("the renderer broke")


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", LIST_PATH, KEY_HEADERS, 200),
        ("GET", LIST_PATH + "?key=test-key", {}, 200),
        ("GET", "/v3/coinalyze/exchange/binance", KEY_HEADERS, 200),
        ("GET", "/v3/coinalyze/exchange/nowhere", KEY_HEADERS, 404),
        ("GET", LIST_PATH, {}, 403),
        ("GET", LIST_PATH, {"x-api-key": "wrong"}, 403),
        ("POST", CHART_PATH, KEY_HEADERS, 200),
        ("POST", STORAGE_PATH, KEY_HEADERS, 200),
        ("PUT", CHART_PATH, KEY_HEADERS, 405),
        ("GET", "/nowhere", {}, 404),
        ("GET", "/storage/nothing.png", {}, 404),
        ("GET", "/healthz", {}, 200),
        ("GET", "/readyz", {}, 200),
        ("GET", LIST_PATH, {**KEY_HEADERS, "host": "evil.example"}, 400),
    ],
)
def test_every_api_answer_is_nosniff_and_no_store(
    stub_client: TestClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = stub_client.request(method, path, headers=headers)
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_errors_the_app_raises_are_nosniff_and_no_store(
    client_factory: Callable[..., TestClient],
) -> None:
    client = client_factory(renderer=_failing_renderer)
    response = client.post(CHART_PATH, headers=KEY_HEADERS)
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"message": "Internal Server Error"}


def test_stored_charts_keep_their_own_caching(stub_client: TestClient) -> None:
    url = stub_client.post(STORAGE_PATH, headers=KEY_HEADERS).json()["url"]
    response = stub_client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert response.headers["x-content-type-options"] == "nosniff"
    revalidated = stub_client.get(url, headers={"if-none-match": response.headers["etag"]})
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"].startswith("public, max-age=")


def test_no_server_banner(live_server: RunningServer) -> None:
    response = httpx.get(f"{live_server.base_url}/healthz")
    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


# Answers outside the operations: JSON wherever the application sees the request.


def test_a_method_a_path_does_not_take_is_405_json_with_allow(stub_client: TestClient) -> None:
    response = stub_client.delete(CHART_PATH, headers=KEY_HEADERS)
    assert response.status_code == 405
    assert response.json() == {"message": "Method Not Allowed"}
    assert response.headers["allow"] == "POST"


# CORS: off unless origins are configured.


def _preflight(client: TestClient, origin: str, method: str = "POST") -> AnyResponse:
    response: AnyResponse = client.options(
        CHART_PATH,
        headers={
            "origin": origin,
            "access-control-request-method": method,
            "access-control-request-headers": "x-api-key, content-type",
        },
    )
    return response


def test_cors_is_off_by_default(stub_client: TestClient) -> None:
    response = _preflight(stub_client, DOCS_ORIGIN)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    simple = stub_client.get(LIST_PATH, headers={**KEY_HEADERS, "origin": DOCS_ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


@pytest.fixture
def cors_client(client_factory: Callable[..., TestClient]) -> TestClient:
    return client_factory(renderer=lambda *_: b"x", cors_origins=(DOCS_ORIGIN,))


def test_configured_origins_get_preflights_answered(cors_client: TestClient) -> None:
    response = _preflight(cors_client, DOCS_ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == DOCS_ORIGIN
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "x-api-key" in allowed_headers
    assert "content-type" in allowed_headers
    assert "POST" in response.headers["access-control-allow-methods"]
    answer = cors_client.post(CHART_PATH, headers={**KEY_HEADERS, "origin": DOCS_ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == DOCS_ORIGIN


def test_an_answer_made_once_carries_each_request_s_headers_alone(
    cors_client: TestClient,
) -> None:
    # The exchange list's response is made once per catalogue: what the middleware adds to
    # one answer (CORS, the headers on every answer) must not stay in it for the next.
    answers = [
        cors_client.get(LIST_PATH, headers={**KEY_HEADERS, "origin": DOCS_ORIGIN}),
        cors_client.get(LIST_PATH, headers=KEY_HEADERS),
        cors_client.get(LIST_PATH, headers={**KEY_HEADERS, "origin": DOCS_ORIGIN}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    first, third = ([h for h in a.headers.multi_items() if h[0] != "date"] for a in answers[::2])
    assert first == third
    assert "access-control-allow-origin" not in answers[1].headers
    assert len(answers[1].headers.get_list("x-content-type-options")) == 1


def test_other_origins_get_a_json_refusal(cors_client: TestClient) -> None:
    response = _preflight(cors_client, "https://evil.example")
    assert response.status_code == 400
    assert response.json() == {"message": "Disallowed CORS origin"}
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
