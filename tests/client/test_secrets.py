"""The API key goes where the spec says, and nowhere else: no message, repr, log or traceback."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest
from chart_img import APIConnectionError, AsyncChartImg, ChartImg, ChartImgError

from .conftest import API_KEY, BASE_URL, FakeApi, SleepRecorder, json_response

HTTP_LOGGERS = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "chart_img")


def everything_said_about(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


def test_header_by_default_and_never_the_query(fake_api: FakeApi) -> None:
    with ChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake_api)
    ) as client:
        client.exchanges()
        client.chart()
    for request in fake_api.requests:
        assert request.headers["x-api-key"] == API_KEY
        assert "key" not in request.url.params


def test_query_key_only_for_get_and_only_on_request(fake_api: FakeApi) -> None:
    transport = httpx.MockTransport(fake_api)
    with ChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=transport, key_in_query=True
    ) as client:
        client.symbols("binance")
        client.chart()
    get, post = fake_api.requests
    assert get.url.params["key"] == API_KEY
    assert "x-api-key" not in get.headers
    assert post.headers["x-api-key"] == API_KEY
    assert "key" not in post.url.params


def test_download_never_sends_the_key(fake_api: FakeApi) -> None:
    transport = httpx.MockTransport(fake_api)
    with ChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=transport, key_in_query=True
    ) as client:
        client.store().download()
    download = fake_api.requests[-1]
    assert download.url.host == "storage.test"
    assert "x-api-key" not in download.headers
    assert "key" not in download.url.params


def test_reprs_hide_the_key(fake_api: FakeApi) -> None:
    with ChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake_api)
    ) as client:
        shown = repr(client) + str(client) + repr(client._auth) + repr(client._http.headers)
        stored = client.store()
        shown += repr(stored) + repr(client.chart())
    assert API_KEY not in shown
    assert "api_key='***'" in repr(client)


@pytest.mark.parametrize("key_in_query", [False, True])
def test_key_absent_from_errors_and_logs(
    fake_api: FakeApi,
    sleeps: SleepRecorder,
    caplog: pytest.LogCaptureFixture,
    key_in_query: bool,
) -> None:
    fake_api.queue += [
        json_response(403, {"message": "Invalid API Key"}),
        json_response(500, {"message": "Internal Server Error"}),
        json_response(500, {"message": "Internal Server Error"}),
        httpx.Response(502, text=f"<html>{BASE_URL}</html>", headers={"content-type": "text/html"}),
        httpx.ConnectError("Connection refused"),
        httpx.ConnectError("Connection refused"),
    ]
    for name in HTTP_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    errors: list[ChartImgError] = []
    with ChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(fake_api),
        key_in_query=key_in_query,
        max_retries=1,
        sleep=sleeps,
    ) as client:
        for _ in range(3):
            with pytest.raises(ChartImgError) as caught:
                client.exchanges()
            errors.append(caught.value)
        with pytest.raises(ChartImgError):
            client.chart(interval="nope")
    assert [type(e).__name__ for e in errors] == [
        "ForbiddenError",
        "ServerError",
        "APIConnectionError",
    ]
    for error in errors:
        assert API_KEY not in everything_said_about(error)
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)
    assert any("Retrying" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
    assert API_KEY not in caplog.text


def test_key_absent_from_real_socket_logs(
    refused_url: str, sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    for name in HTTP_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    client = ChartImg(api_key=API_KEY, base_url=refused_url, key_in_query=True, sleep=sleeps)
    with client, pytest.raises(APIConnectionError) as caught:
        client.exchanges()
    assert API_KEY not in everything_said_about(caught.value)
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert API_KEY not in caplog.text


async def test_async_key_absent(fake_api: FakeApi, caplog: pytest.LogCaptureFixture) -> None:
    for name in HTTP_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    fake_api.queue.append(json_response(403, {"message": "Invalid API Key"}))
    async with AsyncChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(fake_api),
        key_in_query=True,
    ) as client:
        assert API_KEY not in repr(client)
        with pytest.raises(ChartImgError) as caught:
            await client.symbols("binance")
        await client.symbols("binance")
    assert fake_api.requests[-1].url.params["key"] == API_KEY
    assert API_KEY not in everything_said_about(caught.value)
    assert API_KEY not in caplog.text
