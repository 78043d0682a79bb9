"""The bar cache: closed bars once, the forming bar refreshed, memory bounded."""

from __future__ import annotations

import numpy as np
from chart_img_server.market._bar_cache import BarCache, Fetch

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
