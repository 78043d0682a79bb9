"""Every status mapped to its error class, over `httpx.MockTransport`."""

from __future__ import annotations

import httpx
import pytest
from chart_img import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AsyncChartImg,
    BadRequestError,
    ChartImg,
    ForbiddenError,
    MarketDataUnavailableError,
    NotFoundError,
    PayloadTooLargeError,
    ProcessTimeoutError,
    RateLimitedError,
    RequestValidationError,
    ServerError,
    ServiceUnavailableError,
    UnprocessableError,
)

from .conftest import API_KEY, BASE_URL, FakeApi, json_response


def client_for(api: FakeApi, **options: object) -> ChartImg:
    return ChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(api),
        max_retries=0,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (413, PayloadTooLargeError),
        (422, UnprocessableError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, MarketDataUnavailableError),
        (503, ServiceUnavailableError),
        (504, ProcessTimeoutError),
        (401, APIStatusError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_its_class(
    fake_api: FakeApi, status: int, error_class: type[APIStatusError]
) -> None:
    fake_api.queue.append(json_response(status, {"message": "Something"}))
    with client_for(fake_api) as client, pytest.raises(error_class) as caught:
        client.chart()
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.body == {"message": "Something"}
    assert error.message == "Something"
    assert error.response.status_code == status
    assert str(error).startswith(f"{status} ")
    assert str(error).endswith(": Something")


def test_field_errors_are_parsed(fake_api: FakeApi) -> None:
    body = {
        "errors": [
            {
                "type": "field",
                "value": "14h",
                "msg": "must be supported",
                "path": "interval",
                "location": "body",
            },
            {"type": "field", "msg": "must be an integer", "path": "width", "location": "body"},
        ]
    }
    fake_api.queue.append(json_response(422, body))
    with client_for(fake_api) as client, pytest.raises(UnprocessableError) as caught:
        client.chart()
    errors = caught.value.field_errors
    assert next((e.path, e.msg, e.value) for e in errors) == (
        "interval",
        "must be supported",
        "14h",
    )
    assert errors[1].path == "width"
    assert (
        caught.value.message == "interval: must be supported (got '14h'); width: must be an integer"
    )


def test_unprocessable_with_a_message(fake_api: FakeApi) -> None:
    fake_api.queue.append(json_response(422, {"message": "Invalid Symbol"}))
    with client_for(fake_api) as client, pytest.raises(UnprocessableError) as caught:
        client.chart(symbol="BINANCE:NOPE")
    assert caught.value.field_errors == []
    assert caught.value.message == "Invalid Symbol"


def test_html_error_body_from_a_proxy(fake_api: FakeApi) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    fake_api.queue.append(httpx.Response(502, text=html, headers={"content-type": "text/html"}))
    with client_for(fake_api) as client, pytest.raises(ServerError) as caught:
        client.exchanges()
    assert caught.value.body == html
    assert str(caught.value) == "502 Bad Gateway: the response is not JSON (text/html)"
    assert caught.value.__cause__ is None


def test_html_success_body_is_a_response_error(fake_api: FakeApi) -> None:
    fake_api.queue.append(httpx.Response(200, text="<html></html>"))
    with client_for(fake_api) as client, pytest.raises(APIResponseError):
        client.exchanges()


def test_non_image_success_is_a_response_error(fake_api: FakeApi) -> None:
    fake_api.queue.append(
        httpx.Response(200, content=b"string", headers={"content-type": "image/png"})
    )
    with client_for(fake_api) as client, pytest.raises(APIResponseError, match="PNG or JPEG"):
        client.chart()


def test_rate_limited_carries_retry_after(fake_api: FakeApi) -> None:
    fake_api.queue.append(
        json_response(429, {"message": "Too Many Requests"}, {"Retry-After": "7"})
    )
    with client_for(fake_api) as client, pytest.raises(RateLimitedError) as caught:
        client.exchanges()
    assert caught.value.retry_after == 7.0


def test_connection_refused(refused_url: str) -> None:
    client = ChartImg(api_key=API_KEY, base_url=refused_url, max_retries=0)
    with client, pytest.raises(APIConnectionError, match="Could not reach the server") as caught:
        client.exchanges()
    assert not isinstance(caught.value, APITimeoutError)


def test_timeout(fake_api: FakeApi) -> None:
    fake_api.queue.append(httpx.ReadTimeout("timed out"))
    with client_for(fake_api) as client, pytest.raises(APITimeoutError):
        client.chart()


def test_validation_fails_before_any_request(fake_api: FakeApi) -> None:
    with client_for(fake_api) as client, pytest.raises(RequestValidationError):
        client.chart(interval="14h")
    with client_for(fake_api) as client, pytest.raises(RequestValidationError):
        client.symbols("not/an/exchange")
    assert fake_api.requests == []


async def test_async_status_and_field_errors(fake_api: FakeApi) -> None:
    fake_api.queue += [
        json_response(403, {"message": "Invalid API Key"}),
        json_response(
            422, {"errors": [{"type": "field", "msg": "bad", "path": "width", "location": "body"}]}
        ),
        httpx.Response(502, text="<html/>", headers={"content-type": "text/html"}),
    ]
    async with AsyncChartImg(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(fake_api), max_retries=0
    ) as client:
        with pytest.raises(ForbiddenError, match="Invalid API Key"):
            await client.exchanges()
        with pytest.raises(UnprocessableError) as caught:
            await client.chart()
        assert caught.value.field_errors[0].path == "width"
        with pytest.raises(ServerError, match="not JSON"):
            await client.store()


async def test_async_connection_refused(refused_url: str) -> None:
    async with AsyncChartImg(api_key=API_KEY, base_url=refused_url, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.exchanges()
