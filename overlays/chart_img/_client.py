"""`ChartImg` and `AsyncChartImg`: the generated operations with keys, retries and typed errors."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack, cast

import httpx
from chart_img_api import AuthenticatedClient
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
from ._params import ChartFields, RequestLike, build_request, check_exchange_id
from ._retry import RetryPolicy

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_TIMEOUT",
    "AsyncChartImg",
    "ChartImg",
    "Listing",
]

API_KEY_ENV = "CHART_IMG_API_KEY"
BASE_URL_ENV = "CHART_IMG_BASE_URL"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

T = TypeVar("T")


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
        policy = retry_policy or RetryPolicy()
        self.retry_policy = (
            policy if max_retries is None else replace(policy, max_retries=max_retries)
        )
        # The key travels through `self._auth` on our own httpx client, never as the
        # generated client's token, whose attrs repr would show it.
        self._api = AuthenticatedClient(base_url=self.base_url, token="", prefix="")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={REDACTED!r},"
            f" max_retries={self.retry_policy.max_retries})"
        )

    def _configure(self, http: httpx.Client | httpx.AsyncClient, hook: Callable[..., Any]) -> None:
        http.base_url = httpx.URL(self.base_url)
        http.auth = self._auth
        http.event_hooks["response"].append(hook)


class ChartImg(_BaseChartImg):
    """The CHART-IMG Coinalyze API client.

    Parameters:
        api_key: the API key; default: the `CHART_IMG_API_KEY` environment variable.
        base_url: the server; default: `CHART_IMG_BASE_URL`, else the spec's first server.
        timeout: seconds, or an `httpx.Timeout`, for clients this one creates.
        max_retries: retries of 429, 5xx and connection errors; 0 disables them.
        retry_policy: backoff settings (see `RetryPolicy`); `max_retries` overrides its own.
        key_in_query: send the key as the `key` query parameter on GET requests.
        http_client: an `httpx.Client` to use; its base URL, auth and a response hook are
            set, and it is left open on close.
        transport: an httpx transport for the client this one creates (e.g. `MockTransport`).
        sleep: how retries wait (tests pass a recorder).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
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
            max_retries=max_retries,
            retry_policy=retry_policy,
            key_in_query=key_in_query,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)
        self._configure(self._http, _raise_for_status)
        self._api.set_httpx_client(self._http)
        self._retrying = self.retry_policy.retrying(sleep)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            self._http.close()

    def exchanges(self) -> Listing:
        """The exchange IDs, upper case."""
        response = self._send(lambda: list_exchanges.sync_detailed(client=self._api))
        return _listing(response, ExchangeList)

    def symbols(self, exchange: str) -> Listing:
        """The symbols of `exchange` (any case)."""
        exchange = check_exchange_id(exchange)
        response = self._send(
            lambda: list_exchange_symbols.sync_detailed(exchange, client=self._api)
        )
        return _listing(response, ExchangeSymbols)

    def chart(self, request: RequestLike = None, **fields: Unpack[ChartFields]) -> ChartImage:
        """Capture a chart: `request` (model or mapping) and/or keyword fields."""
        body = build_request(request, **fields)
        response = self._send(
            lambda: capture_advanced_chart.sync_detailed(client=self._api, body=body)
        )
        return _image(response)

    def store(self, request: RequestLike = None, **fields: Unpack[ChartFields]) -> StoredChart:
        """Capture a chart to public storage; `download()` on the result fetches it."""
        body = build_request(request, **fields)
        response = self._send(
            lambda: store_advanced_chart.sync_detailed(client=self._api, body=body)
        )
        return StoredChart(_expect(response, StoredChartModel), fetch=self._fetch)

    def _fetch(self, url: str) -> tuple[bytes, str | None]:
        # Storage URLs are public and may be on another host: never send them the key.
        response = self._send(lambda: self._http.get(url, auth=None))
        return response.content, response.headers.get("content-type")

    def _send(self, operation: Callable[[], T]) -> T:
        return cast(T, self._retrying.copy()(_transport_errors_mapped, operation))


class AsyncChartImg(_BaseChartImg):
    """The asynchronous twin of `ChartImg`: the same parameters and awaitable methods.

    Parameters:
        api_key: the API key; default: the `CHART_IMG_API_KEY` environment variable.
        base_url: the server; default: `CHART_IMG_BASE_URL`, else the spec's first server.
        timeout: seconds, or an `httpx.Timeout`, for clients this one creates.
        max_retries: retries of 429, 5xx and connection errors; 0 disables them.
        retry_policy: backoff settings (see `RetryPolicy`); `max_retries` overrides its own.
        key_in_query: send the key as the `key` query parameter on GET requests.
        http_client: an `httpx.AsyncClient` to use; its base URL, auth and a response hook
            are set, and it is left open on close.
        transport: an httpx async transport (e.g. `ASGITransport`, `MockTransport`).
        sleep: how retries wait (tests pass a recorder).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
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
            max_retries=max_retries,
            retry_policy=retry_policy,
            key_in_query=key_in_query,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)
        self._configure(self._http, _araise_for_status)
        self._api.set_async_httpx_client(self._http)
        self._retrying = self.retry_policy.async_retrying(sleep)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    async def exchanges(self) -> Listing:
        """The exchange IDs, upper case."""
        response = await self._send(lambda: list_exchanges.asyncio_detailed(client=self._api))
        return _listing(response, ExchangeList)

    async def symbols(self, exchange: str) -> Listing:
        """The symbols of `exchange` (any case)."""
        exchange = check_exchange_id(exchange)
        response = await self._send(
            lambda: list_exchange_symbols.asyncio_detailed(exchange, client=self._api)
        )
        return _listing(response, ExchangeSymbols)

    async def chart(self, request: RequestLike = None, **fields: Unpack[ChartFields]) -> ChartImage:
        """Capture a chart: `request` (model or mapping) and/or keyword fields."""
        body = build_request(request, **fields)
        response = await self._send(
            lambda: capture_advanced_chart.asyncio_detailed(client=self._api, body=body)
        )
        return _image(response)

    async def store(
        self, request: RequestLike = None, **fields: Unpack[ChartFields]
    ) -> AsyncStoredChart:
        """Capture a chart to public storage; `await download()` on the result fetches it."""
        body = build_request(request, **fields)
        response = await self._send(
            lambda: store_advanced_chart.asyncio_detailed(client=self._api, body=body)
        )
        return AsyncStoredChart(_expect(response, StoredChartModel), fetch=self._fetch)

    async def _fetch(self, url: str) -> tuple[bytes, str | None]:
        response = await self._send(lambda: self._http.get(url, auth=None))
        return response.content, response.headers.get("content-type")

    async def _send(self, operation: Callable[[], Awaitable[T]]) -> T:
        return cast(T, await self._retrying.copy()(_atransport_errors_mapped, operation))


def _raise_for_status(response: httpx.Response) -> None:
    if response.is_error:
        response.read()
        raise error_from_response(response)


async def _araise_for_status(response: httpx.Response) -> None:
    if response.is_error:
        await response.aread()
        raise error_from_response(response)


def _transport_errors_mapped(operation: Callable[[], T]) -> T:
    try:
        return operation()
    except httpx.TransportError as exc:
        raise _connection_error(exc) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise APIResponseError(f"the response does not match the spec: {exc!r}") from exc


async def _atransport_errors_mapped(operation: Callable[[], Awaitable[T]]) -> T:
    try:
        return await operation()
    except httpx.TransportError as exc:
        raise _connection_error(exc) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise APIResponseError(f"the response does not match the spec: {exc!r}") from exc


def _connection_error(exc: httpx.TransportError) -> APIConnectionError:
    # `from None`: the httpx error's request may carry the key in its URL.
    detail = redact(str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"The request timed out ({type(exc).__name__}: {detail})")
    return APIConnectionError(f"Could not reach the server: {detail}")


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
