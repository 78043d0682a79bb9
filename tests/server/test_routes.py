from __future__ import annotations

import pytest
from chart_img_server.market import synthetic_catalog
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient

from .conftest import KEY_HEADERS, LIST_PATH, SYMBOLS_PATH, assert_documented, assert_error_message


def test_health_needs_no_key(stub_client: TestClient) -> None:
    response = stub_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_exchange_list_has_the_25_exchanges_of_the_documentation(
    stub_client: TestClient, spec: ApiSpec
) -> None:
    response = stub_client.get(LIST_PATH, headers=KEY_HEADERS)
    assert response.status_code == 200
    assert_documented(spec, response, LIST_PATH, "get")
    example = spec.document["paths"][LIST_PATH]["get"]["responses"]["200"]["content"]
    documented = example["application/json"]["examples"]["exchanges"]["value"]["payload"]
    assert response.json()["payload"] == documented
    assert response.json()["updatedAt"].endswith("Z")


@pytest.mark.parametrize("exchange_id", ["BINANCE", "binance", "BiNaNcE"])
def test_exchange_symbols_are_found_in_any_case(
    stub_client: TestClient, spec: ApiSpec, exchange_id: str
) -> None:
    response = stub_client.get(f"/v3/coinalyze/exchange/{exchange_id}", headers=KEY_HEADERS)
    assert response.status_code == 200
    assert_documented(spec, response, SYMBOLS_PATH, "get")
    payload = response.json()["payload"]
    assert {"BTCUSDT", "BTCUSDT.P", "BTCUSD.P", "ETHUSDT", "ETHUSDT.P", "LINKUSDT"} <= set(payload)
    assert all(symbol == symbol.upper() for symbol in payload)


def test_catalog_lists_spot_and_perpetual_symbols_for_every_exchange() -> None:
    catalog = synthetic_catalog()
    assert len(catalog.exchange_ids) == 25
    listed = {exchange: catalog.symbols(exchange) or () for exchange in catalog.exchange_ids}
    for exchange, symbols in listed.items():
        assert 20 <= len(symbols) <= 200, exchange
        assert len(set(symbols)) == len(symbols), exchange
    perpetual_exchanges = [e for e, s in listed.items() if any(x.endswith(".P") for x in s)]
    assert len(perpetual_exchanges) >= 15
    assert catalog.market("bybit", "solusdt.p") is not None


def test_every_symbol_in_the_catalog_is_a_valid_chart_symbol(spec: ApiSpec) -> None:
    validator = spec.validator("AdvancedChartRequest")
    catalog = synthetic_catalog()
    for market in catalog.markets:
        assert validator.is_valid({"symbol": market.symbol}), market.symbol


def test_unknown_exchange_is_404(stub_client: TestClient, spec: ApiSpec) -> None:
    response = stub_client.get("/v3/coinalyze/exchange/NOPE", headers=KEY_HEADERS)
    assert response.status_code == 404
    assert_documented(spec, response, SYMBOLS_PATH, "get")
    assert response.json() == {"message": "Exchange Not Found"}


@pytest.mark.parametrize(
    "path",
    [
        "/v3/coinalyze/exchange/..%2Flist",
        "/v3/coinalyze/exchange/%2E%2E%2F%2E%2E%2Fhealthz",
        "/v3/coinalyze/exchange/BINANCE%2F..%2F..",
        "/v3/coinalyze/exchange/BINANCE/extra",
        "/v3/coinalyze/exchange/..",
    ],
)
def test_exchange_id_cannot_escape_its_route(
    stub_client: TestClient, spec: ApiSpec, path: str
) -> None:
    response = stub_client.get(path, headers=KEY_HEADERS)
    assert response.status_code == 404
    assert response.json()["message"] in {"Not Found", "Exchange Not Found"}


@pytest.mark.parametrize(
    "path", ["/", "/v3", "/v3/coinalyze/exchange", "/v2/coinalyze/exchange/list"]
)
def test_unknown_route_is_404_json(stub_client: TestClient, spec: ApiSpec, path: str) -> None:
    response = stub_client.get(path, headers=KEY_HEADERS)
    assert response.status_code == 404
    assert_error_message(spec, response, "Not Found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", LIST_PATH, {"GET", "HEAD"}),
        ("DELETE", "/v3/coinalyze/exchange/BINANCE", {"GET", "HEAD"}),
        ("GET", "/v3/coinalyze/advanced-chart", {"POST"}),
        ("PUT", "/v3/coinalyze/advanced-chart/storage", {"POST"}),
        ("POST", "/healthz", {"GET", "HEAD"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    stub_client: TestClient, spec: ApiSpec, method: str, path: str, allowed: set[str]
) -> None:
    response = stub_client.request(method, path, headers=KEY_HEADERS)
    assert response.status_code == 405
    assert_error_message(spec, response, "Method Not Allowed")
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


def test_route_is_checked_before_the_key(stub_client: TestClient) -> None:
    assert stub_client.get("/nowhere").status_code == 404
    assert stub_client.get(LIST_PATH).status_code == 403
    assert stub_client.delete(LIST_PATH).status_code == 405


def test_an_exchange_id_is_ascii_only(stub_client: TestClient, spec: ApiSpec) -> None:
    """`b%C4%B1nance` (a dotless i) upper-cases to BINANCE in Unicode: it is no exchange ID."""
    response = stub_client.get("/v3/coinalyze/exchange/b%C4%B1nance", headers=KEY_HEADERS)
    assert response.status_code == 404
    assert_documented(spec, response, SYMBOLS_PATH, "get")
