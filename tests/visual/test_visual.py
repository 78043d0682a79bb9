"""Every case of the grid looks as its reference image does, within a perceptual tolerance.

On a failure the render and a diff (differing pixels in magenta) are written next to the test's
temporary files; after a deliberate change, `make visual-update` redraws the references.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PIL import Image

from .cases import (
    MAX_DIFFERING,
    REFERENCES,
    Case,
    cases,
    diff_image,
    differing_share,
    reference_path,
    render,
    save,
)

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_looks_like_its_reference(case: Case, tmp_path: Path) -> None:
    path = reference_path(case)
    assert path.is_file(), f"no reference for {case.name}: run `make visual-update`"
    with Image.open(path) as stored:
        expected = stored.convert("RGB")
    actual = render(case)
    share = differing_share(expected, actual)
    if share > MAX_DIFFERING:
        save(actual, tmp_path / f"{case.name}.png")
        save(diff_image(expected, actual), tmp_path / f"{case.name}-diff.png")
    assert share <= MAX_DIFFERING, (
        f"{case.name}: {share:.3%} of pixels differ (at most {MAX_DIFFERING:.3%}); "
        f"render and diff in {tmp_path}; if the change is meant, run `make visual-update`"
    )


def test_every_reference_has_a_case() -> None:
    names = {case.name for case in CASES}
    stale = sorted(p.stem for p in REFERENCES.glob("*.png") if p.stem not in names)
    assert not stale, f"references without a case: {stale} (`make visual-update` drops them)"


def test_references_stay_small() -> None:
    total = sum(p.stat().st_size for p in REFERENCES.glob("*.png"))
    assert total < 1_500_000


def test_a_small_change_is_caught() -> None:
    """The threshold is tight enough to see one short word of 16-pixel text."""
    case = next(case for case in CASES if case.name == "light-800x600-1")
    with Image.open(reference_path(case)) as stored:
        expected = stored.convert("RGB")
    marked = dataclasses.replace(case.request, watermark="chart", watermark_size=16)
    assert differing_share(expected, render(Case(case.name, marked))) > MAX_DIFFERING


def test_every_study_family_is_in_the_grid() -> None:
    from chart_img_server import market

    covered = {market.recipe(study).family for case in CASES for study in case.request.studies}
    assert covered == set(market.Family)
