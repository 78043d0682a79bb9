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
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .access_log import AccessLogMiddleware
from .auth import client_id, presented_key, reload_keys_on_sighup
from .errors import ApiError, error_response
from .market import Catalog, MarketDataError, UpstreamBusyError
from .metrics import count_request, metrics_endpoint, timed_render
from .middleware import RESPONSE_HEADERS, middleware
from .pipeline import ChartPipeline
from .plans import Plan
from .render_pool import Renderer, RenderPool, default_renderer
from .s3_storage import S3Storage
from .services import READY, ServiceOverrides, Services, open_services, readiness
from .settings import Settings
from .spec import ApiSpec, load_spec
from .storage import StorageError, StoredObject
from .validation import ChartRequestParser

logger = logging.getLogger("chart_img_server")

IMAGE_MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
STORAGE_ROUTE = "/storage"
MARKET_BUSY = "Market Data Rate Limited"
MARKET_UNAVAILABLE = "Market Data Unavailable"
TOO_MANY_FAILED_KEYS = "Too Many Failed Attempts"
# Seconds each service has to answer a readiness probe.
READINESS_TIMEOUT = 2.0

Endpoint = Callable[[Request], Awaitable[Response]]
# An operation's endpoint: the request, and the plan of the key it presented (None: no plan).
Operation = Callable[[Request, Plan | None], Awaitable[Response]]


@dataclass
class ServerState:
    """What the endpoints share: built from the settings, its services opened at start-up."""

    settings: Settings
    spec: ApiSpec
    parser: ChartRequestParser
    renderer: Renderer
    overrides: ServiceOverrides
    started: threading.Event = field(default_factory=threading.Event)
    on_started: list[Callable[[], None]] = field(default_factory=list)
    _services: Services | None = None
    _pipeline: ChartPipeline | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the server's services open when it starts")
        return self._services

    @property
    def pipeline(self) -> ChartPipeline:
        if self._pipeline is None:
            raise RuntimeError("the server's services open when it starts")
        return self._pipeline

    def mark_started(self) -> None:
        self.started.set()
        for callback in self.on_started:
            callback()


def create_app(
    settings: Settings | None = None,
    *,
    renderer: Renderer | None = None,
    services: ServiceOverrides | None = None,
) -> Starlette:
    """The reference server; `renderer` and `services` replace its own (for tests)."""
    settings = settings or Settings.from_env()
    spec = load_spec()
    state = ServerState(
        settings=settings,
        spec=spec,
        parser=ChartRequestParser(spec),
        renderer=timed_render(renderer or default_renderer()),
        overrides=services or ServiceOverrides(),
    )
    api = _Api(state)
    app = Starlette(
        # The busiest first: a request is matched against each route in turn.
        routes=[
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
            Route("/healthz", api.health, methods=["GET"]),
            Route("/readyz", api.ready, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        middleware=[
            Middleware(AccessLogMiddleware, observers=[count_request]),
            *middleware(settings),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=api.lifespan,
    )
    # Paths match exactly: `/healthz/` is 404, not a redirect to a URL built from `Host`.
    app.router.redirect_slashes = False
    app.state.server = state
    return app


class _Api:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.settings = state.settings
        self._exchange_list: tuple[Catalog, Response] | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        state = self.state
        if self.settings.storage_url is None:
            self.settings.storage_dir.mkdir(parents=True, exist_ok=True)
        renders = RenderPool(state.renderer, self.settings.render_threads)
        try:
            async with open_services(self.settings, state.overrides) as services:
                state._services = services
                state._pipeline = ChartPipeline(
                    self.settings,
                    state.parser,
                    state.spec.study_rules,
                    state.spec.intervals,
                    services.market,
                    renders,
                    state.spec.plans,
                )
                if services.keys.generated is not None:
                    _announce_generated_key(services.keys.generated)
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(self._purge_periodically, services)
                    # Started only once SIGHUP is handled: a server process that says it
                    # serves can be told to reload (the supervisor then forwards SIGHUP).
                    await tasks.start(reload_keys_on_sighup, services.keys)
                    state.mark_started()
                    yield
                    tasks.cancel_scope.cancel()
        finally:
            renders.close()

    async def _purge_periodically(self, services: Services) -> None:
        interval = self.settings.purge_interval
        while True:
            # Several processes: one of them sweeps an interval, the one Redis gives the turn.
            if services.redis is None or await services.redis.sweep_turn(interval):
                removed = await services.storage.purge_expired()
                if removed:
                    logger.info("purged %d expired storage files", removed)
            await anyio.sleep(interval)

    def guarded(self, operation: Operation) -> Endpoint:
        """The endpoint behind auth and the rate limit, answering `ApiError`s in shape."""

        async def guarded_endpoint(request: Request) -> Response:
            services = self.state.services
            try:
                key = presented_key(request)
                client = client_id(request.scope)
                # A client that failed too often is refused before its key is checked, so that
                # the answer tells nothing about the key.
                locked = await services.logins.wait(client)
                if locked is not None:
                    raise ApiError(429, TOO_MANY_FAILED_KEYS, {"Retry-After": str(locked)})
                found = await services.keys.find(key)
                if found is None:
                    await services.logins.failed(client)
                    raise ApiError(403, "Invalid API Key")
                refused = await services.limiter.acquire(found.id, found.plan)
                if refused is not None:
                    retry_after = {"Retry-After": str(refused.retry_after)}
                    raise ApiError(429, refused.message, retry_after)
                return await operation(request, found.plan)
            except ApiError as error:
                return error.response()
            except UpstreamBusyError as busy:
                logger.warning("market data from %s is rate limited: %s", busy.upstream, busy)
                seconds = str(max(1, math.ceil(busy.retry_after)))
                return ApiError(429, MARKET_BUSY, {"Retry-After": seconds}).response()
            except MarketDataError as failure:
                logger.error("market data from %s failed: %s", failure.upstream, failure.reason)
                return ApiError(502, MARKET_UNAVAILABLE).response()

        return guarded_endpoint

    async def health(self, request: Request) -> Response:
        """Liveness: the process answers. Whether it can serve is `/readyz`'s question."""
        return JSONResponse({"status": "ok"})

    async def ready(self, request: Request) -> Response:
        """Readiness: 200 when every service answers, else 503 naming those that do not."""
        if not self.state.started.is_set():
            return JSONResponse({"status": "starting", "services": {}}, 503)
        services = await readiness(self.state.services, READINESS_TIMEOUT)
        failing = [name for name, state in services.items() if state != READY]
        if failing:
            body = {"status": "unavailable", "failing": failing, "services": services}
            return JSONResponse(body, 503)
        return JSONResponse({"status": "ready", "services": services})

    async def exchanges(self, request: Request, plan: Plan | None) -> Response:
        catalog = await self.state.services.market.catalog()
        # The busiest answer, made once per catalogue (a response holds no state of a request).
        if self._exchange_list is None or self._exchange_list[0] is not catalog:
            body = {"updatedAt": catalog.updated_at, "payload": list(catalog.exchange_ids)}
            self._exchange_list = (catalog, JSONResponse(body))
        return self._exchange_list[1]

    async def exchange_symbols(self, request: Request, plan: Plan | None) -> Response:
        catalog = await self.state.services.market.catalog()
        symbols = catalog.symbols(request.path_params["exchange_id"])
        if symbols is None:
            raise ApiError(404, "Exchange Not Found")
        return JSONResponse({"updatedAt": catalog.updated_at, "payload": list(symbols)})

    async def chart(self, request: Request, plan: Plan | None) -> Response:
        image, image_format = await self.state.pipeline.image(request, plan)
        return Response(image, media_type=IMAGE_MEDIA_TYPES[image_format])

    async def store_chart(self, request: Request, plan: Plan | None) -> Response:
        image, image_format = await self.state.pipeline.image(request, plan)
        retention = None if plan is None else plan.retention
        try:
            stored = await self.state.services.storage.put(image, image_format, retention)
        except OSError as failure:
            logger.error("storing a chart failed: %s", failure.strerror or failure)
            return error_response(500)
        except StorageError as failure:
            # One line naming the store and why (never a credential): see s3_storage.
            logger.error("storing a chart failed: %s", failure)
            return error_response(500)
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
        try:
            found = await self.state.services.storage.get(request.path_params["key"])
        except StorageError as failure:
            logger.error("reading a stored chart failed: %s", failure)
            return error_response(500)
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

    def _public_url(self, request: Request, stored: StoredObject) -> str:
        storage = self.state.services.storage
        if self.settings.public_base_url and isinstance(storage, S3Storage):
            # The bucket is served publicly at that base (as R2's are): it serves the object.
            return f"{self.settings.public_base_url}/{storage.public_path(stored.key)}"
        # Otherwise this server serves it, from its directory or read through from the bucket.
        base = self.settings.public_base_url or str(request.base_url).rstrip("/")
        return f"{base}{STORAGE_ROUTE}/{stored.key}"


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
    # Starlette answers this outside the middleware: the headers they add are added here.
    response = error_response(500)
    response.headers.update(RESPONSE_HEADERS)
    return response
