"""Fixtures shared by every test folder: reference-server settings, app and live server."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from chart_img_server import RunningServer, Settings, create_app, running_server
from starlette.applications import Starlette

from tests.moto_server import Moto, MotoUnavailable, running_moto

TEST_API_KEY = "test-key"
FIXED_NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    """A fixed key, a fresh storage directory, no rate limit and a clock stopped at FIXED_NOW."""
    return Settings(
        keys=(TEST_API_KEY,),
        storage_dir=tmp_path / "storage",
        rate_limit=0,
        clock=lambda: FIXED_NOW,
    )


@pytest.fixture
def app(server_settings: Settings) -> Starlette:
    return create_app(server_settings)


@pytest.fixture
def live_server(server_settings: Settings) -> Iterator[RunningServer]:
    with running_server(server_settings) as server:
        yield server


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    """moto's S3 server on a free port of 127.0.0.1 (`make moto`), for one test module."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_moto())
        except MotoUnavailable as exc:
            pytest.fail(str(exc))
        yield server
