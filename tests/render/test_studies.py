"""Every study of the spec has a shape, renders, and changes the pixels where it belongs."""

from __future__ import annotations

import numpy as np
import pytest
from chart_img_server import market
from chart_img_server.render import LIGHT, chart_layout
from chart_img_server.rendering import draw_synthetic, synthetic_data

from .conftest import NOW, MakeRequest, decode, load_spec, pixels, rgb

STUDIES: list[str] = list(load_spec()["components"]["schemas"]["Study"]["enum"])
PROFILES = {market.Family.LIQUIDATIONS_PROFILE, market.Family.OPEN_INTEREST_DELTA_PROFILE}


def test_every_spec_study_has_a_recipe() -> None:
    families = {market.recipe(name).family for name in STUDIES}
    assert families == set(market.Family)


def test_unknown_study_is_an_error() -> None:
    with pytest.raises(market.UnknownStudyError):
        market.recipe("Moon Phase")


def _ink(region: np.ndarray) -> np.ndarray:
    """Pixels that are neither background nor grid: something was drawn there."""
    flat = [np.array(rgb(c)) for c in (LIGHT.background, LIGHT.grid, LIGHT.border)]
    drawn: np.ndarray = ~np.any([(region == c).all(axis=2) for c in flat], axis=0)
    return drawn


@pytest.mark.parametrize("name", STUDIES)
def test_study_renders_where_it_belongs(make_request: MakeRequest, name: str) -> None:
    request = make_request(interval="4h", studies=[name])
    image = pixels(request)
    layout = chart_layout(request, synthetic_data(request, NOW))
    right = int(layout.plot_right) - 2
    if market.recipe(name).family in PROFILES:
        assert layout.studies == ()
        without = pixels(make_request(interval="4h"))
        region = (
            slice(int(layout.price.top) + 40, int(layout.price.bottom)),
            slice(int(right * 0.75), right),
        )
        changed = (image[region] != without[region]).any(axis=2)
        assert changed.mean() > 0.05, "the profile must cover the right of the price pane"
    else:
        (pane,) = layout.studies
        # Below the pane's title row, inside the plot: the series itself.
        region = slice(int(pane.top) + 22, int(pane.bottom) - 2), slice(0, right)
        assert _ink(image[region]).mean() > 0.02


def test_every_study_at_once(make_request: MakeRequest) -> None:
    request = make_request(width=2048, height=1920, theme="dark", studies=STUDIES)
    assert decode(draw_synthetic(request, NOW)).size == (2048, 1920)


def test_each_study_pane_adds_pixels(make_request: MakeRequest) -> None:
    one = pixels(make_request(studies=["Open Interest"]))
    two = pixels(make_request(studies=["Open Interest", "Buy / Sell Volume"]))
    assert (one != two).any()
