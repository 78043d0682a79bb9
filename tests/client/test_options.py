"""The client next to openai-python and stripe-python: documented fields, per-call options,
`with_options`, a caller's own httpx client left alone, closed clients, safe retries of
`store()`, error messages that do not repeat themselves."""

from __future__ import annotations

import inspect
import pydoc
import re
from typing import Any

import httpx
import pytest
import yaml
from chart_img import (
    NOT_GIVEN,
    APITimeoutError,
    AsyncChartImg,
    ChartFields,
    ChartImg,
    ChartImgError,
    MarketDataUnavailableError,
    ProcessTimeoutError,
    RateLimitedError,
    ServerError,
)
from chart_img._params import field_names

from .conftest import API_KEY, BASE_URL, FakeApi, SleepRecorder, json_response

STORE_PATH = "/v3/coinalyze/advanced-chart/storage"


def sync_client(api: FakeApi, sleeps: SleepRecorder, **options: Any) -> ChartImg:
    return ChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(api),
        sleep=sleeps,
        **options,
    )


def async_client(api: FakeApi, sleeps: SleepRecorder, **options: Any) -> AsyncChartImg:
    return AsyncChartImg(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(api),
        sleep=sleeps.asleep,
        **options,
    )


def read_timeout(request: httpx.Request | None = None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out reading", request=request)


def timeouts(api: FakeApi) -> list[dict[str, float | None]]:
    return [request.extensions["timeout"] for request in api.requests]


# -- every field documented, from the spec -------------------------------------------------


def _expected_fields() -> list[tuple[str, dict[str, Any]]]:
    """The request fields read straight from openapi.yaml, not through the overlay's helpers."""
    document = yaml.safe_load((spec_path()).read_text("utf-8"))
    schemas = document["components"]["schemas"]
    properties = schemas["AdvancedChartRequest"]["properties"]
    out = []
    for name, schema in properties.items():
        keyword = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        ref = schema.get("$ref") or next(
            (part["$ref"] for part in schema.get("allOf", []) if "$ref" in part), None
        )
        items_ref = schema.get("items", {}).get("$ref")
        enum_schema = schemas[(ref or items_ref).rsplit("/", 1)[-1]] if ref or items_ref else {}
        out.append((keyword, {**schema, "enum": enum_schema.get("enum", [])}))
    return out


def spec_path() -> Any:
    import importlib.resources

    return importlib.resources.files("chart_img_api").joinpath("openapi.yaml")


@pytest.mark.parametrize(
    "method", [ChartImg.chart, ChartImg.store, AsyncChartImg.chart, AsyncChartImg.store]
)
def test_help_shows_every_field_with_type_default_and_allowed_values(method: Any) -> None:
    text = pydoc.render_doc(method, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    flat = " ".join(text.split())
    fields = _expected_fields()
    assert len(fields) == len(ChartFields.__annotations__) == 11
    for keyword, schema in fields:
        line = re.search(rf"^\s+{keyword} \(([^)]+)\):$", text, re.MULTILINE)
        assert line, f"{keyword} is not documented in help({method.__qualname__})"
        assert line[1] != "Any"
        if "default" in schema:
            default = schema["default"]
            shown = f'"{default}"' if isinstance(default, str) else repr(default)
            assert f"Default: {shown}." in flat, keyword
        for value in schema["enum"]:
            assert str(value) in flat, f"{keyword}: {value} is not listed"
        for bound in ("minimum", "maximum"):
            if bound in schema:
                assert str(schema[bound]) in flat, f"{keyword}: {bound}"
        if "maxLength" in schema:
            assert f"At most {schema['maxLength']} characters" in flat
    assert "interval (Interval | str):" in text
    assert "studies (Sequence[Study | str]):" in text
    assert "timeout" in inspect.signature(method).parameters
    assert "max_retries" in inspect.signature(method).parameters


def test_chart_fields_typed_dict_is_documented_too() -> None:
    doc = ChartFields.__doc__ or ""
    for keyword in field_names():
        assert f"    {keyword} (" in doc


# -- per-call options and with_options ------------------------------------------------------


def test_per_call_timeout_and_the_default(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    with sync_client(fake_api, sleeps) as client:
        client.exchanges()
        client.exchanges(timeout=3)
        client.chart(timeout=httpx.Timeout(9.0, connect=1.0))
        client.symbols("binance", timeout=None)
        client.exchanges()
    default, per_call, chart, unlimited, again = timeouts(fake_api)
    assert default == {"connect": 5.0, "read": 60.0, "write": 60.0, "pool": 60.0}
    assert per_call == {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    assert chart["read"] == 9.0
    assert chart["connect"] == 1.0
    assert unlimited == {"connect": None, "read": None, "write": None, "pool": None}
    assert again == default


def test_per_call_max_retries(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    fake_api.queue += [json_response(500, {"message": "boom"})] * 4
    with sync_client(fake_api, sleeps) as client:
        with pytest.raises(ServerError):
            client.chart(max_retries=0)
        assert len(fake_api.requests) == 1
        with pytest.raises(ServerError):
            client.exchanges(max_retries=2)
        assert len(fake_api.requests) == 4
        assert client.exchanges() == ["BINANCE", "BYBIT"]


def test_with_options_is_a_copy(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    with sync_client(fake_api, sleeps, max_retries=3) as client:
        quick = client.with_options(timeout=2, max_retries=0)
        assert quick is not client
        assert quick.retry_policy.max_retries == 0
        assert client.retry_policy.max_retries == 3
        assert client.timeout is NOT_GIVEN
        fake_api.queue.append(json_response(503, {"message": "later"}))
        with pytest.raises(ServerError):
            quick.exchanges()
        assert sleeps.delays == []
        client.exchanges()
        quick.close()  # closes the copy, not the connections it shares
        assert quick.is_closed
        assert not client.is_closed
        client.exchanges()
        kept = client.with_options(max_retries=1)
        assert kept.timeout is NOT_GIVEN
    assert timeouts(fake_api)[0]["read"] == 2.0
    assert timeouts(fake_api)[1]["read"] == 60.0
    assert kept.is_closed  # its parent closed the shared connections


async def test_async_per_call_options_and_with_options(
    fake_api: FakeApi, sleeps: SleepRecorder
) -> None:
    fake_api.queue += [json_response(500, {"message": "boom"})] * 2
    async with async_client(fake_api, sleeps) as client:
        with pytest.raises(ServerError):
            await client.chart(max_retries=0, timeout=4)
        with pytest.raises(ServerError):
            await client.with_options(max_retries=0).exchanges()
        await client.with_options(timeout=8).symbols("bybit")
    assert [t["read"] for t in timeouts(fake_api)] == [4.0, 60.0, 8.0]
    assert sleeps.delays == []


# -- a caller's own httpx client ------------------------------------------------------------


def _snapshot(http: httpx.Client | httpx.AsyncClient) -> dict[str, Any]:
    return {
        "base_url": str(http.base_url),
        "auth": http.auth,
        "timeout": http.timeout,
        "headers": dict(http.headers),
        "params": str(http.params),
        "hooks": {name: list(hooks) for name, hooks in http.event_hooks.items()},
    }


def test_a_callers_http_client_is_not_modified(fake_api: FakeApi) -> None:
    own = httpx.Client(
        base_url="http://elsewhere.test",
        transport=httpx.MockTransport(fake_api),
        timeout=11,
        headers={"x-own": "yes"},
    )
    before = _snapshot(own)
    with ChartImg(api_key=API_KEY, base_url=BASE_URL, http_client=own, max_retries=0) as client:
        client.exchanges()
        client.chart(theme="dark")
        client.store().download()
        client.exchanges(timeout=2)
        fake_api.queue.append(json_response(403, {"message": "Forbidden"}))
        with pytest.raises(ChartImgError, match="403"):
            client.exchanges()
    assert _snapshot(own) == before
    assert not own.is_closed
    api_calls = [r for r in fake_api.requests if r.url.host == "api.test"]
    assert all(r.headers["x-api-key"] == API_KEY for r in api_calls)
    assert all(r.headers["x-own"] == "yes" for r in fake_api.requests)
    assert [r.extensions["timeout"]["read"] for r in api_calls] == [11.0, 11.0, 11.0, 2.0, 11.0]
    # The caller's client, used on its own, sends neither the key nor to our server.
    own.get("/v3/coinalyze/exchange/list")
    assert "x-api-key" not in fake_api.requests[-1].headers
    assert fake_api.requests[-1].url.host == "elsewhere.test"
    own.close()


async def test_a_callers_async_http_client_is_not_modified(fake_api: FakeApi) -> None:
    own = httpx.AsyncClient(transport=httpx.MockTransport(fake_api), timeout=12)
    before = _snapshot(own)
    async with AsyncChartImg(api_key=API_KEY, base_url=BASE_URL, http_client=own) as client:
        await client.exchanges()
        await (await client.store()).download()
    assert _snapshot(own) == before
    assert not own.is_closed
    assert fake_api.requests[0].headers["x-api-key"] == API_KEY
    await own.aclose()


def test_the_client_timeout_applies_to_a_callers_http_client(fake_api: FakeApi) -> None:
    own = httpx.Client(transport=httpx.MockTransport(fake_api), timeout=11)
    with ChartImg(api_key=API_KEY, base_url=BASE_URL, http_client=own, timeout=4) as client:
        client.exchanges()
    assert fake_api.requests[0].extensions["timeout"]["read"] == 4.0
    assert own.timeout.read == 11.0


# -- closed clients --------------------------------------------------------------------------


def test_a_closed_client_refuses_use(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    with sync_client(fake_api, sleeps) as client:
        stored = client.store()
    for call in (
        client.exchanges,
        lambda: client.symbols("binance"),
        client.chart,
        client.store,
        stored.download,
        lambda: client.with_options(timeout=1),
        client.__enter__,
    ):
        with pytest.raises(ChartImgError, match="ChartImg is closed"):
            call()
    assert len(fake_api.requests) == 1
    assert client.is_closed


def test_closing_leaves_a_callers_client_open_but_refuses_use(fake_api: FakeApi) -> None:
    own = httpx.Client(transport=httpx.MockTransport(fake_api))
    client = ChartImg(api_key=API_KEY, base_url=BASE_URL, http_client=own)
    client.close()
    assert not own.is_closed
    with pytest.raises(ChartImgError, match="closed"):
        client.exchanges()
    second = ChartImg(api_key=API_KEY, base_url=BASE_URL, http_client=own)
    own.close()  # the caller closed it: say so, not an httpx RuntimeError
    with pytest.raises(ChartImgError, match="closed"):
        second.exchanges()
    assert fake_api.requests == []


async def test_a_closed_async_client_refuses_use(fake_api: FakeApi, sleeps: SleepRecorder) -> None:
    async with async_client(fake_api, sleeps) as client:
        await client.exchanges()
    with pytest.raises(ChartImgError, match="AsyncChartImg is closed"):
        await client.chart()
    with pytest.raises(ChartImgError, match="closed"):
        await client.__aenter__()
    assert len(fake_api.requests) == 1


# -- store() is not repeated when it may have stored ----------------------------------------


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (read_timeout(), APITimeoutError),
        (httpx.WriteTimeout("timed out writing"), APITimeoutError),
        (httpx.RemoteProtocolError("server disconnected"), ChartImgError),
        (httpx.ReadError("connection reset"), ChartImgError),
        (json_response(500, {"message": "Internal Server Error"}), ServerError),
        (json_response(502, {"message": "Bad Gateway"}), MarketDataUnavailableError),
        (json_response(504, {"message": "Process Timeout"}), ProcessTimeoutError),
    ],
    ids=["read-timeout", "write-timeout", "disconnect", "reset", "500", "502", "504"],
)
def test_store_is_not_retried_when_it_may_have_stored(
    fake_api: FakeApi,
    sleeps: SleepRecorder,
    failure: httpx.Response | Exception,
    error: type[Exception],
) -> None:
    fake_api.queue.append(failure)
    with sync_client(fake_api, sleeps, max_retries=3) as client, pytest.raises(error):
        client.store()
    assert [r.url.path for r in fake_api.requests] == [STORE_PATH]
    assert sleeps.delays == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("timed out connecting"),
        httpx.PoolTimeout("no free connection"),
        json_response(429, {"message": "Too Many Requests"}, {"Retry-After": "1"}),
        json_response(503, {"message": "Service Unavailable"}),
    ],
    ids=["refused", "connect-timeout", "pool-timeout", "429", "503"],
)
def test_store_is_retried_when_nothing_was_stored(
    fake_api: FakeApi, sleeps: SleepRecorder, failure: httpx.Response | Exception
) -> None:
    fake_api.queue.append(failure)
    with sync_client(fake_api, sleeps) as client:
        assert client.store().size > 0
    assert [r.url.path for r in fake_api.requests] == [STORE_PATH, STORE_PATH]
    assert len(sleeps.delays) == 1


def test_chart_and_reads_are_retried_after_a_read_timeout(
    fake_api: FakeApi, sleeps: SleepRecorder
) -> None:
    fake_api.queue += [read_timeout(), json_response(504, {"message": "Process Timeout"})]
    with sync_client(fake_api, sleeps) as client:
        assert client.chart().width == 800
        fake_api.queue.append(read_timeout())
        assert client.exchanges() == ["BINANCE", "BYBIT"]
    assert len(fake_api.requests) == 5
    assert len(sleeps.delays) == 3


async def test_async_store_is_not_retried_after_a_read_timeout(
    fake_api: FakeApi, sleeps: SleepRecorder
) -> None:
    fake_api.queue += [read_timeout(), read_timeout()]
    async with async_client(fake_api, sleeps, max_retries=3) as client:
        with pytest.raises(APITimeoutError):
            await client.store()
        assert len(fake_api.requests) == 1
        await client.chart()  # the second timeout is retried: drawing stores nothing
    assert len(fake_api.requests) == 3


# -- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (429, {"message": "Too Many Requests"}, "429 Too Many Requests"),
        (429, {"message": "too many requests."}, "429 Too Many Requests"),
        (
            429,
            {"message": "Slow down: 10 a second"},
            "429 Too Many Requests: Slow down: 10 a second",
        ),
        (404, {"message": "Not Found"}, "404 Not Found"),
        (504, {"message": "Process Timeout"}, "504 Gateway Timeout: Process Timeout"),
    ],
)
def test_error_messages_do_not_repeat_the_reason(
    fake_api: FakeApi, status: int, body: dict[str, str], message: str
) -> None:
    fake_api.queue.append(json_response(status, body))
    with (
        sync_client(fake_api, SleepRecorder(), max_retries=0) as client,
        pytest.raises(ChartImgError) as caught,
    ):
        client.exchanges()
    assert str(caught.value) == message
    if status == 429:
        assert isinstance(caught.value, RateLimitedError)
        assert caught.value.message == body["message"]
