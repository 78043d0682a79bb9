"""Image encoding: PNG written from the raw pixels with zlib-ng, JPEG by libjpeg-turbo.

Measured on an 800x600 chart (2 cores, median): skia's PNG encoder 32 ms; the pixels written
as PNG here (RGBA, `Up` filter, zlib-ng level 2) 1.7 ms for a file of similar size (38 KB
against skia's 37 KB at its default level; level 1 is 25 % faster but 50 % larger). JPEG at
quality 90: skia 7.6 ms, Pillow (libjpeg-turbo) 2.4 ms; skia stays as the fallback.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib

import numpy as np
import numpy.typing as npt
import skia
from zlib_ng import zlib_ng

try:
    from PIL import Image
except ImportError:  # pragma: no cover - Pillow is a server dependency; skia can stand in
    Image = None  # type: ignore[assignment]

__all__ = ["JPEG_QUALITY", "PNG_LEVEL", "encode", "encode_jpeg", "encode_png"]

PNG_LEVEL = 2
JPEG_QUALITY = 90
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_RGBA_TRUECOLOR = 6
_FILTER_UP = 2

Pixels = npt.NDArray[np.uint8]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class _RowBuffers(threading.local):
    """The filtered rows of the last PNG size, per thread: fresh memory costs page faults."""

    def __init__(self) -> None:
        self.rows: Pixels = np.empty((0, 0), dtype=np.uint8)


_row_buffers = _RowBuffers()


def _rows(height: int, row_bytes: int) -> Pixels:
    if _row_buffers.rows.shape != (height, row_bytes):
        _row_buffers.rows = np.empty((height, row_bytes), dtype=np.uint8)
        _row_buffers.rows[:, 0] = _FILTER_UP
    return _row_buffers.rows


def encode_png(pixels: Pixels) -> bytes:
    """A PNG of the RGBA `pixels` (height x width x 4, contiguous)."""
    height, width = pixels.shape[:2]
    flat = pixels.reshape(height, 4 * width)
    rows = _rows(height, 1 + 4 * width)
    rows[0, 1:] = flat[0]
    # Up filter: each byte minus the byte above it, modulo 256 (uint8 arithmetic wraps).
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])
    header = struct.pack(">IIBBBBB", width, height, 8, _RGBA_TRUECOLOR, 0, 0, 0)
    compressed = zlib_ng.compress(rows.data, PNG_LEVEL)
    return b"".join(
        (_PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", compressed), _chunk(b"IEND", b""))
    )


def encode_jpeg(surface: skia.Surface, pixels: Pixels) -> bytes:
    height, width = pixels.shape[:2]
    if Image is not None:
        image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
        return buffer.getvalue()
    data = surface.makeImageSnapshot().encodeToData(skia.EncodedImageFormat.kJPEG, JPEG_QUALITY)
    if data is None:
        raise RuntimeError("skia could not encode JPEG")
    return bytes(data)


def encode(surface: skia.Surface, pixels: Pixels, image_format: str) -> bytes:
    return encode_jpeg(surface, pixels) if image_format == "jpeg" else encode_png(pixels)
