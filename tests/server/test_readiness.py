"""Liveness and readiness: `/healthz` says the process answers, `/readyz` whether every service
can serve; and a store that fails half-way leaves nothing behind (issue 12, item 6)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from chart_img_server import Settings, create_app, storage
from chart_img_server.market import Catalog, MarketDataError, SyntheticSource
from chart_img_server.plans import Plan, Refusal
from chart_img_server.services import ServiceOverrides, Services, readiness
from chart_img_server.spec import ApiSpec
from chart_img_server.storage import LocalStorage
from starlette.testclient import TestClient

from .conftest import KEY_HEADERS, NOW, STORAGE_PATH, assert_documented, storage_files

RETENTION = Settings().storage_retention


class CatalogueNotLoaded(SyntheticSource):
    """A market source before its first catalogue, as the Coinalyze source is."""

    async def catalog(self) -> Catalog:
        raise MarketDataError("coinalyze", "the market catalogue has not loaded yet")


class Unreachable:
    """A limiter that a readiness probe finds down (as a shared Redis one could be)."""

    async def acquire(self, key: str) -> int | None:
        return None

    async def check_ready(self) -> str | None:
        return "unreachable"


class Hanging:
    async def acquire(self, key_id: str, plan: Plan | None) -> Refusal | None:
        return None

    async def check_ready(self) -> str | None:
        await anyio.sleep(30)
        return None


def _client(settings: Settings, **services: Any) -> Iterator[TestClient]:
    app = create_app(settings, renderer=lambda *_: b"x", services=ServiceOverrides(**services))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def ready_client(server_settings: Settings) -> Iterator[TestClient]:
    yield from _client(server_settings)


def test_ready_when_every_service_answers(ready_client: TestClient) -> None:
    response = ready_client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ready", "services": {"market": "ok", "storage": "ok"}}


def test_full_storage_is_not_ready_but_alive(
    ready_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "_free_bytes", lambda _: 4096)
    response = ready_client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["storage"]
    assert body["services"]["storage"].startswith("full (4 KiB free")
    assert body["services"]["market"] == "ok"
    # Liveness is not readiness: the process still answers.
    assert ready_client.get("/healthz").json() == {"status": "ok"}


def test_read_only_storage_is_not_ready(
    ready_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(_: Path) -> int:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(storage, "_free_bytes", read_only)
    response = ready_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["services"]["storage"] == "not writable (Read-only file system)"


def test_a_market_catalogue_not_loaded_is_not_ready(server_settings: Settings) -> None:
    for client in _client(server_settings, market=CatalogueNotLoaded()):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["market"]
        assert response.json()["services"]["market"] == "the market catalogue has not loaded yet"


def test_any_service_that_can_check_itself_is_asked(server_settings: Settings) -> None:
    for client in _client(server_settings, limiter=Unreachable()):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["services"] == {
            "market": "ok",
            "limiter": "unreachable",
            "storage": "ok",
        }


async def test_a_check_that_hangs_is_cut_short(server_settings: Settings) -> None:
    services = Services(
        market=SyntheticSource(),
        limiter=Hanging(),
        storage=LocalStorage(server_settings.storage_dir, RETENTION, lambda: NOW),
        keys=None,  # type: ignore[arg-type]
        logins=None,  # type: ignore[arg-type]
    )
    with anyio.fail_after(5):
        states = await readiness(services, 0.05)
    assert states["limiter"] == "no answer within 0.05 s"
    assert states["storage"] == "ok"


def test_readiness_needs_no_key_and_answers_any_host(ready_client: TestClient) -> None:
    response = ready_client.get("/readyz", headers={"host": "10.1.2.3:8000"})
    assert response.status_code == 200


async def test_storage_that_cannot_be_written_is_not_ready(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    store = LocalStorage(blocker / "storage", RETENTION, lambda: NOW)
    reason = await store.check_ready()
    assert reason is not None
    assert reason.startswith("not writable (")


def test_a_full_disk_while_storing_is_a_documented_500_and_nothing_stays(
    ready_client: TestClient,
    server_settings: Settings,
    spec: ApiSpec,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_write = storage._write_atomically

    def disk_full_on_metadata(path: Path, data: bytes) -> None:
        if path.name.endswith(".meta.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(storage, "_write_atomically", disk_full_on_metadata)
    response = ready_client.post(STORAGE_PATH, headers=KEY_HEADERS)
    assert response.status_code == 500
    assert_documented(spec, response, STORAGE_PATH, "post")
    assert storage_files(server_settings.storage_dir) == []
    assert "storing a chart failed: No space left on device" in caplog.text
