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
    """A server `running_server` started. `keys` are the keys a client can present to it: the
    one made up when none was configured, else the plain configured ones, in order; none when
    every configured key is a `sha256:` digest, which no client can present."""

    base_url: str
    keys: tuple[str, ...]
    app: Starlette
    settings: Settings

    @property
    def api_key(self) -> str:
        """The first of `keys`; `LookupError` when there is none (every key is a digest)."""
        if not self.keys:
            raise LookupError(
                "every key the server was given is a sha256: digest, which no client can "
                "present: send one of the keys it was made from"
            )
        return self.keys[0]


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
            generated = state.services.keys.generated
            keys = (generated,) if generated is not None else tuple(configured_keys(settings))
            yield RunningServer(f"http://{LOOPBACK}:{port}", keys, app, settings)
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
