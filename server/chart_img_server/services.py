"""The services a server is assembled from, each behind a small async interface.

The lifespan opens them from the settings, and closes what they opened; tests pass their
own in place of any of them. `/readyz` asks each whether it can serve now: a service says so
with `check_ready` (see `Checkable`), and the market source by loading its catalogue.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import anyio

from .auth import ApiKey, FailedLogins, StaticKeys
from .market import MarketDataError, MarketSource, open_market
from .plans import Plan, Refusal
from .rate_limit import TokenBuckets
from .redis_services import RedisShared, open_redis
from .s3_storage import open_storage
from .settings import Settings
from .storage import StoredObject

__all__ = [
    "Checkable",
    "KeyStore",
    "Limiter",
    "LoginThrottle",
    "MarketSource",
    "ObjectStore",
    "Services",
    "open_services",
    "readiness",
]

READY = "ok"


class KeyStore(Protocol):
    @property
    def generated(self) -> str | None:
        """A key made up at start-up because none was configured, else None."""
        ...

    async def find(self, candidate: str) -> ApiKey | None:
        """The key, with its id and plan, if the candidate is one; else None."""
        ...

    async def reload(self) -> int:
        """Reads the keys again and swaps them in whole (on SIGHUP); returns how many there
        are. Raises `ValueError` and keeps the old keys when the new ones cannot be read."""
        ...


class Limiter(Protocol):
    async def acquire(self, key_id: str, plan: Plan | None) -> Refusal | None:
        """Takes one request from the key's allowance: None if allowed, else a `Refusal` (the
        429's message and `Retry-After`). With a plan: the plan's rate, burst and daily quota
        (per UTC day; `Retry-After` to the next UTC midnight); without: the server's own rate
        and burst. A refused request spends nothing. `key_id` is `ApiKey.id`, never the key."""
        ...


class LoginThrottle(Protocol):
    async def wait(self, client: str) -> int | None:
        """None when the client may present a key now, else the seconds until it may."""
        ...

    async def failed(self, client: str) -> None:
        """Counts a wrong key presented by the client."""
        ...


@runtime_checkable
class Checkable(Protocol):
    """A service that can tell whether it serves now (a store, a shared limiter)."""

    async def check_ready(self) -> str | None:
        """None when ready, else why not, in a few words fit for an unauthenticated caller."""
        ...


class ObjectStore(Protocol):
    async def put(
        self, data: bytes, image_format: str, retention: datetime.timedelta | None = None
    ) -> StoredObject:
        """Stores an image, kept for `retention` (the key's plan's), else the store's default."""
        ...

    async def get(self, key: str) -> tuple[StoredObject, bytes] | None: ...

    async def purge_expired(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Services:
    market: MarketSource
    limiter: Limiter
    storage: ObjectStore
    keys: KeyStore
    logins: LoginThrottle
    # Several processes: what they share (redis_services); None for one process.
    redis: RedisShared | None = None


@dataclass(frozen=True, slots=True)
class ServiceOverrides:
    """Services to use instead of those the settings name (tests pass fakes here)."""

    market: MarketSource | None = None
    limiter: Limiter | None = None
    storage: ObjectStore | None = None
    keys: KeyStore | None = None
    logins: LoginThrottle | None = None


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, overrides: ServiceOverrides | None = None
) -> AsyncIterator[Services]:
    """The services the settings name, open for the block; what they opened closes after."""
    given = overrides or ServiceOverrides()
    async with contextlib.AsyncExitStack() as stack:
        shared = None
        if settings.redis_url is not None:
            shared = await stack.enter_async_context(open_redis(settings))
        market = given.market
        if market is None:
            market = await stack.enter_async_context(open_market(settings, shared))
        yield Services(
            market=market,
            limiter=given.limiter
            or (shared.limiter(settings.rate_limit, settings.rate_burst) if shared else None)
            or TokenBuckets(
                settings.rate_limit, settings.rate_burst, settings.monotonic, settings.clock
            ),
            storage=given.storage or open_storage(settings),
            keys=given.keys or StaticKeys.from_settings(settings),
            logins=given.logins or FailedLogins.from_settings(settings),
            redis=shared,
        )


async def readiness(services: Services, timeout: float) -> dict[str, str]:
    """Each service's state, `ok` or why it cannot serve now; every check is given `timeout`
    seconds, and they run at once."""
    checks: dict[str, Callable[[], Awaitable[str | None]]] = {"market": _market_check(services)}
    for item in dataclasses.fields(services):
        service = getattr(services, item.name)
        if item.name != "market" and isinstance(service, Checkable):
            checks[item.name] = service.check_ready
    states: dict[str, str] = {}

    async def run(name: str, check: Callable[[], Awaitable[str | None]]) -> None:
        try:
            with anyio.fail_after(timeout):
                states[name] = await check() or READY
        except TimeoutError:
            states[name] = f"no answer within {timeout:g} s"
        except Exception as exc:  # a probe that fails is an answer: not ready
            states[name] = f"check failed ({type(exc).__name__})"

    async with anyio.create_task_group() as tasks:
        for name, check in checks.items():
            tasks.start_soon(run, name, check)
    return {name: states[name] for name in checks}


def _market_check(services: Services) -> Callable[[], Awaitable[str | None]]:
    market = services.market
    if isinstance(market, Checkable):
        return market.check_ready

    async def catalogue_loaded() -> str | None:
        try:
            await market.catalog()
        except MarketDataError as failure:
            return failure.reason
        return None

    return catalogue_loaded
