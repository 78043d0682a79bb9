"""S3-compatible storage against a real S3-protocol server: moto's, on 127.0.0.1.

moto runs in a subprocess from its own venv (`make moto`, `.venv/moto`), with its IAM checks on,
so wrong credentials are refused as S3 refuses them (`tests/moto_server.py`). No network: only
the loopback address."""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import obstore
import pytest
from chart_img_server import ChartRequest, Settings
from chart_img_server.s3_storage import META_EXPIRE_AT, META_MD5, S3Location, S3Storage
from chart_img_server.spec import ApiSpec
from chart_img_server.storage import KEY_PATTERN, StorageError
from obstore.store import S3Store
from starlette.testclient import TestClient

from tests.moto_server import BUCKET, REGION, Moto, free_port

from .conftest import KEY_HEADERS, STORAGE_PATH, MutableClock, assert_documented

START = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
RETENTION = datetime.timedelta(days=14)
IMAGE = b"\x89PNG\r\n\x1a\n stored in a bucket "


@pytest.fixture
def credentials(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """The standard AWS_* variables, as a self-hoster sets them."""
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret_access_key)
    monkeypatch.setenv("AWS_REGION", REGION)
    return moto


@pytest.fixture
def prefix() -> str:
    return f"charts/{uuid.uuid4().hex[:8]}"


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(START)


@pytest.fixture
def s3_client_factory(
    client_factory: Callable[..., TestClient], credentials: Moto, prefix: str, clock: MutableClock
) -> Callable[..., TestClient]:
    def renderer(chart: ChartRequest, now: datetime.datetime) -> bytes:
        return IMAGE + chart.format.encode()

    def build(**changes: Any) -> TestClient:
        settings: dict[str, Any] = {
            "storage_url": f"s3://{BUCKET}/{prefix}",
            "s3_endpoint_url": credentials.endpoint,
            "clock": clock,
            "storage_retention": RETENTION,
        }
        return client_factory(renderer=renderer, **(settings | changes))

    return build


def _bucket(moto: Moto) -> S3Store:
    """The test's own view of the whole bucket."""
    return S3Store(
        BUCKET,
        endpoint=moto.endpoint,
        access_key_id=moto.access_key_id,
        secret_access_key=moto.secret_access_key,
        region=REGION,
        client_options={"allow_http": True},
    )


def _keys(moto: Moto, prefix: str) -> list[str]:
    return sorted(meta["path"] for meta in obstore.list(_bucket(moto), prefix).collect())


def _store(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(STORAGE_PATH, json=body or {}, headers=KEY_HEADERS)
    assert response.status_code == 200, response.text
    stored: dict[str, Any] = response.json()
    return stored


def _storage(moto: Moto, prefix: str, clock: MutableClock, bucket: str = BUCKET) -> S3Storage:
    return S3Storage(S3Location(bucket, prefix), RETENTION, clock, endpoint_url=moto.endpoint)


def test_round_trip_put_get_serve(
    s3_client_factory: Callable[..., TestClient], credentials: Moto, prefix: str, spec: ApiSpec
) -> None:
    client = s3_client_factory()
    response = client.post(STORAGE_PATH, json={"format": "jpeg"}, headers=KEY_HEADERS)
    assert_documented(spec, response, STORAGE_PATH, "post")
    stored = response.json()
    data = IMAGE + b"jpeg"
    assert stored["etag"] == hashlib.md5(data).hexdigest()
    assert stored["size"] == len(data)
    assert stored["expireAt"] == "2024-08-26T14:21:16.952Z"
    # No public base URL: this server serves the object, read through from the bucket.
    key = stored["url"].removeprefix("http://testserver/storage/")
    assert KEY_PATTERN.match(key)
    assert key.startswith("20240812/coinalyze/advanced-chart/")
    assert key.endswith(".jpg")
    served = client.get(f"/storage/{key}")
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["etag"] == f'"{stored["etag"]}"'
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == f"public, max-age={14 * 86400}, immutable"
    assert (
        client.get(f"/storage/{key}", headers={"if-none-match": served.headers["etag"]}).status_code
        == 304
    )
    # In the bucket: the object under the prefix, S3's own ETag the same MD5, our metadata.
    assert _keys(credentials, prefix) == [f"{prefix}/{key}"]
    result = obstore.get(_bucket(credentials), f"{prefix}/{key}")
    assert bytes(result.bytes()) == data
    assert (result.meta["e_tag"] or "").strip('"') == stored["etag"]
    assert result.attributes["Content-Type"] == "image/jpeg"
    assert result.attributes["Cache-Control"] == f"public, max-age={14 * 86400}, immutable"
    assert result.attributes[META_MD5] == stored["etag"]
    assert result.attributes[META_EXPIRE_AT] == "2024-08-26T14:21:16.952000+00:00"


def test_a_public_base_url_names_the_object_in_the_bucket(
    s3_client_factory: Callable[..., TestClient], prefix: str
) -> None:
    client = s3_client_factory(public_base_url="https://charts.example")
    stored = _store(client)
    base = f"https://charts.example/{prefix}/"
    assert stored["url"].startswith(base)
    key = stored["url"].removeprefix(base)
    assert KEY_PATTERN.match(key)
    assert key.startswith("20240812/coinalyze/advanced-chart/")
    # The route through this server keeps working all the same.
    assert client.get(f"/storage/{key}").content == IMAGE + b"png"


def test_unknown_and_malformed_keys_are_404(s3_client_factory: Callable[..., TestClient]) -> None:
    client = s3_client_factory()
    missing = f"20240812/coinalyze/advanced-chart/{uuid.uuid4()}.png"
    assert client.get(f"/storage/{missing}").status_code == 404
    assert client.get("/storage/..%2F..%2Fsecret").status_code == 404
    assert client.get("/storage/.chart-img-ready").status_code == 404


async def test_expiry_deletes_by_each_objects_own_retention(
    credentials: Moto, prefix: str, clock: MutableClock
) -> None:
    storage = _storage(credentials, prefix, clock)
    default = await storage.put(IMAGE, "png")
    short = await storage.put(IMAGE, "png", retention=datetime.timedelta(days=1))
    long = await storage.put(IMAGE, "jpeg", retention=datetime.timedelta(days=120))
    assert default.expire_at == START + RETENTION
    assert short.expire_at == START + datetime.timedelta(days=1)
    assert long.expire_at == START + datetime.timedelta(days=120)
    clock.advance(datetime.timedelta(days=1))
    # Expired: never served, and deleted when asked for.
    assert await storage.get(short.key) is None
    assert f"{prefix}/{short.key}" not in _keys(credentials, prefix)
    clock.advance(datetime.timedelta(days=13))
    # A sweep by another process (which stored nothing) reads the expiry from the objects.
    sweeper = _storage(credentials, prefix, clock)
    assert await sweeper.purge_expired() == 1
    assert _keys(credentials, prefix) == [f"{prefix}/{long.key}"]
    found = await storage.get(long.key)
    assert found is not None
    assert found[1] == IMAGE
    assert await sweeper.purge_expired() == 0
    clock.advance(datetime.timedelta(days=106))
    assert await sweeper.purge_expired() == 1
    assert _keys(credentials, prefix) == []


async def test_the_sweep_leaves_objects_that_are_not_ours(
    credentials: Moto, prefix: str, clock: MutableClock
) -> None:
    foreign = f"{prefix}/20240812/coinalyze/advanced-chart/{uuid.uuid4()}.png"
    await obstore.put_async(_bucket(credentials), foreign, b"someone else's")
    await obstore.put_async(_bucket(credentials), f"{prefix}/notes.txt", b"notes")
    clock.advance(datetime.timedelta(days=1000))
    assert await _storage(credentials, prefix, clock).purge_expired() == 0
    assert len(_keys(credentials, prefix)) == 2


def test_a_missing_bucket_is_a_documented_500_and_one_line(
    s3_client_factory: Callable[..., TestClient],
    credentials: Moto,
    spec: ApiSpec,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = s3_client_factory(storage_url="s3://no-such-bucket/charts")
    with caplog.at_level(logging.INFO):
        response = client.post(STORAGE_PATH, headers=KEY_HEADERS)
    assert response.status_code == 500
    assert_documented(spec, response, STORAGE_PATH, "post")
    assert response.json() == {"message": "Internal Server Error"}
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in failures] == [
        "storing a chart failed: s3://no-such-bucket/charts: the bucket does not exist"
    ]
    assert all(record.exc_info is None for record in failures)


@pytest.mark.parametrize("wrong", ["secret", "key id"])
def test_wrong_credentials_are_a_500_that_never_logs_them(
    s3_client_factory: Callable[..., TestClient],
    credentials: Moto,
    prefix: str,
    spec: ApiSpec,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    wrong: str,
) -> None:
    bad_id = "AKIAWRONGWRONGWRONG1" if wrong == "key id" else credentials.access_key_id
    bad_secret = "wrong-secret-wrong-secret" if wrong == "secret" else credentials.secret_access_key
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", bad_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bad_secret)
    client = s3_client_factory()
    with caplog.at_level(logging.DEBUG):
        response = client.post(STORAGE_PATH, headers=KEY_HEADERS)
        ready = client.get("/readyz")
    assert response.status_code == 500
    assert_documented(spec, response, STORAGE_PATH, "post")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        f"storing a chart failed: s3://{BUCKET}/{prefix}: the credentials were refused"
    ]
    assert ready.status_code == 503
    assert ready.json()["services"]["storage"] == "the credentials were refused"
    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    for secret in (bad_id, bad_secret, credentials.secret_access_key):
        assert secret not in logged
        assert secret not in response.text
        assert secret not in ready.text
    assert _keys(credentials, prefix) == []


def test_no_object_stays_when_the_check_after_the_put_fails(
    s3_client_factory: Callable[..., TestClient],
    credentials: Moto,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fail(self: S3Storage, result: object, etag: str) -> None:
        raise StorageError(f"{self.location}: the bucket's ETag is not the MD5 of the bytes")

    monkeypatch.setattr(S3Storage, "_check_etag", fail)
    client = s3_client_factory()
    response = client.post(STORAGE_PATH, headers=KEY_HEADERS)
    assert response.status_code == 500
    assert _keys(credentials, prefix) == []
    assert "the bucket's ETag is not the MD5" in caplog.text


def test_readyz_reports_the_bucket(s3_client_factory: Callable[..., TestClient]) -> None:
    ready = s3_client_factory().get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["services"]["storage"] == "ok"
    missing = s3_client_factory(storage_url="s3://no-such-bucket").get("/readyz")
    assert missing.status_code == 503
    assert missing.json()["failing"] == ["storage"]
    assert missing.json()["services"]["storage"] == "the bucket does not exist"


async def test_an_unreachable_endpoint_fails_quickly_and_names_the_storage(
    credentials: Moto, prefix: str, clock: MutableClock
) -> None:
    storage = S3Storage(
        S3Location(BUCKET, prefix),
        RETENTION,
        clock,
        endpoint_url=f"http://127.0.0.1:{free_port()}",
    )
    began = time.monotonic()
    with pytest.raises(StorageError, match=rf"^s3://{BUCKET}/{prefix}: "):
        await storage.put(IMAGE, "png")
    assert time.monotonic() - began < 30


@pytest.mark.parametrize(
    ("environ", "storage_dir", "storage_url"),
    [
        ({"CHART_IMG_SERVER_STORAGE_URL": "s3://bucket/a/b"}, None, "s3://bucket/a/b"),
        ({"CHART_IMG_SERVER_STORAGE_URL": "/srv/charts"}, Path("/srv/charts"), None),
        ({"CHART_IMG_SERVER_STORAGE_URL": "file:///srv/my%20charts"}, Path("/srv/my charts"), None),
        ({"CHART_IMG_SERVER_STORAGE_DIR": "/srv/charts"}, Path("/srv/charts"), None),
    ],
)
def test_storage_url_settings(
    environ: dict[str, str], storage_dir: Path | None, storage_url: str | None
) -> None:
    settings = Settings.from_env(environ)
    assert settings.storage_url == storage_url
    assert settings.storage_dir == (storage_dir or Settings().storage_dir)


@pytest.mark.parametrize(
    "environ",
    [
        {"CHART_IMG_SERVER_STORAGE_URL": "s3://Bad_Bucket/x"},
        {"CHART_IMG_SERVER_STORAGE_URL": "gs://bucket/x"},
        {"CHART_IMG_SERVER_STORAGE_URL": "file://host/x"},
        {"CHART_IMG_SERVER_STORAGE_URL": "s3://bucket", "CHART_IMG_SERVER_STORAGE_DIR": "/x"},
        {"CHART_IMG_SERVER_S3_ENDPOINT_URL": "127.0.0.1:9000"},
    ],
)
def test_bad_storage_settings_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"STORAGE|storage|S3_ENDPOINT"):
        Settings.from_env(environ)


def test_location_parsing() -> None:
    assert S3Location.parse("s3://bucket/a/b/") == S3Location("bucket", "a/b")
    assert str(S3Location.parse("s3://bucket")) == "s3://bucket"
    assert S3Location("bucket", "a").object_key("k") == "a/k"
    with pytest.raises(ValueError, match="prefix"):
        S3Location.parse("s3://bucket/a/../b")
