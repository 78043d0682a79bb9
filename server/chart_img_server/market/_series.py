"""Raw per-market series: what a market source supplies, before any study is derived.

A series is a column table over bar opening times. Each kind names its columns once, with
how a column combines when daily bars are built into weeks and months.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._intervals import Interval
from ._noise import FloatArray, IntArray


class SeriesKind(enum.StrEnum):
    """The raw series a source can supply for one market."""

    OHLCV = "ohlcv"  # prices; volume in the market's volume unit; taker buys; trade counts
    OPEN_INTEREST = "open-interest"  # OHLC, USD
    FUNDING = "funding"  # OHLC, percent
    PREDICTED_FUNDING = "predicted-funding"  # OHLC, percent
    LIQUIDATIONS = "liquidations"  # longs and shorts liquidated, USD
    LONG_SHORT_RATIO = "long-short-ratio"  # all accounts; longs and shorts in percent
    TOP_TRADER_ACCOUNTS = "top-trader-accounts"  # top traders' accounts, as the ratio above
    TOP_TRADER_POSITIONS = "top-trader-positions"  # top traders' positions, as above
    MARKET_CAP = "market-cap"  # of the market's base coin, USD


class Combine(enum.Enum):
    """How the daily values of one column make a week's or a month's value."""

    FIRST = "first"
    MAX = "max"
    MIN = "min"
    LAST = "last"
    SUM = "sum"


_OHLC = {"open": Combine.FIRST, "high": Combine.MAX, "low": Combine.MIN, "close": Combine.LAST}
_RATIO = {"ratio": Combine.LAST, "longs": Combine.LAST, "shorts": Combine.LAST}

COLUMNS: Mapping[SeriesKind, Mapping[str, Combine]] = {
    SeriesKind.OHLCV: {
        **_OHLC,
        "volume": Combine.SUM,
        "buy_volume": Combine.SUM,
        "trades": Combine.SUM,
        "buy_trades": Combine.SUM,
    },
    SeriesKind.OPEN_INTEREST: _OHLC,
    SeriesKind.FUNDING: _OHLC,
    SeriesKind.PREDICTED_FUNDING: _OHLC,
    SeriesKind.LIQUIDATIONS: {"longs": Combine.SUM, "shorts": Combine.SUM},
    SeriesKind.LONG_SHORT_RATIO: _RATIO,
    SeriesKind.TOP_TRADER_ACCOUNTS: _RATIO,
    SeriesKind.TOP_TRADER_POSITIONS: _RATIO,
    SeriesKind.MARKET_CAP: {"value": Combine.LAST},
}


@dataclass(frozen=True, slots=True)
class Series:
    """Columns of one kind over bar opening times (Unix seconds, ascending); NaN is no data."""

    kind: SeriesKind
    time: IntArray
    columns: Mapping[str, FloatArray]

    def __post_init__(self) -> None:
        expected = set(COLUMNS[self.kind])
        if set(self.columns) != expected:
            raise ValueError(f"{self.kind} series needs columns {sorted(expected)}")
        for values in self.columns.values():
            if values.shape != self.time.shape:
                raise ValueError("every column must have one value per bar")

    def __getitem__(self, column: str) -> FloatArray:
        return self.columns[column]

    def __len__(self) -> int:
        return len(self.time)

    @classmethod
    def empty(cls, kind: SeriesKind, time: IntArray) -> Series:
        return cls(kind, time, {name: np.full(len(time), np.nan) for name in COLUMNS[kind]})

    def aligned(self, time: IntArray) -> Series:
        """The same columns on other bar times: NaN where this series has no bar."""
        positions = np.searchsorted(self.time, time)
        inside = positions < len(self.time)
        found = np.zeros(len(time), dtype=bool)
        found[inside] = self.time[positions[inside]] == time[inside]
        columns = {}
        for name, values in self.columns.items():
            column = np.full(len(time), np.nan)
            column[found] = values[positions[found]]
            columns[name] = column
        return Series(self.kind, time, columns)

    def between(self, start: int, end: int) -> Series:
        """The bars that open in [start, end]."""
        keep = (self.time >= start) & (self.time <= end)
        return Series(self.kind, self.time[keep], {n: v[keep] for n, v in self.columns.items()})

    def tail(self, count: int) -> Series:
        return Series(
            self.kind, self.time[-count:], {n: v[-count:] for n, v in self.columns.items()}
        )


def build_from_daily(daily: Series, interval: Interval) -> Series:
    """Weeks or months from daily bars, each column combined by its kind's rule.

    A week or month holds whatever of its days the daily series has: the forming one holds
    the days so far.
    """
    if len(daily) == 0:
        return daily
    buckets = interval.indices_of(daily.time)
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    ends = np.r_[starts[1:], len(buckets)]
    columns = {
        name: _combine(daily[name], starts, ends, rule)
        for name, rule in COLUMNS[daily.kind].items()
    }
    return Series(daily.kind, interval.open_times(buckets[starts]), columns)


def _combine(values: FloatArray, starts: IntArray, ends: IntArray, rule: Combine) -> FloatArray:
    match rule:
        case Combine.FIRST:
            return values[starts]
        case Combine.LAST:
            return values[ends - 1]
        case Combine.SUM:
            return np.add.reduceat(values, starts)
        case Combine.MAX:
            return np.maximum.reduceat(values, starts)
        case Combine.MIN:
            return np.minimum.reduceat(values, starts)
