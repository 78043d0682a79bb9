"""`python -m chart_img_server`: run the reference server with uvicorn."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .access_log import ServerLogHandler, log_formatter, write_access_lines_to
from .app import create_app
from .serving import server_config
from .settings import Settings

# Time for in-flight renders to finish once a shutdown begins.
_SHUTDOWN_GRACE_SECONDS = 5.0
# uvicorn's: the exit status when the application's start-up failed, and the listen backlog.
STARTUP_FAILURE = 3
_BACKLOG = 2048


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = _settings(_parser().parse_args(argv))
    except ValueError as exc:
        return _fail(str(exc), 2)
    _configure_logging(settings.log_format)
    try:
        app = create_app(settings)
    except ValueError as exc:
        return _fail(str(exc), 2)
    # What can fail at start-up for want of a directory or a port fails here, in one line,
    # before the lifespan opens services (and makes up a key) for a server that cannot run.
    # A bucket (`storage_url`) needs no directory: `storage_dir` is then unused.
    if settings.storage_url is None:
        try:
            settings.storage_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return _fail(f"cannot create the storage directory {settings.storage_dir}: {_why(exc)}")
    try:
        sock = _listen(settings.host, settings.port)
    except OSError as exc:
        return _fail(f"cannot listen on {settings.host} port {settings.port}: {_why(exc)}")
    if settings.processes > 1:
        from .processes import run_processes

        with sock:
            return run_processes(settings, sock)
    with sock:
        return serve_in_process(settings, sock, app)


def serve_in_process(
    settings: Settings,
    sock: socket.socket,
    app: Starlette | None = None,
    on_started: Callable[[], None] | None = None,
) -> int:
    """One server process on the listening socket, until it is told to stop: the exit status."""
    if app is None:
        _configure_logging(settings.log_format)
        app = create_app(settings)
    config = server_config(
        _OneLineStartupErrors(app),
        settings,
        timeout_graceful_shutdown=int(settings.render_timeout + _SHUTDOWN_GRACE_SECONDS),
    )
    server = uvicorn.Server(config)
    # uvicorn announces only the sockets it binds itself: say where this one listens.
    app.state.server.on_started.append(on_started or (lambda: _announce(sock)))
    server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE


class _OneLineStartupErrors:
    """The app, but a start-up that fails for a reason it names (a `ValueError` or `OSError`
    from a service, such as an unreadable keys file) is logged as that reason, in one line,
    not as a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_reason(message: Message) -> None:
            # Starlette sends this from inside the `except` that caught the failure.
            failure = sys.exc_info()[1]
            if message["type"] == "lifespan.startup.failed" and isinstance(
                failure, (ValueError, OSError)
            ):
                message = {**message, "message": f"chart-img-server: {failure}"}
            await send(message)

        await self.app(scope, receive, send_reason)


def _fail(message: str, status: int = 1) -> int:
    print(f"chart-img-server: {message}", file=sys.stderr)
    return status


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _announce(sock: socket.socket, processes: int = 1) -> None:
    host, port = sock.getsockname()[:2]
    where = f"[{host}]:{port}" if sock.family == socket.AF_INET6 else f"{host}:{port}"
    several = f" with {processes} processes" if processes > 1 else ""
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s%s (Press CTRL+C to quit)", where, several
    )


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, as uvicorn would bind it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chart_img_server",
        description="The chart-img-kit reference server for the CHART-IMG Coinalyze API v3. "
        "Every option can also be set with a CHART_IMG_SERVER_* environment variable.",
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default 8000)")
    parser.add_argument(
        "--render-threads",
        "--workers",
        dest="render_threads",
        type=int,
        help="charts rendered at the same time, per process (--workers: the old name)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        help="server processes on the port (more than 1 needs CHART_IMG_SERVER_REDIS_URL and keys)",
    )
    parser.add_argument("--keys-file", type=Path, help="file of API keys, one a line")
    parser.add_argument("--storage-dir", type=Path, help="directory for stored charts")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        name: value
        for name, value in vars(args).items()
        if value is not None and name in {f.name for f in dataclasses.fields(Settings)}
    }
    return dataclasses.replace(Settings.from_env(), **overrides)


def _configure_logging(log_format: str = "text") -> None:
    """Every record, ours, uvicorn's or a library's, to stderr: escaped text lines, or one JSON
    object a line (`CHART_IMG_SERVER_LOG_FORMAT=json`)."""
    # No line shows a record's thread or process: not asked, they are not looked up for each.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = ServerLogHandler()
    handler.setFormatter(log_formatter(log_format))
    logging.getLogger().handlers = [handler]
    for name in ("chart_img_server", "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    write_access_lines_to(handler)


if __name__ == "__main__":
    sys.exit(main())
