"""Stored chart images in a local directory, kept until they expire.

Each image is written atomically, then its metadata; the metadata file is the commit
marker, so an image whose metadata is absent (a crash mid-write) is never served. When the
metadata cannot be written (a full disk), the image is deleted before the error is raised.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

OBJECT_PREFIX = "coinalyze/advanced-chart"
EXTENSIONS = {"png": "png", "jpeg": "jpg"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg"}
KEY_PATTERN = re.compile(
    r"\A[0-9]{8}/coinalyze/advanced-chart/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.(?:png|jpg)\Z"
)
_META_SUFFIX = ".meta.json"
_TEMP_PREFIX = ".tmp-"
_STALE_TEMP_AGE = datetime.timedelta(hours=1)
# Below this much free space the store says it is not ready: a few of the largest charts.
MIN_FREE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    etag: str
    content_type: str
    created_at: datetime.datetime
    expire_at: datetime.datetime


class StorageError(Exception):
    """A store that cannot do its work (a missing bucket, refused credentials): the message
    names the store and the reason, in one line, and never a credential."""


class LocalStorage:
    """The object store in a local directory; file work runs in worker threads."""

    def __init__(
        self,
        root: Path,
        retention: datetime.timedelta,
        clock: Callable[[], datetime.datetime],
    ) -> None:
        self.root = root
        self._retention = retention
        self._clock = clock

    async def put(
        self, data: bytes, image_format: str, retention: datetime.timedelta | None = None
    ) -> StoredObject:
        """Stores an image, kept for `retention`, else for the store's own retention."""
        return await anyio.to_thread.run_sync(self._put, data, image_format, retention)

    async def get(self, key: str) -> tuple[StoredObject, bytes] | None:
        """The object and its bytes, or None when absent, incomplete or expired (then purged)."""
        return await anyio.to_thread.run_sync(self._get, key)

    async def purge_expired(self) -> int:
        """Deletes expired objects, and files left by interrupted writes; returns the count."""
        return await anyio.to_thread.run_sync(self._purge_expired)

    async def check_ready(self) -> str | None:
        """None when a file can be written and synced here and space is left, else why not."""
        return await anyio.to_thread.run_sync(self._check_ready)

    def _put(
        self, data: bytes, image_format: str, retention: datetime.timedelta | None
    ) -> StoredObject:
        created_at = self._clock()
        extension = EXTENSIONS[image_format]
        key = f"{created_at:%Y%m%d}/{OBJECT_PREFIX}/{uuid.uuid4()}.{extension}"
        stored = StoredObject(
            key=key,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            content_type=CONTENT_TYPES[extension],
            created_at=created_at,
            expire_at=created_at + (self._retention if retention is None else retention),
        )
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)
        try:
            _write_atomically(_meta_path(path), _encode_meta(stored))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return stored

    def _check_ready(self) -> str | None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            descriptor, probe = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.root)
            try:
                os.write(descriptor, b"ready")
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
                os.unlink(probe)
            free = _free_bytes(self.root)
        except OSError as exc:
            return f"not writable ({exc.strerror or type(exc).__name__})"
        if free < MIN_FREE_BYTES:
            return f"full ({free // 1024} KiB free, {MIN_FREE_BYTES // 1024} KiB needed)"
        return None

    def _get(self, key: str) -> tuple[StoredObject, bytes] | None:
        path = self._path(key)
        if path is None:
            return None
        stored = _read_meta(key, _meta_path(path))
        if stored is None:
            return None
        if self._clock() >= stored.expire_at:
            _remove(path)
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return (stored, data) if len(data) == stored.size else None

    def _purge_expired(self) -> int:
        if not self.root.is_dir():
            return 0
        now = self._clock()
        removed = 0
        for path in self._files():
            if path.name.endswith(_META_SUFFIX):
                stored = _read_meta("", path)
                if stored is None or now >= stored.expire_at:
                    _remove(path.with_name(path.name.removesuffix(_META_SUFFIX)))
                    removed += 1
            elif _is_abandoned(path, now):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _files(self) -> list[Path]:
        return [
            Path(directory) / name for directory, _, names in os.walk(self.root) for name in names
        ]

    def _path(self, key: str) -> Path | None:
        """The file for a key, only for well-formed keys inside the storage directory."""
        if not KEY_PATTERN.match(key):
            return None
        root = self.root.resolve()
        path = (root / key).resolve()
        return path if path.is_relative_to(root) else None


def _free_bytes(directory: Path) -> int:
    """Bytes an unprivileged writer may still use on the directory's file system."""
    usage = os.statvfs(directory)
    if usage.f_flag & os.ST_RDONLY:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))
    return usage.f_bavail * usage.f_frsize


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + _META_SUFFIX)


def _encode_meta(stored: StoredObject) -> bytes:
    return json.dumps(
        {
            "key": stored.key,
            "size": stored.size,
            "etag": stored.etag,
            "contentType": stored.content_type,
            "createdAt": stored.created_at.isoformat(),
            "expireAt": stored.expire_at.isoformat(),
        }
    ).encode()


def _read_meta(key: str, path: Path) -> StoredObject | None:
    try:
        meta = json.loads(path.read_bytes())
        return StoredObject(
            key=key,
            size=int(meta["size"]),
            etag=str(meta["etag"]),
            content_type=str(meta["contentType"]),
            created_at=datetime.datetime.fromisoformat(meta["createdAt"]),
            expire_at=datetime.datetime.fromisoformat(meta["expireAt"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remove(image: Path) -> None:
    # The metadata goes first, so that a failure half-way leaves nothing servable.
    _meta_path(image).unlink(missing_ok=True)
    image.unlink(missing_ok=True)


def _is_abandoned(path: Path, now: datetime.datetime) -> bool:
    """A temp file, or an image without metadata, old enough that no write is still on it."""
    if not path.name.startswith(_TEMP_PREFIX) and _meta_path(path).exists():
        return False
    try:
        modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
    except OSError:
        return False
    return now - modified >= _STALE_TEMP_AGE
