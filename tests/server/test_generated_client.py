"""The generated client, `chart_img_api`, against a live reference server: every operation."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import httpx
import pytest
from chart_img_api import AuthenticatedClient
from chart_img_api.api.market import list_exchange_symbols, list_exchanges
from chart_img_api.api.snapshot import capture_advanced_chart, store_advanced_chart
from chart_img_api.models import (
    AdvancedChartRequest,
    ErrorMessage,
    ExchangeList,
    ExchangeSymbols,
    ImageFormat,
    Interval,
    StoredChart,
    Study,
    Theme,
    ValidationErrorList,
)
from chart_img_server import RunningServer
from PIL import Image


@pytest.fixture
def api(live_server: RunningServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(
        base_url=live_server.base_url,
        token=live_server.api_key,
        prefix="",
        auth_header_name="x-api-key",
    ) as client:
        yield client


@pytest.fixture
def wrong_key_api(live_server: RunningServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(
        base_url=live_server.base_url, token="wrong", prefix="", auth_header_name="x-api-key"
    ) as client:
        yield client


def test_list_exchanges(api: AuthenticatedClient) -> None:
    exchanges = list_exchanges.sync(client=api)
    assert isinstance(exchanges, ExchangeList)
    assert isinstance(exchanges.payload, list)
    assert len(exchanges.payload) == 25
    assert "BINANCE" in exchanges.payload


def test_list_exchanges_with_a_wrong_key(wrong_key_api: AuthenticatedClient) -> None:
    response = list_exchanges.sync_detailed(client=wrong_key_api)
    assert response.status_code == 403
    assert isinstance(response.parsed, ErrorMessage)
    assert response.parsed.message == "Invalid API Key"


def test_list_exchange_symbols(api: AuthenticatedClient) -> None:
    symbols = list_exchange_symbols.sync("bybit", client=api)
    assert isinstance(symbols, ExchangeSymbols)
    assert isinstance(symbols.payload, list)
    assert "SOLUSDT.P" in symbols.payload
    missing = list_exchange_symbols.sync_detailed("NOWHERE", client=api)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, ErrorMessage)
    assert missing.parsed.message == "Exchange Not Found"


def test_capture_advanced_chart(api: AuthenticatedClient) -> None:
    body = AdvancedChartRequest(
        symbol="BINANCE:BTCUSD.P",
        interval=Interval.HOUR_12,
        theme=Theme.DARK,
        format_=ImageFormat.JPEG,
        width=640,
        height=480,
        studies=[Study.OPEN_INTEREST, Study.BUY_SELL_VOLUME],
    )
    response = capture_advanced_chart.sync_detailed(client=api, body=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (640, 480))


def test_capture_advanced_chart_field_errors(api: AuthenticatedClient) -> None:
    response = capture_advanced_chart.sync_detailed(
        client=api, body=AdvancedChartRequest(width=10, height=10_000)
    )
    assert response.status_code == 422
    assert isinstance(response.parsed, ValidationErrorList)
    assert [error.path for error in response.parsed.errors] == ["width", "height"]


def test_capture_advanced_chart_invalid_symbol(api: AuthenticatedClient) -> None:
    response = capture_advanced_chart.sync_detailed(
        client=api, body=AdvancedChartRequest(symbol="BINANCE:NOPE")
    )
    assert response.status_code == 422
    assert isinstance(response.parsed, ErrorMessage)
    assert response.parsed.message == "Invalid Symbol"


def test_store_advanced_chart(api: AuthenticatedClient) -> None:
    body = AdvancedChartRequest(
        theme=Theme.DARK,
        interval=Interval.HOUR_1,
        studies=[Study.AGGREGATED_LIQUIDATIONS_STABLECOIN_AND_COIN_MARGINED],
    )
    stored = store_advanced_chart.sync(client=api, body=body)
    assert isinstance(stored, StoredChart)
    served = httpx.get(stored.url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert len(served.content) == stored.size
    assert hashlib.md5(served.content).hexdigest() == stored.etag
    assert Image.open(io.BytesIO(served.content)).size == (800, 600)


def test_query_key_works_on_get_only(live_server: RunningServer) -> None:
    with AuthenticatedClient(
        base_url=live_server.base_url,
        token="",
        prefix="",
        auth_header_name="x-no-key",
        httpx_args={"params": {"key": live_server.api_key}},
    ) as client:
        assert isinstance(list_exchanges.sync(client=client), ExchangeList)
        refused = capture_advanced_chart.sync_detailed(client=client)
        assert refused.status_code == 403
        assert isinstance(refused.parsed, ErrorMessage)
        assert refused.parsed.message == "Missing API Key"
