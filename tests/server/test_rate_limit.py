from __future__ import annotations

from collections.abc import Callable

from chart_img_server.rate_limit import TokenBuckets
from chart_img_server.spec import ApiSpec
from starlette.testclient import TestClient

from .conftest import CHART_PATH, KEY_HEADERS, LIST_PATH, ManualMonotonic, assert_documented


def test_burst_then_429_with_retry_after_then_refill(
    client_factory: Callable[..., TestClient], spec: ApiSpec
) -> None:
    clock = ManualMonotonic()
    client = client_factory(
        renderer=lambda *_: b"image", rate_limit=0.5, rate_burst=3, monotonic=clock
    )
    for _ in range(3):
        assert client.get(LIST_PATH, headers=KEY_HEADERS).status_code == 200
    limited = client.post(CHART_PATH, headers=KEY_HEADERS)
    assert limited.status_code == 429
    assert_documented(spec, limited, CHART_PATH, "post")
    assert limited.json() == {"message": "Too Many Requests"}
    assert limited.headers["retry-after"] == "2"
    clock.value += 1.0
    assert client.get(LIST_PATH, headers=KEY_HEADERS).headers["retry-after"] == "1"
    clock.value += 2.0
    assert client.get(LIST_PATH, headers=KEY_HEADERS).status_code == 200


def test_keys_have_separate_buckets(client_factory: Callable[..., TestClient]) -> None:
    client = client_factory(
        renderer=lambda *_: b"image",
        keys=("a", "b"),
        rate_limit=1.0,
        rate_burst=1,
        monotonic=ManualMonotonic(),
    )
    assert client.get(LIST_PATH, headers={"x-api-key": "a"}).status_code == 200
    assert client.get(LIST_PATH, headers={"x-api-key": "a"}).status_code == 429
    assert client.get(LIST_PATH, headers={"x-api-key": "b"}).status_code == 200


def test_rejected_keys_do_not_spend_tokens(client_factory: Callable[..., TestClient]) -> None:
    client = client_factory(
        renderer=lambda *_: b"image", rate_limit=1.0, rate_burst=1, monotonic=ManualMonotonic()
    )
    for _ in range(5):
        assert client.get(LIST_PATH, headers={"x-api-key": "wrong"}).status_code == 403
    assert client.get(LIST_PATH, headers=KEY_HEADERS).status_code == 200


def test_zero_rate_turns_the_limit_off() -> None:
    limiter = TokenBuckets(0, 1, ManualMonotonic())
    assert all(limiter.take("k") is None for _ in range(1000))


def test_bucket_never_holds_more_than_the_burst() -> None:
    clock = ManualMonotonic()
    limiter = TokenBuckets(10, 2, clock)
    clock.value += 3600
    assert [limiter.take("k") for _ in range(3)] == [None, None, 1]
