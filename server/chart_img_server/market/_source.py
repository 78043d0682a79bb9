"""What every market source offers the server, and how it fails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ._catalog import Catalog
from ._intervals import Window
from ._series import Series, SeriesKind
from ._studies import Need


class SeriesSource(Protocol):
    """A supplier of raw per-market series of some kinds."""

    @property
    def name(self) -> str:
        """How the server's settings and logs name the source: `synthetic`, `coinalyze`."""
        ...

    @property
    def mark(self) -> str:
        """The small text on every chart that says where its data comes from."""
        ...

    def serves(self, kind: SeriesKind) -> bool:
        """Whether the source has series of this kind at all."""
        ...

    async def fetch(self, needs: Sequence[Need], window: Window) -> dict[Need, Series]:
        """Each needed series on the window's bars (NaN where the source has no bar).

        Raises `UpstreamBusyError` when the source's budget cannot serve the needs soon enough
        and `MarketDataError` when its upstream fails and nothing cached can stand in.
        """
        ...

    async def aclose(self) -> None:
        """Closes what the source opened (HTTP clients, tasks)."""
        ...


class MarketSource(SeriesSource, Protocol):
    """A supplier of raw per-market series and of the catalogue of its markets."""

    async def catalog(self) -> Catalog:
        """The exchanges and markets the source can chart now."""
        ...


class MarketDataError(Exception):
    """The market data could not be had: the upstream failed, and no cached data covers it."""

    def __init__(self, upstream: str, reason: str) -> None:
        super().__init__(f"{upstream}: {reason}")
        self.upstream = upstream
        self.reason = reason


class UpstreamBusyError(Exception):
    """The upstream's call budget is spent for now; `retry_after` seconds until it frees."""

    def __init__(self, upstream: str, retry_after: float) -> None:
        super().__init__(f"{upstream}: call budget spent, free again in {retry_after:.0f} s")
        self.upstream = upstream
        self.retry_after = retry_after
