"""`python -m chart_img_server`: run the reference server with uvicorn."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from .access_log import log_formatter
from .app import create_app
from .settings import Settings

# Time for in-flight renders to finish once a shutdown begins.
_SHUTDOWN_GRACE_SECONDS = 5.0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = _settings(_parser().parse_args(argv))
    except ValueError as exc:
        print(f"chart-img-server: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_format)
    try:
        app = create_app(settings)
    except ValueError as exc:
        print(f"chart-img-server: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=int(settings.render_timeout + _SHUTDOWN_GRACE_SECONDS),
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chart_img_server",
        description="The chart-img-kit reference server for the CHART-IMG Coinalyze API v3. "
        "Every option can also be set with a CHART_IMG_SERVER_* environment variable.",
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default 8000)")
    parser.add_argument("--workers", type=int, help="charts rendered at the same time")
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
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter(log_format))
    logging.getLogger().handlers = [handler]
    for name in ("chart_img_server", "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
