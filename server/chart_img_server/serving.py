"""Run the server in a background thread: for tests, demos, benchmarks and docs."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from .app import ServerState, create_app
from .auth import configured_keys
from .limits import http_protocol
from .render_pool import Renderer
from .settings import Settings

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class RunningServer:
    base_url: str
    api_key: str
    app: Starlette
    settings: Settings


class ServerStartupError(RuntimeError):
    pass


@contextlib.contextmanager
def running_server(
    settings: Settings | None = None, *, renderer: Renderer | None = None
) -> Iterator[RunningServer]:
    """A live server on 127.0.0.1, on a free port, stopped when the block ends."""
    settings = settings or Settings()
    app = create_app(settings, renderer=renderer)
    state: ServerState = app.state.server
    with _listening_socket() as sock:
        port = sock.getsockname()[1]
        server = uvicorn.Server(server_config(app, settings))
        settled = threading.Event()
        thread = threading.Thread(
            target=_serve, args=(server, sock, settled), name=f"chart-img-server:{port}"
        )
        state.on_started.append(settled.set)
        thread.start()
        try:
            settled.wait()
            if not state.started.is_set():
                raise ServerStartupError("the chart-img server stopped during start-up")
            api_key = state.services.keys.generated or configured_keys(settings)[0]
            yield RunningServer(f"http://{LOOPBACK}:{port}", api_key, app, settings)
        finally:
            server.should_exit = True
            thread.join()


def server_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app: its lifespan on, our access log, the connection
    limits of `settings` (see `limits`)."""
    return uvicorn.Config(
        app,
        http=http_protocol(settings),
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        **options,
    )


def _serve(server: uvicorn.Server, sock: socket.socket, settled: threading.Event) -> None:
    try:
        server.run(sockets=[sock])
    finally:
        settled.set()


@contextlib.contextmanager
def _listening_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, 0))
        sock.listen(128)
        yield sock
    finally:
        sock.close()
