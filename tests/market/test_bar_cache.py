"""The bar cache: closed bars once, the forming bar refreshed, memory bounded."""

from __future__ import annotations

import numpy as np
from chart_img_server.market._bar_cache import BarCache, CachedBars, Fetch

COLUMNS = ("value",)
HOUR = 3600


def _bars(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    time = np.arange(first, last + 1, HOUR, dtype=np.int64)
    return time, (time / HOUR).reshape(-1, 1).astype(np.float64)


def test_a_cold_key_fetches_everything() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=0) == Fetch(0)


def test_only_the_forming_bar_is_refreshed_and_only_when_old() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0)
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=59) is None
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=60) == Fetch(10 * HOUR)
    entry = cache.get("k")
    assert entry is not None
    assert len(entry.time) == 10  # the forming bar is kept apart from the closed ones
    assert entry.forming_time == 10 * HOUR


def test_new_bars_are_fetched_from_the_first_not_closed() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0)
    assert cache.fetch_needed("k", 3 * HOUR, 13 * HOUR, now=1) == Fetch(10 * HOUR)
    cache.store("k", COLUMNS, 10 * HOUR, 13 * HOUR, *_bars(10 * HOUR, 13 * HOUR), now=1)
    entry = cache.get("k")
    assert entry is not None
    time, values = entry.rows()
    assert list(time) == list(range(0, 14 * HOUR, HOUR))
    assert values[:, 0].tolist() == list(range(14))


def test_older_bars_are_asked_for_once_even_when_upstream_has_none() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, 5 * HOUR, 10 * HOUR, *_bars(5 * HOUR, 10 * HOUR), now=0)
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=1) == Fetch(0)
    # Upstream keeps nothing before 5h (its retention): the answer starts there again.
    cache.store("k", COLUMNS, 0, 10 * HOUR, *_bars(5 * HOUR, 10 * HOUR), now=1)
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=2) is None


def test_memory_is_bounded_least_recently_used_first() -> None:
    cache = BarCache(max_bars=25, refresh=60)
    for key in ("a", "b", "c"):
        cache.store(key, COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0)
    assert len(cache) <= 25
    assert cache.get("a") is None
    assert cache.get("c") is not None


def test_what_a_request_still_needs_is_not_evicted() -> None:
    cache = BarCache(max_bars=15, refresh=60)
    cache.store("a", COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0)
    cache.store("b", COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0, keep=["a"])
    assert cache.get("a") is not None
    assert cache.get("b") is not None


def test_a_forming_bar_without_data_is_not_asked_for_again_until_old() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    # No trade yet in the forming bar: the upstream answers only closed bars.
    cache.store("k", COLUMNS, 0, 10 * HOUR, *_bars(0, 9 * HOUR), now=0)
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=59) is None
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=60) == Fetch(10 * HOUR)


def _entry(first: int, forming: int, fetched: float) -> CachedBars:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, first, forming, *_bars(first, forming), now=fetched)
    entry = cache.get("k")
    assert entry is not None
    return entry


def test_an_entry_from_elsewhere_is_adopted_whole_when_none_is_held() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.adopt("k", _entry(0, 10 * HOUR, fetched=5))
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=64) is None
    assert cache.fetch_needed("k", 0, 10 * HOUR, now=65) == Fetch(10 * HOUR)
    assert len(cache) == 10


def test_adopted_bars_join_held_ones_and_the_later_forming_bar_stays() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0)
    cache.adopt("k", _entry(5 * HOUR, 12 * HOUR, fetched=3))
    entry = cache.get("k")
    assert entry is not None
    assert (entry.covered_from, entry.closed_until, entry.forming_time) == (0, 12 * HOUR, 12 * HOUR)
    time, values = entry.rows()
    assert list(time) == list(range(0, 13 * HOUR, HOUR))
    assert values[:, 0].tolist() == list(range(13))
    assert len(cache) == 12
    # An older entry adds its bars but never brings back an older forming bar.
    cache.adopt("k", _entry(0, 11 * HOUR, fetched=9))
    assert cache.get("k") is entry
    assert (entry.closed_until, entry.forming_time) == (12 * HOUR, 12 * HOUR)
    assert entry.forming_fetched == 3


def test_an_entry_whose_span_leaves_a_gap_is_never_joined() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, 0, 5 * HOUR, *_bars(0, 5 * HOUR), now=0)
    later = _entry(8 * HOUR, 12 * HOUR, fetched=1)
    cache.adopt("k", later)
    # The later span replaces ours: joining would claim 5h to 8h were asked for.
    assert cache.get("k") is later
    assert cache.fetch_needed("k", 0, 12 * HOUR, now=2) == Fetch(0)
    cache.adopt("k", _entry(0, 5 * HOUR, fetched=2))
    assert cache.get("k") is later
    assert len(cache) == 4


def test_an_entry_keeps_the_widest_window_asked_not_all_it_ever_fetched() -> None:
    cache = BarCache(max_bars=1000, refresh=60)
    cache.store("k", COLUMNS, 0, 10 * HOUR, *_bars(0, 10 * HOUR), now=0)
    cache.keep_window("k", 0, 10 * HOUR)
    # Ten hours later, the same ten-hour window: the bars before it go.
    cache.store("k", COLUMNS, 10 * HOUR, 20 * HOUR, *_bars(10 * HOUR, 20 * HOUR), now=1)
    cache.keep_window("k", 10 * HOUR, 20 * HOUR)
    entry = cache.get("k")
    assert entry is not None
    assert (entry.covered_from, entry.time[0], len(entry.time)) == (10 * HOUR, 10 * HOUR, 10)
    assert len(cache) == 10
    assert cache.fetch_needed("k", 10 * HOUR, 20 * HOUR, now=2) is None
    assert cache.fetch_needed("k", 5 * HOUR, 20 * HOUR, now=2) == Fetch(5 * HOUR)
    # A wider window, once asked, is kept from then on.
    cache.store("k", COLUMNS, 5 * HOUR, 20 * HOUR, *_bars(5 * HOUR, 20 * HOUR), now=2)
    cache.keep_window("k", 5 * HOUR, 20 * HOUR)
    cache.store("k", COLUMNS, 20 * HOUR, 22 * HOUR, *_bars(20 * HOUR, 22 * HOUR), now=3)
    cache.keep_window("k", 12 * HOUR, 22 * HOUR)
    assert entry.covered_from == 7 * HOUR
    assert len(entry.time) == 15
