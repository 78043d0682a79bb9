"""What every answer carries, which hosts are served, and opt-in CORS: ASGI middleware that
runs before any route."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import KEY_HEADER
from .errors import error_response
from .settings import Settings

# On every answer: no content sniffing. On every answer that sets no caching of its own (the
# API's, its errors): none, so that no proxy keeps a chart, a catalogue or a `?key=` URL.
ALWAYS = {"x-content-type-options": "nosniff"}
UNLESS_SET = {"cache-control": "no-store"}
RESPONSE_HEADERS = {**ALWAYS, **UNLESS_SET}
INVALID_HOST = "Invalid Host"
# Probes address a server by whatever name reaches it (a pod IP) and get no URL back.
_ANY_HOST_PATHS = frozenset({"/healthz", "/readyz"})
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104  (names no bind)


def middleware(settings: Settings) -> list[Middleware]:
    """The server's own middleware, outermost first (the access log wraps them all)."""
    stack = [Middleware(HostsAndHeadersMiddleware, hosts=allowed_hosts(settings))]
    if settings.cors_origins:
        stack.append(
            Middleware(
                JsonCorsMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=[KEY_HEADER, "content-type"],
                max_age=600,
            )
        )
    return stack


class JsonCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, but a refused preflight is `400 {"message"}` like every error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-type", "content-length")
        }
        message = bytes(response.body).decode()
        return JSONResponse({"message": message}, response.status_code, headers=headers)


class HostsAndHeadersMiddleware:
    """Answers `400 {"message": "Invalid Host"}` to a request whose `Host` the operator did not
    configure, so that no URL the server builds (storage links) carries a host it was sent;
    and adds `RESPONSE_HEADERS` to every answer, that one included. One wrapper for both:
    every request passes through it."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts
        self._served: dict[bytes, bool] = {}  # Host headers seen, whether each is served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_response_headers(message.get("headers", ()))
            await send(message)

        if scope["path"] not in _ANY_HOST_PATHS and not self._serves(_host_header(scope)):
            await error_response(400, INVALID_HOST)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _serves(self, host: bytes | None) -> bool:
        # Without a Host header (HTTP/1.0) URLs are built from the bound address.
        if host is None:
            return True
        served = self._served.get(host)
        if served is None:
            served = host_name(host.decode("latin-1")) in self.hosts
            if len(self._served) < _MAX_HOSTS_REMEMBERED:
                self._served[host] = served
        return served


# Clients send the few names a server has: what is remembered of any others stays bounded.
_MAX_HOSTS_REMEMBERED = 1024
_ALWAYS_RAW = [(name.encode(), value.encode()) for name, value in ALWAYS.items()]
_UNLESS_SET_RAW = [(name.encode(), value.encode()) for name, value in UNLESS_SET.items()]
_ALWAYS_NAMES = frozenset(name for name, _ in _ALWAYS_RAW)


def _host_header(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"host":
            return bytes(value)
    return None


def _with_response_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer's header fields, `ALWAYS` replacing any of their names, `UNLESS_SET` added
    where absent. On the raw fields, which ASGI names in lower case: every answer pays for it."""
    given = [(name, value) for name, value in raw if name not in _ALWAYS_NAMES]
    present = {name for name, _ in given}
    unset = [(name, value) for name, value in _UNLESS_SET_RAW if name not in present]
    return [*given, *_ALWAYS_RAW, *unset]


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The configured names, the bound address (unless a wildcard) and the public URL's host."""
    names: list[str] = list(settings.allowed_hosts)
    if settings.host not in _WILDCARD_BINDS:
        names.append(settings.host)
    if settings.public_base_url:
        names.append(urlsplit(settings.public_base_url).hostname or "")
    return frozenset(_normal(name) for name in names if name)


def host_name(header: str) -> str:
    """The name in a `Host` header, without its port (`[::1]:8000` is `::1`); empty when the
    header is not a name or address and an optional port (`a:1@evil.example` is not)."""
    match = _HOST_HEADER.fullmatch(header.strip())
    if match is None:
        return ""
    return _normal(match["address"] or match["name"])


_HOST_HEADER = re.compile(
    r"(?:\[(?P<address>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))(?::[0-9]{1,5})?"
)


def _normal(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()
