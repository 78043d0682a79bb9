"""Client configuration: key and base URL from arguments or environment, owned HTTP clients."""

from __future__ import annotations

import httpx
import pytest
from chart_img import AsyncChartImg, ChartImg, ChartImgError
from chart_img._spec import spec

from .conftest import API_KEY, BASE_URL, FakeApi


def test_key_and_base_url_from_the_environment(
    fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHART_IMG_API_KEY", API_KEY)
    monkeypatch.setenv("CHART_IMG_BASE_URL", "http://from-env.test/")
    with ChartImg(transport=httpx.MockTransport(fake_api)) as client:
        client.exchanges()
    request = fake_api.requests[0]
    assert request.url.host == "from-env.test"
    assert request.headers["x-api-key"] == API_KEY


def test_arguments_beat_the_environment(fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHART_IMG_API_KEY", "from-env")
    monkeypatch.setenv("CHART_IMG_BASE_URL", "http://from-env.test")
    with ChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake_api)
    ) as client:
        client.exchanges()
    assert str(fake_api.requests[0].url).startswith(BASE_URL)
    assert fake_api.requests[0].headers["x-api-key"] == API_KEY


def test_default_base_url_is_the_spec_first_server() -> None:
    with ChartImg(api_key=API_KEY) as client:
        assert client.base_url == spec()["servers"][0]["url"]


def test_missing_key_is_a_clear_error() -> None:
    with pytest.raises(ChartImgError, match="CHART_IMG_API_KEY"):
        ChartImg()
    with pytest.raises(ChartImgError, match="CHART_IMG_API_KEY"):
        AsyncChartImg(api_key="")


def test_http_client_or_transport_not_both(fake_api: FakeApi) -> None:
    with pytest.raises(ValueError, match="not both"):
        ChartImg(
            api_key=API_KEY, http_client=httpx.Client(), transport=httpx.MockTransport(fake_api)
        )


def test_closes_only_what_it_opened(fake_api: FakeApi) -> None:
    mine = httpx.Client(transport=httpx.MockTransport(fake_api), base_url=BASE_URL)
    with ChartImg(api_key=API_KEY, http_client=mine) as client:
        assert client.base_url == BASE_URL
        assert client.exchanges() == ["BINANCE", "BYBIT"]
    assert not mine.is_closed
    mine.close()
    with ChartImg(api_key=API_KEY, transport=httpx.MockTransport(fake_api)) as owned:
        pass
    assert owned._http.is_closed


async def test_async_closes_only_what_it_opened(fake_api: FakeApi) -> None:
    mine = httpx.AsyncClient(transport=httpx.MockTransport(fake_api))
    async with AsyncChartImg(api_key=API_KEY, base_url=BASE_URL, http_client=mine) as client:
        assert (await client.symbols("binance")).updated_at is None
    assert not mine.is_closed
    await mine.aclose()
    async with AsyncChartImg(api_key=API_KEY, transport=httpx.MockTransport(fake_api)) as owned:
        pass
    assert owned._http.is_closed


def test_listing_carries_updated_at(fake_api: FakeApi) -> None:
    with ChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake_api)
    ) as client:
        exchanges = client.exchanges()
    assert exchanges == ["BINANCE", "BYBIT"]
    assert exchanges.updated_at is not None
    assert exchanges.updated_at.isoformat().startswith("2024-08-11T12:00")
