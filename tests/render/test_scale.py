"""Values map to rows the same way on every CPU: the last bits a maths library leaves in the
data (they differ between numpy's SIMD builds) never move a line by a pixel."""

from __future__ import annotations

import numpy as np
from chart_img_server.render._chart import _Scale
from chart_img_server.render._layout import Pane


def test_a_value_a_few_bits_off_a_whole_pixel_lands_on_it() -> None:
    scale = _Scale(Pane(top=0.0, bottom=300.0), low=60_000.0, high=63_000.0)
    on_pixel = 61_390.0  # 161 pixels below the top
    below = on_pixel
    above = on_pixel
    for _ in range(4):
        below, above = np.nextafter(below, 0.0), np.nextafter(above, np.inf)
    rows = scale.y(np.array([below, on_pixel, above]))
    assert rows.tolist() == [161.0, 161.0, 161.0]
    assert np.floor(rows).tolist() == [161.0] * 3


def test_rows_between_pixels_keep_their_fraction() -> None:
    scale = _Scale(Pane(top=10.0, bottom=310.0), low=0.0, high=3.0)
    assert scale.y(np.array([1.25, 0.001])).tolist() == [185.0, 309.9]
