"""An access log that never records an API key."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("chart_img_server.access")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class AccessLogMiddleware:
    """Logs one line a request: client, method, path, query names, status and time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            client = scope.get("client")
            logger.info(
                '%s "%s %s" %d %.1fms',
                f"{client[0]}:{client[1]}" if client else "-",
                scope["method"],
                redacted_target(scope),
                status,
                elapsed_ms,
            )


def redacted_target(scope: Scope) -> str:
    """The path and the query's parameter names; values (the `key` among them) are dropped."""
    path: str = scope.get("path", "")
    query = scope.get("query_string", b"").decode("latin-1")
    if not query:
        return path
    names = [
        name if _PLAIN_NAME.fullmatch(name) else "?"
        for name, _ in parse_qsl(query, keep_blank_values=True)
    ]
    return path + "?" + "&".join(f"{name}=..." for name in names)
