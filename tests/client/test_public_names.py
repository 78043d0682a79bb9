"""What `chart_img` offers is what its `__all__` says: no more, no less."""

from __future__ import annotations

import types

import chart_img


def test_the_public_names_are_all_of_all() -> None:
    public = {
        name
        for name, value in vars(chart_img).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    public.discard("annotations")  # `from __future__ import annotations`
    assert public == set(chart_img.__all__)


def test_every_name_in_all_exists() -> None:
    missing = [name for name in chart_img.__all__ if not hasattr(chart_img, name)]
    assert missing == []
    assert len(chart_img.__all__) == len(set(chart_img.__all__))
