"""Stored chart images in an S3-compatible bucket (Cloudflare R2, MinIO, AWS S3), via obstore.

One PUT writes an image together with its metadata (`x-amz-meta-*`: its MD5, creation and
expiry), so an object is whole with its metadata or absent: there is no second write to fail
half-way. Should a check after the PUT fail (the bucket's ETag is not our MD5), the object is
deleted before the error is raised. Expired objects are never served, and a sweep deletes them
by the expiry each carries (see `S3Storage.purge_expired`).

The credentials are the S3 client's own: the standard `AWS_*` variables (or an instance's role),
read by obstore, never by the settings. Failures are reported as `StorageError`s that name the
bucket and a reason chosen here, never the client's message, which may quote the request
(S3's `SignatureDoesNotMatch` body carries the access key ID and the string signed).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import (
    BaseError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from obstore.store import S3Store

from .settings import Settings
from .storage import (
    CONTENT_TYPES,
    EXTENSIONS,
    KEY_PATTERN,
    OBJECT_PREFIX,
    LocalStorage,
    StorageError,
    StoredObject,
)

if TYPE_CHECKING:
    from obstore import Attributes, PutResult

__all__ = ["S3Location", "S3Storage", "open_storage"]

logger = logging.getLogger("chart_img_server")

# User metadata on each object (sent as x-amz-meta-<name>); what get and the sweep read back.
META_MD5 = "chart-img-md5"
META_CREATED_AT = "chart-img-created-at"
META_EXPIRE_AT = "chart-img-expire-at"
# Written by the readiness check: proves the bucket takes writes; never a chart's key.
READY_PROBE = ".chart-img-ready"
# A request to the bucket must not hold a chart for long: a few quick retries, then an error.
CONNECT_TIMEOUT = datetime.timedelta(seconds=5)
REQUEST_TIMEOUT = datetime.timedelta(seconds=30)
MAX_RETRIES = 2
RETRY_TIMEOUT = datetime.timedelta(seconds=10)
LIST_CHUNK = 1000

# S3 error codes, as they appear in a failure, and what the log line and /readyz say instead.
_REASONS = (
    ("NoSuchBucket", "the bucket does not exist"),
    ("InvalidAccessKeyId", "the credentials were refused"),
    ("SignatureDoesNotMatch", "the credentials were refused"),
    ("InvalidToken", "the credentials were refused"),
    ("ExpiredToken", "the credentials have expired"),
    ("AccessDenied", "access denied"),
)
# obstore raises FileNotFoundError for a missing object, and its own errors for the rest.
_NOT_FOUND = (NotFoundError, FileNotFoundError)
_FAILURES = (BaseError, OSError)
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True, slots=True)
class S3Location:
    """A bucket and a key prefix in it, from `s3://BUCKET/PREFIX`."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        if not url.startswith("s3://"):
            raise ValueError("must start with s3://")
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not _BUCKET_NAME.fullmatch(bucket):
            raise ValueError(f"{bucket!r} is not an S3 bucket name")
        prefix = prefix.strip("/")
        if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
            raise ValueError(f"{prefix!r} is not a key prefix (empty, . or .. parts)")
        return cls(bucket, prefix)

    def object_key(self, key: str) -> str:
        """The object's key in the bucket: the prefix, then the chart's key."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


class S3Storage:
    """The object store in an S3-compatible bucket, under the location's prefix."""

    def __init__(
        self,
        location: S3Location,
        retention: datetime.timedelta,
        clock: Callable[[], datetime.datetime],
        *,
        endpoint_url: str | None = None,
    ) -> None:
        self.location = location
        self._retention = retention
        self._clock = clock
        self._store = _open_bucket(location, endpoint_url)
        # Expiry of the objects the sweep has seen (or this process stored): each is read once.
        self._expiry: dict[str, datetime.datetime] = {}

    async def put(
        self, data: bytes, image_format: str, retention: datetime.timedelta | None = None
    ) -> StoredObject:
        """Stores an image, kept for `retention`, else for the store's own retention."""
        created_at = self._clock()
        kept = self._retention if retention is None else retention
        extension = EXTENSIONS[image_format]
        key = f"{created_at:%Y%m%d}/{OBJECT_PREFIX}/{uuid.uuid4()}.{extension}"
        stored = StoredObject(
            key=key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            content_type=CONTENT_TYPES[extension],
            created_at=created_at,
            expire_at=created_at + kept,
        )
        attributes: Attributes = {
            "Content-Type": stored.content_type,
            # A public bucket serves the object itself: no cache may keep it past its expiry.
            "Cache-Control": f"public, max-age={max(0, int(kept.total_seconds()))}, immutable",
            META_MD5: stored.etag,
            META_CREATED_AT: stored.created_at.isoformat(),
            META_EXPIRE_AT: stored.expire_at.isoformat(),
        }
        try:
            result = await obstore.put_async(
                self._store, key, data, attributes=attributes, use_multipart=False
            )
        except _FAILURES as exc:
            raise self._failure(exc) from None
        try:
            self._check_etag(result, stored.etag)
        except BaseException:
            await self._delete_quietly(key)
            raise
        self._expiry[key] = stored.expire_at
        return stored

    async def get(self, key: str) -> tuple[StoredObject, bytes] | None:
        """The object and its bytes, or None when absent, not ours or expired (then deleted)."""
        if not KEY_PATTERN.match(key):
            return None
        try:
            result = await obstore.get_async(self._store, key)
            stored = _stored(key, result.attributes, result.meta["size"])
            if stored is None:
                return None
            if self._clock() >= stored.expire_at:
                await obstore.delete_async(self._store, key)
                self._expiry.pop(key, None)
                return None
            data = bytes(await result.bytes_async())
        except _NOT_FOUND:
            return None
        except _FAILURES as exc:
            raise self._failure(exc) from None
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return (stored, data) if len(data) == stored.size and digest == stored.etag else None

    async def purge_expired(self) -> int:
        """Deletes the objects whose stored expiry has passed; returns the count.

        Lists the prefix, and reads each chart's expiry once (a HEAD), remembering it; objects
        without our metadata are left alone. A failure is one log line, not an error: the next
        sweep tries again."""
        now = self._clock()
        removed = 0
        seen: dict[str, datetime.datetime] = {}
        try:
            async for chunk in obstore.list(self._store, chunk_size=LIST_CHUNK):
                for meta in chunk:
                    key = meta["path"]
                    if not KEY_PATTERN.match(key):
                        continue
                    expire_at = self._expiry.get(key) or await self._read_expiry(key)
                    if expire_at is None:
                        continue
                    if now >= expire_at:
                        await obstore.delete_async(self._store, key)
                        removed += 1
                    else:
                        seen[key] = expire_at
        except _FAILURES as exc:
            logger.warning("sweeping storage failed: %s", self._failure(exc))
            return removed
        # Objects deleted elsewhere are forgotten; those stored during the sweep are kept.
        self._expiry = seen | {
            key: expire_at for key, expire_at in self._expiry.items() if expire_at > now
        }
        return removed

    async def check_ready(self) -> str | None:
        """None when the bucket takes a write with these credentials, else why not."""
        try:
            await obstore.put_async(self._store, READY_PROBE, b"ready", use_multipart=False)
        except _FAILURES as exc:
            return _reason(exc)
        return None

    def public_path(self, key: str) -> str:
        """The object's path under a public base URL: its key in the bucket."""
        return self.location.object_key(key)

    async def _read_expiry(self, key: str) -> datetime.datetime | None:
        try:
            result = await obstore.get_async(self._store, key, options={"head": True})
        except _NOT_FOUND:
            return None
        stored = _stored(key, result.attributes, result.meta["size"])
        return None if stored is None else stored.expire_at

    def _check_etag(self, result: PutResult, etag: str) -> None:
        # S3 and R2 answer a single-part PUT with the MD5 of the bytes as its ETag, which is the
        # ETag a public bucket serves: it must be ours (not so under SSE-KMS or SSE-C).
        returned = (result.get("e_tag") or "").strip('"').lower()
        if returned and returned != etag:
            raise StorageError(
                f"{self.location}: the bucket's ETag is not the MD5 of the bytes "
                "(a bucket encrypted with SSE-KMS or SSE-C cannot be used)"
            )

    async def _delete_quietly(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, key)
        except _FAILURES as exc:
            logger.error("cannot delete %s: %s", self.location.object_key(key), _reason(exc))

    def _failure(self, exc: Exception) -> StorageError:
        return StorageError(f"{self.location}: {_reason(exc)}")


def open_storage(settings: Settings) -> S3Storage | LocalStorage:
    """The store the settings name: the bucket of `storage_url`, else `storage_dir`."""
    if settings.storage_url is None:
        return LocalStorage(settings.storage_dir, settings.storage_retention, settings.clock)
    return S3Storage(
        S3Location.parse(settings.storage_url),
        settings.storage_retention,
        settings.clock,
        endpoint_url=settings.s3_endpoint_url,
    )


def _open_bucket(location: S3Location, endpoint_url: str | None) -> S3Store:
    config: dict[str, str] = {}
    if endpoint_url is not None:
        # R2, MinIO and other S3-compatible servers: path-style requests to this endpoint.
        config["endpoint"] = endpoint_url
    try:
        return S3Store(
            location.bucket,
            prefix=location.prefix or None,
            config=config,  # type: ignore[arg-type]
            client_options={
                "allow_http": bool(endpoint_url and endpoint_url.startswith("http://")),
                "connect_timeout": CONNECT_TIMEOUT,
                "timeout": REQUEST_TIMEOUT,
            },
            retry_config={"max_retries": MAX_RETRIES, "retry_timeout": RETRY_TIMEOUT},
        )
    except _FAILURES as exc:
        raise ValueError(f"the storage {location} cannot be opened: {_reason(exc)}") from None


def _stored(key: str, attributes: Attributes, size: int) -> StoredObject | None:
    """The object's metadata, or None when it lacks ours (not stored by this server)."""
    extension = key.rpartition(".")[2]
    try:
        return StoredObject(
            key=key,
            size=size,
            etag=attributes[META_MD5],
            content_type=CONTENT_TYPES[extension],
            created_at=datetime.datetime.fromisoformat(attributes[META_CREATED_AT]),
            expire_at=datetime.datetime.fromisoformat(attributes[META_EXPIRE_AT]),
        )
    except (KeyError, ValueError):
        return None


def _reason(exc: Exception) -> str:
    """Why a request to the bucket failed, in words of ours: the client's message may quote
    the request, and S3's error bodies the access key ID."""
    text = str(exc)
    for code, reason in _REASONS:
        if code in text:
            return reason
    if isinstance(exc, UnauthenticatedError):
        return "the credentials were refused"
    if isinstance(exc, PermissionDeniedError):
        return "access denied"
    if isinstance(exc, _NOT_FOUND):
        return "not found"
    if "credential" in text.lower():
        return "no credentials found (set the AWS_* variables)"
    if "error sending request" in text or "connect" in text.lower():
        return "the endpoint cannot be reached"
    return f"the request failed ({type(exc).__name__})"
