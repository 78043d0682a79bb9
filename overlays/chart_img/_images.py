"""Chart images and stored charts: what `chart()` and `store()` return.

Image dimensions are read from the PNG IHDR chunk or the JPEG SOFn segment, so Pillow is
needed only for `ChartImage.to_pil()`.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chart_img_api.models import ImageFormat
from chart_img_api.models import StoredChart as StoredChartModel

from ._exceptions import APIResponseError, ChartImgError, DownloadVerificationError

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["AsyncStoredChart", "ChartImage", "StoredChart"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD9)})


@dataclass(frozen=True, repr=False)
class ChartImage:
    """A chart image: its bytes, format and size in pixels."""

    content: bytes
    format: ImageFormat
    width: int
    height: int
    media_type: str

    @classmethod
    def from_bytes(cls, content: bytes, media_type: str | None = None) -> ChartImage:
        """Read format and size from the image header; `APIResponseError` if it is neither."""
        image_format, width, height = _read_header(content)
        if media_type is None:
            media_type = mimetypes.types_map[f".{image_format.value}"]
        return cls(content, image_format, width, height, media_type.split(";")[0].strip())

    def __repr__(self) -> str:
        return (
            f"ChartImage(format={self.format.value}, {self.width}x{self.height},"
            f" {len(self.content)} bytes)"
        )

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def extension(self) -> str:
        return f".{self.format.value}"

    def save(self, path: str | PathLike[str], *, force: bool = False) -> Path:
        """Write the image to `path` and return it.

        Refuses an image extension of another format (`.jpg` for a PNG) unless `force`.
        """
        target = Path(path)
        guessed, _ = mimetypes.guess_type(target.name)
        is_image_name = guessed is not None and guessed.startswith("image/")
        if not force and is_image_name and guessed != self.media_type:
            raise ValueError(
                f"{target.name!r} names a {guessed} file but the chart is {self.media_type};"
                f" use a {self.extension} name, or force=True"
            )
        target.write_bytes(self.content)
        return target

    def to_pil(self) -> Image:
        """The image as a Pillow `Image` (needs the `pil` extra)."""
        try:
            from PIL import Image as PILImage
        except ImportError as exc:
            raise ChartImgError(
                "ChartImage.to_pil() needs Pillow: pip install 'chart-img-kit[pil]'"
            ) from exc
        image = PILImage.open(io.BytesIO(self.content))
        image.load()
        return image


@dataclass(frozen=True)
class _StoredChartBase:
    """A chart saved to public storage, with its datetimes parsed."""

    model: StoredChartModel
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), repr=False)

    @property
    def url(self) -> str:
        return self.model.url

    @property
    def size(self) -> int:
        return self.model.size

    @property
    def etag(self) -> str:
        return self.model.etag

    @property
    def cors(self) -> str:
        return self.model.cors

    @property
    def expire_at(self) -> datetime:
        return self.model.expire_at

    @property
    def created_at(self) -> datetime:
        return self.model.created_at

    @property
    def expired(self) -> bool:
        """Whether `expire_at` has passed, by the clock given at creation."""
        return self.is_expired(self.clock())

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expire_at

    def to_dict(self) -> dict[str, Any]:
        return self.model.to_dict()

    def verify(self, content: bytes, media_type: str | None = None) -> ChartImage:
        """Check downloaded bytes against `size` and `etag` (MD5), and read them as an image."""
        if len(content) != self.size:
            raise DownloadVerificationError(
                f"downloaded {len(content)} bytes but the stored chart has {self.size}"
            )
        digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
        if digest != self.etag.strip('"').lower():
            raise DownloadVerificationError(
                f"downloaded bytes have MD5 {digest} but the stored chart's ETag is {self.etag}"
            )
        try:
            return ChartImage.from_bytes(content, media_type)
        except APIResponseError as exc:
            raise DownloadVerificationError(str(exc)) from exc


@dataclass(frozen=True)
class StoredChart(_StoredChartBase):
    fetch: Callable[[str], tuple[bytes, str | None]] | None = field(default=None, repr=False)

    def download(self) -> ChartImage:
        """Fetch the image from `url` (without the API key) and verify its size and ETag."""
        if self.fetch is None:
            raise ChartImgError("this StoredChart has no client to download with")
        return self.verify(*self.fetch(self.url))


@dataclass(frozen=True)
class AsyncStoredChart(_StoredChartBase):
    fetch: Callable[[str], Awaitable[tuple[bytes, str | None]]] | None = field(
        default=None, repr=False
    )

    async def download(self) -> ChartImage:
        """Fetch the image from `url` (without the API key) and verify its size and ETag."""
        if self.fetch is None:
            raise ChartImgError("this AsyncStoredChart has no client to download with")
        return self.verify(*await self.fetch(self.url))


def _read_header(content: bytes) -> tuple[ImageFormat, int, int]:
    if content.startswith(_PNG_SIGNATURE) and content[12:16] == b"IHDR" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return ImageFormat.PNG, width, height
    if content.startswith(_JPEG_SIGNATURE):
        size = _jpeg_size(content)
        if size is not None:
            return ImageFormat.JPEG, *size
    raise APIResponseError(f"expected a PNG or JPEG image, got {content[:8]!r}...")


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(content):
        if content[i] != 0xFF:
            return None
        marker = content[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in _JPEG_STANDALONE_MARKERS:
            i += 2
            continue
        if marker in _JPEG_FRAME_MARKERS and i + 9 <= len(content):
            height, width = struct.unpack(">HH", content[i + 5 : i + 9])
            return width, height
        (length,) = struct.unpack(">H", content[i + 2 : i + 4])
        i += 2 + length
    return None
