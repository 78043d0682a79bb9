from __future__ import annotations

import datetime
import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from chart_img_server import ChartRequest
from chart_img_server.spec import ApiSpec
from chart_img_server.storage import KEY_PATTERN, LocalStorage
from starlette.testclient import TestClient

from .conftest import KEY_HEADERS, STORAGE_PATH, MutableClock, assert_documented, storage_files

START = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
RETENTION = datetime.timedelta(days=14)
IMAGE = b"\x89PNG\r\n\x1a\n stored bytes"


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(START)


@pytest.fixture
def storage_client(client_factory: Callable[..., TestClient], clock: MutableClock) -> TestClient:
    def renderer(chart: ChartRequest, now: datetime.datetime) -> bytes:
        return IMAGE + chart.format.encode()

    return client_factory(renderer=renderer, clock=clock, storage_retention=RETENTION)


def _store(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(STORAGE_PATH, json=body or {}, headers=KEY_HEADERS)
    assert response.status_code == 200, response.text
    stored: dict[str, Any] = response.json()
    return stored


def _path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_store_returns_the_documented_shape(storage_client: TestClient, spec: ApiSpec) -> None:
    response = storage_client.post(STORAGE_PATH, headers=KEY_HEADERS)
    assert_documented(spec, response, STORAGE_PATH, "post")
    stored = response.json()
    data = IMAGE + b"png"
    assert stored["size"] == len(data)
    assert stored["etag"] == hashlib.md5(data).hexdigest()
    assert stored["cors"] == "*"
    assert stored["createdAt"] == "2024-08-12T14:21:16.952Z"
    assert stored["expireAt"] == "2024-08-26T14:21:16.952Z"
    key = stored["url"].removeprefix("http://testserver/storage/")
    assert KEY_PATTERN.match(key)
    assert key.startswith("20240812/coinalyze/advanced-chart/")
    assert key.endswith(".png")


def test_round_trip_serves_the_bytes_with_headers(storage_client: TestClient) -> None:
    stored = _store(storage_client, {"format": "jpeg"})
    assert stored["url"].endswith(".jpg")
    response = storage_client.get(_path_of(stored["url"]))
    assert response.status_code == 200
    assert response.content == IMAGE + b"jpeg"
    assert len(response.content) == stored["size"]
    assert hashlib.md5(response.content).hexdigest() == stored["etag"]
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"] == f'"{stored["etag"]}"'
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == f"public, max-age={14 * 86400}, immutable"


def test_revalidation_answers_304(storage_client: TestClient) -> None:
    stored = _store(storage_client)
    response = storage_client.get(
        _path_of(stored["url"]), headers={"if-none-match": f'"{stored["etag"]}"'}
    )
    assert response.status_code == 304
    assert response.content == b""


def test_object_names_are_unguessable(storage_client: TestClient) -> None:
    urls = {_store(storage_client)["url"] for _ in range(20)}
    assert len(urls) == 20


def test_storage_url_needs_no_key(storage_client: TestClient) -> None:
    stored = _store(storage_client)
    assert storage_client.get(_path_of(stored["url"]), headers={}).status_code == 200


def test_public_base_url_is_used(client_factory: Callable[..., TestClient]) -> None:
    client = client_factory(renderer=lambda *_: b"x", public_base_url="https://charts.example")
    stored = _store(client)
    assert stored["url"].startswith("https://charts.example/storage/20")


def test_after_expiry_the_url_is_404_and_the_file_is_gone(
    storage_client: TestClient, clock: MutableClock, server_settings: Any, spec: ApiSpec
) -> None:
    stored = _store(storage_client)
    path = _path_of(stored["url"])
    clock.advance(RETENTION - datetime.timedelta(milliseconds=1))
    assert storage_client.get(path).status_code == 200
    clock.advance(datetime.timedelta(milliseconds=1))
    response = storage_client.get(path)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert storage_files(server_settings.storage_dir) == []


async def test_purge_removes_only_expired_objects(tmp_path: Path, clock: MutableClock) -> None:
    storage = LocalStorage(tmp_path, RETENTION, clock)
    old = await storage.put(b"old", "png")
    clock.advance(datetime.timedelta(days=7))
    new = await storage.put(b"new", "jpeg")
    clock.advance(datetime.timedelta(days=7))
    assert await storage.purge_expired() == 1
    assert await storage.get(old.key) is None
    found = await storage.get(new.key)
    assert found is not None
    assert found[1] == b"new"
    assert len(storage_files(tmp_path)) == 2


async def test_crash_while_writing_the_image_leaves_nothing(
    tmp_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path, RETENTION, clock)

    def crash(*_: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        await storage.put(IMAGE, "png")
    assert storage_files(tmp_path) == []


async def test_a_failed_metadata_write_leaves_nothing(
    tmp_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image is written, its metadata is not (a full disk): the image goes too."""
    storage = LocalStorage(tmp_path, RETENTION, clock)
    real_replace = os.replace
    written: list[str] = []

    def fail_on_metadata(source: str, target: os.PathLike[str]) -> None:
        if str(target).endswith(".meta.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", fail_on_metadata)
    with pytest.raises(OSError, match="No space left"):
        await storage.put(IMAGE, "png")
    monkeypatch.undo()
    assert len(written) == 1
    assert storage_files(tmp_path) == []


async def test_an_image_a_crash_left_without_metadata_is_never_served_and_purged(
    tmp_path: Path, clock: MutableClock
) -> None:
    storage = LocalStorage(tmp_path, RETENTION, clock)
    stored = await storage.put(IMAGE, "png")
    image = tmp_path / stored.key
    # What a process killed between the two writes leaves.
    image.with_name(image.name + ".meta.json").unlink()
    assert await storage.get(stored.key) is None
    assert storage_files(tmp_path) == [image]
    clock.advance(datetime.timedelta(days=365 * 10))
    await storage.purge_expired()
    assert storage_files(tmp_path) == []


def test_crash_mid_write_answers_500_and_serves_nothing(
    storage_client: TestClient,
    server_settings: Any,
    spec: ApiSpec,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    response = storage_client.post(STORAGE_PATH, headers=KEY_HEADERS)
    assert response.status_code == 500
    assert_documented(spec, response, STORAGE_PATH, "post")
    assert "disk full" not in response.text
    assert storage_files(server_settings.storage_dir) == []


async def test_truncated_image_is_never_served(tmp_path: Path, clock: MutableClock) -> None:
    storage = LocalStorage(tmp_path, RETENTION, clock)
    stored = await storage.put(IMAGE, "png")
    (tmp_path / stored.key).write_bytes(IMAGE[:5])
    assert await storage.get(stored.key) is None


@pytest.mark.parametrize(
    "path",
    [
        "/storage/../../etc/passwd",
        "/storage/..%2F..%2Fetc%2Fpasswd",
        "/storage/%2e%2e/%2e%2e/etc/passwd",
        "/storage/20240812/coinalyze/advanced-chart/..%2F..%2F..%2F..%2Fsecret.png",
        "/storage/20240812%2Fcoinalyze%2Fadvanced-chart%2Fnot-a-uuid.png",
        "/storage/20240812/coinalyze/advanced-chart/00000000-0000-4000-8000-000000000000.png",
        "/storage/20240812/coinalyze/advanced-chart/00000000-0000-4000-8000-000000000000.png.meta.json",
        "/storage/",
        "/storage/%00",
    ],
)
def test_serving_route_cannot_escape_or_guess(storage_client: TestClient, path: str) -> None:
    response = storage_client.get(path)
    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"


def test_metadata_and_temp_files_are_not_served(
    storage_client: TestClient, server_settings: Any
) -> None:
    stored = _store(storage_client)
    path = _path_of(stored["url"])
    assert storage_client.get(path + ".meta.json").status_code == 404
    files = storage_files(server_settings.storage_dir)
    assert sorted(p.suffix for p in files) == [".json", ".png"]


def test_encoded_slashes_reach_the_same_object(storage_client: TestClient) -> None:
    stored = _store(storage_client)
    encoded = _path_of(stored["url"]).replace("/coinalyze/", "%2Fcoinalyze%2F")
    assert storage_client.get(encoded).status_code == 200
