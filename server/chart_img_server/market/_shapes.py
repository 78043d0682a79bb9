"""The shapes a derived study takes, as the renderer draws them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ._noise import FloatArray


class Side(Enum):
    """Which colour a series takes: rising/buying/shorts-squeezed or falling/selling/longs."""

    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Line:
    """A line in its own pane; `baseline` draws a reference level (1 for ratios, 0 for ...)."""

    name: str
    values: FloatArray
    unit: str = ""
    baseline: float | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """Signed columns from zero, coloured by sign (funding, open-interest delta)."""

    name: str
    values: FloatArray
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Mirrored:
    """Two non-negative series, `above` drawn upwards and `below` downwards from zero.

    With `below` empty it is a single one-sided series, coloured by `above_side`.
    """

    name: str
    above: FloatArray
    below: FloatArray | None
    above_side: Side
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Candles:
    """An OHLC series of the study itself (funding-rate candles)."""

    name: str
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """A horizontal profile over the visible price range, drawn on the price pane.

    `edges` are the price bin edges (len(first) + 1); `first` and `second` the two stacked
    parts of each bin (longs/shorts liquidated, open interest added/removed).
    """

    name: str
    edges: FloatArray
    first: FloatArray
    second: FloatArray
    first_side: Side
    unit: str = "USD"


StudySeries = Line | Columns | Mirrored | Candles | Profile
