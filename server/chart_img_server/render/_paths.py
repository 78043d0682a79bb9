"""Skia paths built in bulk from numpy arrays.

Handing skia thousands of points one Python call at a time costs more than drawing them, so
paths are assembled as skia's own serialised form (header, points, verbs) in numpy and read
back in one call. The layout is checked against skia at import; if a skia release changes
it, the paths are built point by point instead, slower but identical.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import skia

__all__ = ["polygon_path", "polyline_path", "rects_path", "segments_path"]

FloatArray = npt.NDArray[np.float64]

_MOVE, _LINE, _CLOSE = 0, 1, 5
_SERIAL_VERSION = 5
_RECT_VERBS = np.array([_MOVE, _LINE, _LINE, _LINE, _CLOSE], dtype=np.uint8)
_SEGMENT_VERBS = np.array([_MOVE, _LINE], dtype=np.uint8)


def _serialised(points: npt.NDArray[np.float32], verbs: npt.NDArray[np.uint8]) -> bytes:
    header = np.array([_SERIAL_VERSION, len(points), 0, len(verbs)], dtype="<i4")
    padding = b"\0" * (-len(verbs) % 4)
    return header.tobytes() + points.astype("<f4").tobytes() + verbs.tobytes() + padding


def _from_arrays(points: npt.NDArray[np.float32], verbs: npt.NDArray[np.uint8]) -> skia.Path:
    path = skia.Path()
    if len(verbs) == 0:
        return path
    if _FAST and path.readFromMemory(_serialised(points, verbs)) > 0:
        return path
    return _built_by_calls(points, verbs)


def _built_by_calls(points: npt.NDArray[np.float32], verbs: npt.NDArray[np.uint8]) -> skia.Path:
    path = skia.Path()
    cursor = 0
    for verb in verbs.tolist():
        if verb == _CLOSE:
            path.close()
            continue
        x, y = float(points[cursor, 0]), float(points[cursor, 1])
        cursor += 1
        if verb == _MOVE:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    return path


def rects_path(
    left: FloatArray, top: FloatArray, right: FloatArray, bottom: FloatArray
) -> skia.Path:
    """One path of many axis-aligned rectangles."""
    corners = np.empty((len(left), 4, 2), dtype=np.float32)
    corners[:, 0, 0], corners[:, 0, 1] = left, top
    corners[:, 1, 0], corners[:, 1, 1] = right, top
    corners[:, 2, 0], corners[:, 2, 1] = right, bottom
    corners[:, 3, 0], corners[:, 3, 1] = left, bottom
    return _from_arrays(corners.reshape(-1, 2), np.tile(_RECT_VERBS, len(left)))


def segments_path(x0: FloatArray, y0: FloatArray, x1: FloatArray, y1: FloatArray) -> skia.Path:
    """One path of many separate line segments."""
    ends = np.empty((len(x0), 2, 2), dtype=np.float32)
    ends[:, 0, 0], ends[:, 0, 1] = x0, y0
    ends[:, 1, 0], ends[:, 1, 1] = x1, y1
    return _from_arrays(ends.reshape(-1, 2), np.tile(_SEGMENT_VERBS, len(x0)))


def polyline_path(x: FloatArray, y: FloatArray) -> skia.Path:
    """An open polyline through the points, in order."""
    points = np.column_stack([x, y]).astype(np.float32)
    verbs = np.full(len(points), _LINE, dtype=np.uint8)
    verbs[:1] = _MOVE
    return _from_arrays(points, verbs)


def polygon_path(x: FloatArray, y: FloatArray) -> skia.Path:
    """A closed polygon through the points, in order."""
    points = np.column_stack([x, y]).astype(np.float32)
    verbs = np.full(len(points) + 1, _LINE, dtype=np.uint8)
    verbs[:1], verbs[-1:] = _MOVE, _CLOSE
    return _from_arrays(points, verbs[: len(points) + 1] if len(points) else verbs[:0])


def _layout_matches_skia() -> bool:
    probe = np.array([[1.5, 2.0], [3.0, 2.0], [3.0, 7.25], [1.5, 7.25], [9.0, 9.0]], np.float32)
    verbs = np.array([_MOVE, _LINE, _LINE, _LINE, _CLOSE, _MOVE], dtype=np.uint8)
    ours = skia.Path()
    if ours.readFromMemory(_serialised(probe, verbs)) == 0:
        return False
    return bytes(ours.serialize()) == bytes(_built_by_calls(probe, verbs).serialize())


_FAST = True
_FAST = _layout_matches_skia()
