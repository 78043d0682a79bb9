"""One market source made of several: a primary one, and others for some kinds of series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import anyio

from ._catalog import Catalog
from ._intervals import Window
from ._series import Series, SeriesKind
from ._source import MarketSource, SeriesSource
from ._studies import Need


class CompositeSource:
    """The primary source's catalogue and series, but `others[kind]`'s series of that kind."""

    def __init__(self, primary: MarketSource, others: Mapping[SeriesKind, SeriesSource]) -> None:
        self._primary = primary
        self._others = dict(others)
        credited = [primary.mark.removeprefix("Data: ")]
        credited += [s.mark.removeprefix("Data: ") for s in dict.fromkeys(self._others.values())]
        self.name = primary.name
        self.mark = "Data: " + ", ".join(dict.fromkeys(credited))

    async def catalog(self) -> Catalog:
        return await self._primary.catalog()

    def serves(self, kind: SeriesKind) -> bool:
        other = self._others.get(kind)
        return other.serves(kind) if other is not None else self._primary.serves(kind)

    async def fetch(self, needs: Sequence[Need], window: Window) -> dict[Need, Series]:
        """Each source's needs fetched at the same time; the first failure fails them all."""
        by_source: dict[int, tuple[SeriesSource, list[Need]]] = {}
        for need in needs:
            source: SeriesSource = self._others.get(need.kind, self._primary)
            by_source.setdefault(id(source), (source, []))[1].append(need)
        found: dict[Need, Series] = {}

        async def fetch_from(source: SeriesSource, wanted: list[Need]) -> None:
            found.update(await source.fetch(wanted, window))

        try:
            async with anyio.create_task_group() as tasks:
                for source, wanted in by_source.values():
                    tasks.start_soon(fetch_from, source, wanted)
        except ExceptionGroup as failures:
            raise _first(failures) from None
        return {need: found[need] for need in needs}

    async def aclose(self) -> None:
        for source in dict.fromkeys([self._primary, *self._others.values()]):
            await source.aclose()


def _first(failures: BaseExceptionGroup[Exception]) -> Exception:
    """The first failure in a group: the one the caller explains (MarketDataError, ...)."""
    first = failures.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
