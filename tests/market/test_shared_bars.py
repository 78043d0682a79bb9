"""Bars shared between processes: each entry read back as written, anything else never read."""

from __future__ import annotations

import numpy as np
import pytest
from chart_img_server.market._bar_cache import BarCache, CachedBars
from chart_img_server.market._shared_bars import decode, encode

COLUMNS = ("open", "high", "low", "close")
HOUR = 3600


def _entry(with_forming: bool = True) -> CachedBars:
    cache = BarCache(max_bars=1000, refresh=60)
    time = np.arange(0, 11 * HOUR, HOUR, dtype=np.int64)
    values = np.random.default_rng(7).normal(size=(len(time), len(COLUMNS)))
    values[3, 1] = np.nan
    last = 10 * HOUR if with_forming else 9 * HOUR
    cache.store("k", COLUMNS, 0, 10 * HOUR, time[time <= last], values[time <= last], now=42.5)
    cache.keep_window("k", 0, 10 * HOUR)
    entry = cache.get("k")
    assert entry is not None
    return entry


@pytest.mark.parametrize("with_forming", [True, False])
def test_an_entry_is_read_back_as_it_was_written(with_forming: bool) -> None:
    entry = _entry(with_forming)
    fields = {name.encode(): value for name, value in encode(entry, clock_offset=1000.0).items()}
    back = decode(fields, COLUMNS)
    assert back is not None
    assert back.columns == entry.columns
    assert back.time.tolist() == entry.time.tolist()
    np.testing.assert_array_equal(back.values, entry.values)  # NaN included
    assert (back.covered_from, back.closed_until) == (entry.covered_from, entry.closed_until)
    assert back.forming_time == entry.forming_time
    assert back.span == entry.span == 10 * HOUR
    assert back.forming_fetched == 1042.5
    if with_forming:
        assert back.forming is not None
        assert entry.forming is not None
        np.testing.assert_array_equal(back.forming, entry.forming)
    else:
        assert back.forming is None
    back.values[0, 0] = 1.0  # writable: a cache merges into it


def test_an_entry_of_other_columns_or_malformed_is_never_read() -> None:
    fields = {name.encode(): value for name, value in encode(_entry()).items()}
    assert decode(fields, ("value",)) is None
    assert decode({}, COLUMNS) is None
    assert decode({**fields, b"values": fields[b"values"][:-8]}, COLUMNS) is None
    assert decode({**fields, b"forming": b"\0" * 8}, COLUMNS) is None
    assert decode({**fields, b"closed_until": b"soon"}, COLUMNS) is None
