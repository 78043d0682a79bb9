"""The `Study` schema's rules, from the spec: perpetuals, interval ranges, exchanges."""

from __future__ import annotations

import pytest
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient

from .conftest import CHART_PATH, KEY_HEADERS, assert_documented

TOP = "Long/Short Accounts Ratio Top Traders"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"symbol": "BYBIT:BTCUSDT.P", "studies": [TOP]},
            f'Study "{TOP}" is available for BINANCE and OKX symbols only',
        ),
        ({"interval": "1W", "studies": [TOP]}, f'Study "{TOP}" requires an interval of at most 1D'),
    ],
)
def test_a_study_outside_its_exchanges_or_intervals_is_422(
    stub_client: TestClient, spec: ApiSpec, body: dict[str, object], message: str
) -> None:
    response = stub_client.post(CHART_PATH, json=body, headers=KEY_HEADERS)
    assert response.status_code == 422
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json() == {"message": message}


@pytest.mark.parametrize("symbol", ["BINANCE:BTCUSDT.P", "okx:btcusdt.p", "BINANCE:BTCUSD.P"])
def test_a_study_on_its_exchanges_and_intervals_is_drawn(
    stub_client: TestClient, symbol: str
) -> None:
    body = {"symbol": symbol, "interval": "1D", "studies": [TOP]}
    assert stub_client.post(CHART_PATH, json=body, headers=KEY_HEADERS).status_code == 200
