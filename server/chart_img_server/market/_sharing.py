"""What several server processes share for the market data, and how sources find it.

`open_market` opens the sources inside `sharing(shared)` (Redis, with `--processes`): the call
budgets and bar caches made in that block spend and keep through `shared`; outside it, each
keeps its own in memory.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol


class SharedWindow(Protocol):
    async def spend(
        self, upstream: str, calls: int, period: float, count: int, block: float
    ) -> float:
        """Blocks the upstream for `block` seconds first (when positive), then spends `count`
        calls now (0.0) or says how many seconds until they fit."""
        ...


class SharedHashes(Protocol):
    """Where shared entries live: hashes of bytes under names, each written whole."""

    # The clock all the processes read the same (the wall's), in seconds.
    wall_clock: Callable[[], float]

    async def read_hashes(self, names: Sequence[str]) -> list[dict[bytes, bytes]]:
        """Each name's fields, empty when it has none or the store does not answer."""
        ...

    async def write_hashes(self, hashes: Mapping[str, Mapping[str, bytes]], ttl: float) -> None:
        """Replaces each name's fields, lapsing after `ttl` seconds; a store that does not
        answer keeps nothing."""
        ...


class Shared(SharedWindow, SharedHashes, Protocol):
    """Upstream call budgets and fetched market data, shared by the processes."""


_SHARED: contextvars.ContextVar[Shared | None] = contextvars.ContextVar("sharing", default=None)


@contextlib.contextmanager
def sharing(shared: Shared | None) -> Iterator[None]:
    """Budgets and caches made in this block share through `shared` (None: they don't)."""
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)


def current_sharing() -> Shared | None:
    return _SHARED.get()
