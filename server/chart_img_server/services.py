"""The services a server is assembled from, each behind a small async interface.

The lifespan opens them from the settings, and closes what they opened; tests pass their
own in place of any of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from .auth import StaticKeys
from .market import MarketSource, open_market
from .rate_limit import TokenBuckets
from .settings import Settings
from .storage import LocalStorage, StoredObject

__all__ = ["KeyStore", "Limiter", "MarketSource", "ObjectStore", "Services", "open_services"]


class KeyStore(Protocol):
    @property
    def generated(self) -> str | None:
        """A key made up at start-up because none was configured, else None."""
        ...

    async def accepts(self, candidate: str) -> bool: ...


class Limiter(Protocol):
    async def acquire(self, key: str) -> int | None:
        """Takes one request from `key`'s allowance: None if allowed, else seconds to wait."""
        ...


class ObjectStore(Protocol):
    async def put(self, data: bytes, image_format: str) -> StoredObject: ...

    async def get(self, key: str) -> tuple[StoredObject, bytes] | None: ...

    async def purge_expired(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Services:
    market: MarketSource
    limiter: Limiter
    storage: ObjectStore
    keys: KeyStore


@dataclass(frozen=True, slots=True)
class ServiceOverrides:
    """Services to use instead of those the settings name (tests pass fakes here)."""

    market: MarketSource | None = None
    limiter: Limiter | None = None
    storage: ObjectStore | None = None
    keys: KeyStore | None = None


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, overrides: ServiceOverrides | None = None
) -> AsyncIterator[Services]:
    """The services the settings name, open for the block; what they opened closes after."""
    given = overrides or ServiceOverrides()
    async with contextlib.AsyncExitStack() as stack:
        market = given.market
        if market is None:
            market = await stack.enter_async_context(open_market(settings))
        yield Services(
            market=market,
            limiter=given.limiter
            or TokenBuckets(settings.rate_limit, settings.rate_burst, settings.monotonic),
            storage=given.storage
            or LocalStorage(settings.storage_dir, settings.storage_retention, settings.clock),
            keys=given.keys or StaticKeys.from_settings(settings),
        )

