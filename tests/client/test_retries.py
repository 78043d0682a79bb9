"""Retries: backoff with jitter, `Retry-After`, limits; sleeps recorded, never waited."""

from __future__ import annotations

import httpx
import pytest
from chart_img import (
    APIConnectionError,
    AsyncChartImg,
    BadRequestError,
    ChartImg,
    ProcessTimeoutError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
)

from .conftest import API_KEY, BASE_URL, FakeApi, SleepRecorder, json_response

TOO_MANY = {"message": "Too Many Requests"}


def sync_client(api: FakeApi, sleeps: SleepRecorder, **options: object) -> ChartImg:
    return ChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(api),
        sleep=sleeps,
        **options,  # type: ignore[arg-type]
    )


def async_client(api: FakeApi, sleeps: SleepRecorder, **options: object) -> AsyncChartImg:
    return AsyncChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(api),
        sleep=sleeps.asleep,
        **options,  # type: ignore[arg-type]
    )


def test_429_then_200_waits_retry_after(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(json_response(429, TOO_MANY, {"Retry-After": "3"}))
    with sync_client(fake_api, sleeps) as client:
        assert client.exchanges() == ["BINANCE", "BYBIT"]
    assert sleeps.delays == [3.0]
    assert len(fake_api.requests) == 2


def test_retry_after_as_http_date_is_honoured(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(
        json_response(429, TOO_MANY, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    )
    with sync_client(fake_api, sleeps) as client:
        client.exchanges()
    assert sleeps.delays == [0.0]  # a date in the past: retry at once


def test_retry_after_beyond_the_cap_is_not_waited(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(json_response(429, TOO_MANY, {"Retry-After": "3600"}))
    policy = RetryPolicy(retry_after_max=30)
    client = sync_client(fake_api, sleeps, retry_policy=policy)
    with client, pytest.raises(RateLimitedError) as caught:
        client.exchanges()
    assert caught.value.retry_after == 3600
    assert sleeps.delays == []
    assert len(fake_api.requests) == 1


def test_retries_exhausted_on_504(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue += [json_response(504, {"message": "Process Timeout"})] * 3
    policy = RetryPolicy(max_retries=2, backoff_initial=0.5, backoff_max=8.0, jitter=0.25)
    client = sync_client(fake_api, sleeps, retry_policy=policy)
    with client, pytest.raises(ProcessTimeoutError):
        client.chart()
    assert len(fake_api.requests) == 3
    first, second = sleeps.delays
    assert 0.5 <= first <= 0.75
    assert 1.0 <= second <= 1.25


def test_backoff_is_capped(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue += [json_response(500, {"message": "Internal Server Error"})] * 4
    policy = RetryPolicy(max_retries=4, backoff_initial=1, backoff_max=2.5, jitter=0)
    with sync_client(fake_api, sleeps, retry_policy=policy) as client:
        client.exchanges()
    assert sleeps.delays == [1, 2, 2.5, 2.5]


def test_max_retries_zero_disables(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(json_response(500, {"message": "Internal Server Error"}))
    with sync_client(fake_api, sleeps, max_retries=0) as client, pytest.raises(ServerError):
        client.exchanges()
    assert (len(fake_api.requests), sleeps.delays) == (1, [])


def test_client_errors_are_not_retried(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(json_response(400, {"message": "Invalid Request"}))
    with sync_client(fake_api, sleeps) as client, pytest.raises(BadRequestError):
        client.chart()
    assert (len(fake_api.requests), sleeps.delays) == (1, [])


def test_connection_errors_are_retried(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(httpx.ConnectError("Connection refused"))
    with sync_client(fake_api, sleeps) as client:
        assert client.chart().width == 800
    assert len(sleeps.delays) == 1


def test_connection_refused_exhausts_retries(refused_url: str, sleeps: SleepRecorder) -> None:
    client = ChartImg(api_key=API_KEY, base_url=refused_url, sleep=sleeps, max_retries=2)
    with client, pytest.raises(APIConnectionError):
        client.exchanges()
    assert len(sleeps.delays) == 2


def test_negative_max_retries_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


async def test_async_429_then_200(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue.append(json_response(429, TOO_MANY, {"Retry-After": "2"}))
    async with async_client(fake_api, sleeps) as client:
        image = await client.chart(theme="dark")
    assert image.width == 800
    assert sleeps.delays == [2.0]


async def test_async_retries_exhausted(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue += [json_response(504, {"message": "Process Timeout"})] * 2
    async with async_client(fake_api, sleeps, max_retries=1) as client:
        with pytest.raises(ProcessTimeoutError):
            await client.chart()
    assert len(sleeps.delays) == 1
    assert len(fake_api.requests) == 2
