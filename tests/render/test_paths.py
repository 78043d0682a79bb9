"""Paths built in bulk from numpy equal the same paths built one skia call at a time."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import skia
from chart_img_server.render import _paths

_X = np.array([1.0, 5.5, 9.0, 14.25])
_Y = np.array([3.0, 8.0, 2.5, 20.0])

BUILDERS: list[Callable[[], skia.Path]] = [
    lambda: _paths.rects_path(_X, _Y, _X + 3.0, _Y + 7.0),
    lambda: _paths.segments_path(_X, _Y, _X, _Y + 10.0),
    lambda: _paths.polyline_path(_X, _Y),
    lambda: _paths.polygon_path(_X, _Y),
]


def test_serialised_layout_matches_this_skia() -> None:
    assert _paths._FAST, "the bulk layout no longer matches skia: paths are built slowly"


@pytest.mark.parametrize("build", BUILDERS)
def test_bulk_and_per_call_paths_are_identical(
    build: Callable[[], skia.Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = bytes(build().serialize())
    monkeypatch.setattr(_paths, "_FAST", False)
    slow = bytes(build().serialize())
    assert fast == slow
    assert len(fast) > 16


def test_rect_geometry() -> None:
    path = _paths.rects_path(np.array([2.0]), np.array([3.0]), np.array([7.0]), np.array([11.0]))
    assert path.getBounds() == skia.Rect.MakeLTRB(2, 3, 7, 11)
    assert path.countPoints() == 4
