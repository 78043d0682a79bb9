"""Axis and legend values keep the precision they need: no bare zero for a value that is not."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from chart_img_server.render._ticks import format_legend, format_tick, nice_ticks

_BARE_ZERO = re.compile(r"^-?0(\.0*)?[KMBT]?%?$")
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _parse(text: str) -> float:
    match = re.fullmatch(r"(-?[0-9.]+)([KMBT]?)%?", text)
    assert match, text
    return float(match[1]) * _SUFFIX[match[2]]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (310_000.0, "USD", "310K"),
        (1_168_000.0, "USD", "1.168M"),
        (-2_345_678.0, "USD", "-2.346M"),
        (621_804_512.0, "USD", "621.8M"),
        (999_960.0, "USD", "1M"),
        (999_999_999.0, "", "1B"),
        (17_530.0, "", "17.53K"),
        (345.0, "", "345"),
        (1.2163, "", "1.216"),
        (0.000123, "", "0.000123"),
        (0.0, "USD", "0"),
        (0.01, "%", "0.0100%"),
        (0.00672, "%", "0.00672%"),
        (-12.345, "%", "-12.35%"),
        (math.nan, "USD", "n/a"),
    ],
)
def test_legend_values(value: float, unit: str, expected: str) -> None:
    assert format_legend(value, unit) == expected


@pytest.mark.parametrize("unit", ["", "USD", "%"])
def test_legend_values_are_never_a_bare_zero_and_keep_their_value(unit: str) -> None:
    for value in np.geomspace(1e-6, 5e13, 400):
        for signed in (float(value), -float(value)):
            text = format_legend(signed, unit)
            assert not _BARE_ZERO.match(text), (signed, text)
            assert math.isclose(_parse(text), signed, rel_tol=0.01), (signed, text)


@pytest.mark.parametrize(
    ("low", "high"),
    [(0, 310_000), (-3e6, 9e6), (-1.2e9, 4e8), (0, 35), (0.9, 1.3), (6.2e8, 6.2005e8)],
)
@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_axis_labels_are_distinct_and_zero_only_at_zero(
    low: float, high: float, count: int
) -> None:
    ticks, step = nice_ticks(low, high, count)
    labels = [format_tick(value, step, "USD") for value in ticks.tolist()]
    assert len(set(labels)) == len(labels), labels
    for value, label in zip(ticks.tolist(), labels, strict=True):
        if _BARE_ZERO.match(label):
            assert abs(value) < step * 1e-6, (value, label)
        else:
            assert math.isclose(_parse(label), value, rel_tol=1e-3, abs_tol=step * 1e-6)


def test_the_issue_example() -> None:
    """310,000 on a 2M step: the axis says 0, 2M, 4M; the legend says 310K."""
    ticks, step = nice_ticks(0.0, 9e6, 5)
    assert step == 2e6
    assert [format_tick(v, step, "USD") for v in ticks.tolist()] == ["0", "2M", "4M", "6M", "8M"]
    assert format_legend(310_000.0, "USD") == "310K"


def test_percent_ticks() -> None:
    assert format_tick(0.025, 0.025, "%") == "0.025%"
    assert format_tick(0.0, 0.01, "%") == "0.00%"
