"""`ChartImg` and `AsyncChartImg`: the generated operations with keys, retries and typed errors."""

from __future__ import annotations

import asyncio
import copy
import enum
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Self, TypeVar, Unpack

import httpx
from chart_img_api import Client
from chart_img_api.api.market import list_exchange_symbols, list_exchanges
from chart_img_api.api.snapshot import capture_advanced_chart, store_advanced_chart
from chart_img_api.models import ExchangeList, ExchangeSymbols
from chart_img_api.models import StoredChart as StoredChartModel
from chart_img_api.types import File, Response

from . import _spec
from ._auth import REDACTED, ApiKeyAuth, redact
from ._exceptions import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    ChartImgError,
    error_from_response,
)
from ._images import AsyncStoredChart, ChartImage, StoredChart
from ._params import ChartFields, RequestLike, build_request, check_exchange_id, with_fields_doc
from ._retry import RetryPolicy

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "AsyncChartImg",
    "ChartImg",
    "Listing",
    "NotGiven",
    "Timeout",
]

API_KEY_ENV = "CHART_IMG_API_KEY"
BASE_URL_ENV = "CHART_IMG_BASE_URL"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

T = TypeVar("T")


class NotGiven(enum.Enum):
    """The type of `NOT_GIVEN`: an option left out, as opposed to `None` (no timeout)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
Timeout = float | httpx.Timeout | None
"""Seconds, an `httpx.Timeout`, or `None` for no timeout at all."""


class Listing(list[str]):
    """A list of exchange IDs or symbols, with `updated_at` from the payload."""

    def __init__(self, items: Iterable[str] = (), updated_at: datetime | None = None) -> None:
        super().__init__(items)
        self.updated_at = updated_at


class _BaseChartImg:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        fallback_base_url: str | None,
        timeout: Timeout | NotGiven,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        key_in_query: bool,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not key:
            raise ChartImgError(f"No API key: pass api_key= or set {API_KEY_ENV}")
        self._auth = ApiKeyAuth(key, in_query=key_in_query)
        self.base_url = (
            base_url
            or fallback_base_url
            or os.environ.get(BASE_URL_ENV)
            or _spec.default_base_url()
        ).rstrip("/")
        self.timeout = timeout
        self.retry_policy = _policy(retry_policy or RetryPolicy(), max_retries)
        self._closed = False
        self._owns_http = False
        # Only parses responses (`_build_response`): requests go through our own httpx client
        # with `self._auth`, never as the generated client's token, whose repr would show it.
        self._api = Client(base_url=self.base_url)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={REDACTED!r},"
            f" max_retries={self.retry_policy.max_retries})"
        )

    @property
    def is_closed(self) -> bool:
        """Whether `close()` was called, or the httpx client it uses was closed."""
        return self._closed or self._http_closed()

    def _http_closed(self) -> bool:
        raise NotImplementedError

    def with_options(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Self:
        """A copy with other options, sharing this client's connections (cheap; never closes
        them: close the client it came from).

        `client.with_options(timeout=5, max_retries=0).chart(...)`; options left out are kept.
        """
        self._check_open()
        clone = copy.copy(self)
        clone._owns_http = False
        if not isinstance(timeout, NotGiven):
            clone.timeout = timeout
        clone.retry_policy = _policy(retry_policy or self.retry_policy, max_retries)
        return clone

    def _check_open(self) -> None:
        if self.is_closed:
            raise ChartImgError(
                f"This {type(self).__name__} is closed: create a new one (or use it in a"
                " `with` block and call it inside)"
            )

    def _prepare(
        self, kwargs: Mapping[str, Any], timeout: Timeout | NotGiven, *, authenticated: bool
    ) -> dict[str, Any]:
        self._check_open()
        url = str(kwargs["url"])
        chosen = self.timeout if isinstance(timeout, NotGiven) else timeout
        return {
            **kwargs,
            "url": url if "://" in url else self.base_url + url,
            "auth": self._auth if authenticated else None,
            # NOT_GIVEN: the httpx client's own timeout (ours: DEFAULT_TIMEOUT).
            "timeout": httpx.USE_CLIENT_DEFAULT if isinstance(chosen, NotGiven) else chosen,
        }

    def _retry_policy(self, max_retries: int | None) -> RetryPolicy:
        return _policy(self.retry_policy, max_retries)


class ChartImg(_BaseChartImg):
    """The CHART-IMG Coinalyze API client.

    Parameters:
        api_key: the API key; default: the `CHART_IMG_API_KEY` environment variable.
        base_url: the server; default: `CHART_IMG_BASE_URL`, else the spec's first server.
        timeout: seconds, an `httpx.Timeout`, or `None` for none; default: `DEFAULT_TIMEOUT`
            for the httpx client this one creates, the own timeout of an `http_client`.
        max_retries: retries of 429, 5xx and connection errors; 0 disables them. `store()`
            is retried only when nothing can have been stored (see `RetryPolicy`).
        retry_policy: backoff settings (see `RetryPolicy`); `max_retries` overrides its own.
        key_in_query: send the key as the `key` query parameter on GET requests.
        http_client: an `httpx.Client` to use. It is not changed (the base URL, key and
            timeout go with each request) and it is left open on close.
        transport: an httpx transport for the client this one creates (e.g. `MockTransport`).
        sleep: how retries wait (tests pass a recorder).

    Every method also takes `timeout=` and `max_retries=` for that call alone;
    `with_options(...)` makes a copy with other defaults. A closed client refuses requests.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        key_in_query: bool = False,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            fallback_base_url=str(http_client.base_url) or None if http_client else None,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            key_in_query=key_in_query,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else timeout,
            transport=transport,
        )
        self._sleep = sleep

    def __enter__(self) -> Self:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Refuse further requests; close the HTTP client if this client created it."""
        self._closed = True
        if self._owns_http:
            self._http.close()

    def _http_closed(self) -> bool:
        return self._http.is_closed

    def exchanges(
        self, *, timeout: Timeout | NotGiven = NOT_GIVEN, max_retries: int | None = None
    ) -> Listing:
        """The exchange IDs, upper case."""
        response = self._send(list_exchanges._get_kwargs(), timeout, max_retries)
        return _listing(self._parse(list_exchanges._build_response, response), ExchangeList)

    def symbols(
        self,
        exchange: str,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
    ) -> Listing:
        """The symbols of `exchange` (any case)."""
        exchange = check_exchange_id(exchange)
        kwargs = list_exchange_symbols._get_kwargs(exchange)
        response = self._send(kwargs, timeout, max_retries)
        return _listing(
            self._parse(list_exchange_symbols._build_response, response), ExchangeSymbols
        )

    @with_fields_doc
    def chart(
        self,
        request: RequestLike = None,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        **fields: Unpack[ChartFields],
    ) -> ChartImage:
        """Capture a chart: `request` (model or mapping) and/or keyword fields.

        Drawing has no side effect, so every failure that may pass is retried.
        `timeout` and `max_retries` apply to this call alone.
        """
        body = build_request(request, **fields)
        kwargs = capture_advanced_chart._get_kwargs(body=body)
        response = self._send(kwargs, timeout, max_retries)
        return _image(self._parse(capture_advanced_chart._build_response, response))

    @with_fields_doc
    def store(
        self,
        request: RequestLike = None,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        **fields: Unpack[ChartFields],
    ) -> StoredChart:
        """Capture a chart to public storage; `download()` on the result fetches it.

        Storing creates something, so it is retried only when nothing can have been stored
        (a connection never made, 429, 503): never after a read timeout, a dropped
        connection, 500, 502 or 504, which are raised for the caller to judge.
        `timeout` and `max_retries` apply to this call alone.
        """
        body = build_request(request, **fields)
        kwargs = store_advanced_chart._get_kwargs(body=body)
        response = self._send(kwargs, timeout, max_retries, idempotent=False)
        parsed = self._parse(store_advanced_chart._build_response, response)
        return StoredChart(_expect(parsed, StoredChartModel), fetch=self._fetch)

    def _fetch(self, url: str) -> tuple[bytes, str | None]:
        # Storage URLs are public and may be on another host: never send them the key.
        response = self._send({"method": "get", "url": url}, NOT_GIVEN, None, authenticated=False)
        return response.content, response.headers.get("content-type")

    def _send(
        self,
        kwargs: Mapping[str, Any],
        timeout: Timeout | NotGiven,
        max_retries: int | None,
        *,
        idempotent: bool = True,
        authenticated: bool = True,
    ) -> httpx.Response:
        arguments = self._prepare(kwargs, timeout, authenticated=authenticated)
        retrying = self._retry_policy(max_retries).retrying(self._sleep, idempotent=idempotent)
        return retrying(self._send_once, arguments)

    def _send_once(self, arguments: dict[str, Any]) -> httpx.Response:
        self._check_open()
        try:
            response = self._http.request(**arguments)
        except httpx.TransportError as exc:
            raise _connection_error(exc) from None
        if response.is_error:
            raise error_from_response(response)
        return response

    def _parse(self, build: Callable[..., Response[Any]], response: httpx.Response) -> Any:
        return _parsed(lambda: build(client=self._api, response=response))


class AsyncChartImg(_BaseChartImg):
    """The asynchronous twin of `ChartImg`: the same parameters and awaitable methods.

    Parameters:
        api_key: the API key; default: the `CHART_IMG_API_KEY` environment variable.
        base_url: the server; default: `CHART_IMG_BASE_URL`, else the spec's first server.
        timeout: seconds, an `httpx.Timeout`, or `None` for none; default: `DEFAULT_TIMEOUT`
            for the httpx client this one creates, the own timeout of an `http_client`.
        max_retries: retries of 429, 5xx and connection errors; 0 disables them. `store()`
            is retried only when nothing can have been stored (see `RetryPolicy`).
        retry_policy: backoff settings (see `RetryPolicy`); `max_retries` overrides its own.
        key_in_query: send the key as the `key` query parameter on GET requests.
        http_client: an `httpx.AsyncClient` to use. It is not changed (the base URL, key and
            timeout go with each request) and it is left open on close.
        transport: an httpx async transport (e.g. `ASGITransport`, `MockTransport`).
        sleep: how retries wait (tests pass a recorder).

    Every method also takes `timeout=` and `max_retries=` for that call alone;
    `with_options(...)` makes a copy with other defaults. A closed client refuses requests.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        key_in_query: bool = False,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            fallback_base_url=str(http_client.base_url) or None if http_client else None,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            key_in_query=key_in_query,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else timeout,
            transport=transport,
        )
        self._sleep = sleep

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Refuse further requests; close the HTTP client if this client created it."""
        self._closed = True
        if self._owns_http:
            await self._http.aclose()

    def _http_closed(self) -> bool:
        return self._http.is_closed

    async def exchanges(
        self, *, timeout: Timeout | NotGiven = NOT_GIVEN, max_retries: int | None = None
    ) -> Listing:
        """The exchange IDs, upper case."""
        response = await self._send(list_exchanges._get_kwargs(), timeout, max_retries)
        return _listing(self._parse(list_exchanges._build_response, response), ExchangeList)

    async def symbols(
        self,
        exchange: str,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
    ) -> Listing:
        """The symbols of `exchange` (any case)."""
        exchange = check_exchange_id(exchange)
        kwargs = list_exchange_symbols._get_kwargs(exchange)
        response = await self._send(kwargs, timeout, max_retries)
        return _listing(
            self._parse(list_exchange_symbols._build_response, response), ExchangeSymbols
        )

    @with_fields_doc
    async def chart(
        self,
        request: RequestLike = None,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        **fields: Unpack[ChartFields],
    ) -> ChartImage:
        """Capture a chart: `request` (model or mapping) and/or keyword fields.

        Drawing has no side effect, so every failure that may pass is retried.
        `timeout` and `max_retries` apply to this call alone.
        """
        body = build_request(request, **fields)
        kwargs = capture_advanced_chart._get_kwargs(body=body)
        response = await self._send(kwargs, timeout, max_retries)
        return _image(self._parse(capture_advanced_chart._build_response, response))

    @with_fields_doc
    async def store(
        self,
        request: RequestLike = None,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        **fields: Unpack[ChartFields],
    ) -> AsyncStoredChart:
        """Capture a chart to public storage; `await download()` on the result fetches it.

        Storing creates something, so it is retried only when nothing can have been stored
        (a connection never made, 429, 503): never after a read timeout, a dropped
        connection, 500, 502 or 504, which are raised for the caller to judge.
        `timeout` and `max_retries` apply to this call alone.
        """
        body = build_request(request, **fields)
        kwargs = store_advanced_chart._get_kwargs(body=body)
        response = await self._send(kwargs, timeout, max_retries, idempotent=False)
        parsed = self._parse(store_advanced_chart._build_response, response)
        return AsyncStoredChart(_expect(parsed, StoredChartModel), fetch=self._fetch)

    async def _fetch(self, url: str) -> tuple[bytes, str | None]:
        # Storage URLs are public and may be on another host: never send them the key.
        response = await self._send(
            {"method": "get", "url": url}, NOT_GIVEN, None, authenticated=False
        )
        return response.content, response.headers.get("content-type")

    async def _send(
        self,
        kwargs: Mapping[str, Any],
        timeout: Timeout | NotGiven,
        max_retries: int | None,
        *,
        idempotent: bool = True,
        authenticated: bool = True,
    ) -> httpx.Response:
        arguments = self._prepare(kwargs, timeout, authenticated=authenticated)
        policy = self._retry_policy(max_retries)
        retrying = policy.async_retrying(self._sleep, idempotent=idempotent)
        response: httpx.Response = await retrying(self._send_once, arguments)
        return response

    async def _send_once(self, arguments: dict[str, Any]) -> httpx.Response:
        self._check_open()
        try:
            response = await self._http.request(**arguments)
        except httpx.TransportError as exc:
            raise _connection_error(exc) from None
        if response.is_error:
            raise error_from_response(response)
        return response

    def _parse(self, build: Callable[..., Response[Any]], response: httpx.Response) -> Any:
        return _parsed(lambda: build(client=self._api, response=response))


def _policy(policy: RetryPolicy, max_retries: int | None) -> RetryPolicy:
    return policy if max_retries is None else replace(policy, max_retries=max_retries)


def _parsed(parse: Callable[[], Response[Any]]) -> Response[Any]:
    try:
        return parse()
    except (ValueError, KeyError, TypeError) as exc:
        raise APIResponseError(f"the response does not match the spec: {exc!r}") from exc


# Transport errors raised before a byte of the request left: the server never saw it.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def _connection_error(exc: httpx.TransportError) -> APIConnectionError:
    # `from None`: the httpx error's request may carry the key in its URL.
    detail = redact(str(exc) or type(exc).__name__)
    sent = not isinstance(exc, _NEVER_SENT)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"The request timed out ({type(exc).__name__}: {detail})", request_sent=sent
        )
    return APIConnectionError(f"Could not reach the server: {detail}", request_sent=sent)


def _expect(response: Response[Any], kind: type[T]) -> T:
    if not isinstance(response.parsed, kind):
        raise APIResponseError(
            f"expected {kind.__name__} with status {response.status_code}, got"
            f" {type(response.parsed).__name__}"
        )
    return response.parsed


def _listing(response: Response[Any], kind: type[ExchangeList | ExchangeSymbols]) -> Listing:
    parsed = _expect(response, kind)
    return Listing(parsed.payload or [], parsed.updated_at)


def _image(response: Response[Any]) -> ChartImage:
    payload = _expect(response, File).payload
    return ChartImage.from_bytes(payload.read(), response.headers.get("content-type"))
