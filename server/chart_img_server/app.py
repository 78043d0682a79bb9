"""The ASGI application: routes, auth, limits and errors in the spec's shapes."""

from __future__ import annotations

import contextlib
import datetime
import logging
import math
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .access_log import AccessLogMiddleware
from .auth import KeyStore
from .catalog import Catalog, load_catalog
from .errors import ApiError, error_response
from .rate_limit import RateLimiter
from .render_pool import Renderer, RenderPool, default_renderer
from .settings import Settings
from .spec import ApiSpec, load_spec
from .storage import LocalStorage, StoredObject
from .validation import ChartRequestParser

logger = logging.getLogger("chart_img_server")

IMAGE_MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
STORAGE_ROUTE = "/storage"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class ServerState:
    """Everything the endpoints share, built once at start-up."""

    settings: Settings
    spec: ApiSpec
    catalog: Catalog
    keys: KeyStore
    limiter: RateLimiter
    parser: ChartRequestParser
    renders: RenderPool
    storage: LocalStorage
    started: threading.Event = field(default_factory=threading.Event)
    on_started: list[Callable[[], None]] = field(default_factory=list)

    def mark_started(self) -> None:
        self.started.set()
        for callback in self.on_started:
            callback()


def create_app(settings: Settings | None = None, *, renderer: Renderer | None = None) -> Starlette:
    """The reference server; `renderer` replaces the chart renderer (for tests)."""
    settings = settings or Settings.from_env()
    state = _build_state(settings, renderer or default_renderer())
    api = _Api(state)
    app = Starlette(
        routes=[
            Route("/healthz", api.health, methods=["GET"]),
            Route("/v3/coinalyze/exchange/list", api.guarded(api.exchanges), methods=["GET"]),
            Route(
                "/v3/coinalyze/exchange/{exchange_id}",
                api.guarded(api.exchange_symbols),
                methods=["GET"],
            ),
            Route("/v3/coinalyze/advanced-chart", api.guarded(api.chart), methods=["POST"]),
            Route(
                "/v3/coinalyze/advanced-chart/storage",
                api.guarded(api.store_chart),
                methods=["POST"],
            ),
            Route(STORAGE_ROUTE + "/{key:path}", api.stored_object, methods=["GET"]),
        ],
        middleware=[Middleware(AccessLogMiddleware)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=api.lifespan,
    )
    app.state.server = state
    return app


def _build_state(settings: Settings, renderer: Renderer) -> ServerState:
    spec = load_spec()
    catalog = load_catalog()
    return ServerState(
        settings=settings,
        spec=spec,
        catalog=catalog,
        keys=KeyStore.from_settings(settings),
        limiter=RateLimiter(settings.rate_limit, settings.rate_burst, settings.monotonic),
        parser=ChartRequestParser(spec, catalog),
        renders=RenderPool(renderer, settings.workers, settings.render_timeout),
        storage=LocalStorage(settings.storage_dir, settings.storage_retention, settings.clock),
    )


class _Api:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.settings = state.settings
        # The catalog never changes while serving: encode its busiest answer once.
        catalog = state.catalog
        exchanges = {"updatedAt": catalog.updated_at, "payload": catalog.exchange_ids}
        self._exchanges_body = JSONResponse(exchanges).body

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.settings.storage_dir.mkdir(parents=True, exist_ok=True)
        if self.state.keys.generated is not None:
            _announce_generated_key(self.state.keys.generated)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._purge_periodically)
            self.state.mark_started()
            yield
            tasks.cancel_scope.cancel()

    async def _purge_periodically(self) -> None:
        while True:
            removed = await anyio.to_thread.run_sync(self.state.storage.purge_expired)
            if removed:
                logger.info("purged %d expired storage files", removed)
            await anyio.sleep(self.settings.purge_interval)

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """The endpoint behind auth and the rate limit, answering `ApiError`s in shape."""

        async def guarded_endpoint(request: Request) -> Response:
            try:
                key = self.state.keys.authenticate(request)
                retry_after = self.state.limiter.acquire(key)
                if retry_after is not None:
                    headers = {"Retry-After": str(retry_after)}
                    raise ApiError(429, "Too Many Requests", headers)
                return await endpoint(request)
            except ApiError as error:
                return error.response()

        return guarded_endpoint

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def exchanges(self, request: Request) -> Response:
        return Response(self._exchanges_body, media_type="application/json")

    async def exchange_symbols(self, request: Request) -> Response:
        symbols = self.state.catalog.symbols(request.path_params["exchange_id"])
        if symbols is None:
            raise ApiError(404, "Exchange Not Found")
        return JSONResponse({"updatedAt": self.state.catalog.updated_at, "payload": symbols})

    async def chart(self, request: Request) -> Response:
        image, image_format = await self._render(request)
        return Response(image, media_type=IMAGE_MEDIA_TYPES[image_format])

    async def store_chart(self, request: Request) -> Response:
        image, image_format = await self._render(request)
        stored = await anyio.to_thread.run_sync(self.state.storage.put, image, image_format)
        return JSONResponse(
            {
                "url": self._public_url(request, stored),
                "size": stored.size,
                "cors": "*",
                "etag": stored.etag,
                "expireAt": _timestamp(stored.expire_at),
                "createdAt": _timestamp(stored.created_at),
            }
        )

    async def stored_object(self, request: Request) -> Response:
        found = await anyio.to_thread.run_sync(self.state.storage.get, request.path_params["key"])
        if found is None:
            return error_response(404)
        stored, data = found
        max_age = max(0, math.floor((stored.expire_at - self.settings.clock()).total_seconds()))
        headers = {
            "ETag": f'"{stored.etag}"',
            "Cache-Control": f"public, max-age={max_age}, immutable",
            "Access-Control-Allow-Origin": "*",
        }
        if _etag_matches(request.headers.get("if-none-match"), stored.etag):
            return Response(status_code=304, headers=headers)
        return Response(data, media_type=stored.content_type, headers=headers)

    async def _render(self, request: Request) -> tuple[bytes, str]:
        body = await _read_body(request, self.settings.max_body_bytes)
        chart = self.state.parser.parse(body, request.headers.get("content-type"))
        try:
            image = await self.state.renders.render(chart, self.settings.clock())
        except ApiError:
            raise
        except Exception:
            logger.exception("rendering %s failed", chart)
            raise ApiError(500, "Internal Server Error") from None
        return image, chart.format

    def _public_url(self, request: Request, stored: StoredObject) -> str:
        base = self.settings.public_base_url or str(request.base_url).rstrip("/")
        return f"{base}{STORAGE_ROUTE}/{stored.key}"


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 once it is over `limit` bytes, declared or streamed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "Invalid Request")
        if int(declared) > limit:
            raise ApiError(413, "Payload Too Large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "Payload Too Large")
    return bytes(body)


def _etag_matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return "*" in candidates or f'"{etag}"' in candidates


def _timestamp(moment: datetime.datetime) -> str:
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _announce_generated_key(key: str) -> None:
    # Shown once, like a notebook server's token, so a fresh checkout works without set-up.
    print(
        "chart-img-server: no API key configured (CHART_IMG_SERVER_KEYS); "
        f"for this run use\n    x-api-key: {key}",
        flush=True,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"message": exc.detail}, exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(500)
