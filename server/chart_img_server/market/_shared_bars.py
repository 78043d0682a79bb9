"""Bars shared by several server processes: what one process fetched, the others read.

With Redis (`open_market` inside `sharing(...)`), each upstream series is one hash
holding a whole `CachedBars` entry, written at once after every fetch and read by a process
before it fetches. A closed bar is then fetched from the upstream once for all the processes,
and a forming bar once a refresh period, whichever process asks first. An entry is a
snapshot one process held, so it is always consistent; two processes fetching the same
bars at the same moment may both fetch, and the later write wins (within the shared call
budget either way). An entry lapses `SHARED_BARS_TTL` seconds after its last write.

Times in an entry are the wall clock's, so that processes compare them; each process keeps
its own monotonic times and converts on the way in and out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np

from ._bar_cache import CachedBars
from ._sharing import SharedHashes

SHARED_BARS_TTL = 86_400.0
# Changes whenever the encoding does: entries of another layout are never read.
_LAYOUT = "v1"


class SharedBars:
    """One upstream's entries in the shared store, by series name."""

    def __init__(
        self,
        upstream: str,
        store: SharedHashes,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstream = upstream
        self._store = store
        self._monotonic = monotonic

    def _name(self, series: str) -> str:
        return f"bars:{_LAYOUT}:{self.upstream}:{series}"

    async def read(self, wanted: Mapping[str, tuple[str, ...]]) -> dict[str, CachedBars]:
        """The entries held for these series (name: its columns); none for a series never
        shared, or whose entry cannot be read as such."""
        names = list(wanted)
        hashes = await self._store.read_hashes([self._name(name) for name in names])
        offset = self._monotonic() - self._store.wall_clock()
        found = {}
        for name, fields in zip(names, hashes, strict=True):
            entry = decode(fields, wanted[name])
            if entry is not None:
                entry.forming_fetched += offset
                found[name] = entry
        return found

    async def write(self, entries: Mapping[str, CachedBars]) -> None:
        offset = self._store.wall_clock() - self._monotonic()
        hashes = {self._name(name): encode(entry, offset) for name, entry in entries.items()}
        if hashes:
            await self._store.write_hashes(hashes, SHARED_BARS_TTL)


def encode(entry: CachedBars, clock_offset: float = 0.0) -> dict[str, bytes]:
    """An entry as hash fields; `clock_offset` turns its monotonic time into the wall's."""
    fields = {
        "columns": ",".join(entry.columns).encode(),
        "covered_from": str(entry.covered_from).encode(),
        "closed_until": str(entry.closed_until).encode(),
        "time": entry.time.astype("<i8").tobytes(),
        "values": entry.values.astype("<f8").tobytes(),
        "fetched": repr(entry.forming_fetched + clock_offset).encode(),
        "span": str(entry.span).encode(),
    }
    if entry.forming_time is not None and entry.forming is not None:
        fields["forming_time"] = str(entry.forming_time).encode()
        fields["forming"] = entry.forming.astype("<f8").tobytes()
    return fields


def decode(fields: Mapping[bytes, bytes], columns: tuple[str, ...]) -> CachedBars | None:
    """The entry the fields hold, when they hold one with these columns; else None."""
    try:
        if fields[b"columns"].decode() != ",".join(columns):
            return None
        times = np.frombuffer(fields[b"time"], dtype="<i8").astype(np.int64)
        values = np.frombuffer(fields[b"values"], dtype="<f8").reshape(len(times), len(columns))
        entry = CachedBars(
            columns,
            times,
            values.astype(np.float64),
            int(fields[b"covered_from"]),
            int(fields[b"closed_until"]),
            forming_fetched=float(fields[b"fetched"]),
            span=int(fields[b"span"]),
        )
        if b"forming_time" in fields:
            forming = np.frombuffer(fields[b"forming"], dtype="<f8").astype(np.float64)
            if forming.shape != (len(columns),):
                return None
            entry.forming_time = int(fields[b"forming_time"])
            entry.forming = forming
    except (KeyError, ValueError, UnicodeDecodeError):
        return None
    return entry
