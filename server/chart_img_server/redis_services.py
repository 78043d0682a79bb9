"""What several server processes share, in Redis (`CHART_IMG_SERVER_REDIS_URL`).

- **Request limits**: each key's token bucket and daily quota, taken atomically on Redis's
  clock in one round trip (`LIMIT_SCRIPT`), parameterised by the key's rate, burst and quota.
- **Upstream call budgets**: each upstream's rolling window of calls, a sorted set kept by
  `BUDGET_SCRIPT`, so that N processes together stay within the one budget.
- **Upstream bars**: each series' cached bars, one hash written whole after every fetch
  (`market._shared_bars`), so that a bar one process fetched the others read.
- **The storage sweeper**: one process a purge interval sweeps expired charts
  (`SET NX PX`, never released: the turn lapses with the interval).

Per process, and why: the catalogue (one small load each), renders and the failed-key
throttle (a per-address brake, not a quota).

When Redis does not answer within `REDIS_TIMEOUT`, limits fail **closed**: the request is
answered `503` `Rate Limit Unavailable` with `Retry-After` (openapi.yaml, decision 21), never
served unmetered. An upstream budget that cannot be read answers as a spent budget (`429`
`Market Data Rate Limited`, or cached bars when held); a sweep turn that cannot be taken is
skipped; shared bars that cannot be read or written are fetched from the upstream, as one
process would. Each command reconnects, so service resumes as soon as Redis is back.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .errors import ApiError
from .market._source import UpstreamBusyError
from .plans import DAILY_QUOTA_EXCEEDED, TOO_MANY_REQUESTS, Plan, Refusal
from .settings import Settings

logger = logging.getLogger("chart_img_server")

# Seconds Redis has to connect or answer one command (it answers in well under a millisecond).
REDIS_TIMEOUT = 0.5
PREFIX = "chart-img:"
LIMITER_DOWN = "Rate Limit Unavailable"
# What a caller is told to wait when Redis does not answer.
DOWN_RETRY_AFTER = 1
DAY_SECONDS = 86_400

# KEYS: the key's bucket (a hash), its quota counter's prefix.
# ARGV: rate per second (0: no rate limit), burst, daily quota (0: none).
# Returns {0, 0} allowed; {1, seconds} over the rate; {2, seconds to the next UTC midnight}
# over the quota. A refused request takes nothing from either.
LIMIT_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local quota = tonumber(ARGV[3])
local clock = redis.call('TIME')
local seconds = tonumber(clock[1])
local now = seconds + tonumber(clock[2]) / 1000000
local day = math.floor(seconds / 86400)
local counter = KEYS[2] .. ':' .. day
if quota > 0 then
  local used = tonumber(redis.call('GET', counter) or '0')
  if used >= quota then
    return {2, (day + 1) * 86400 - seconds}
  end
end
if rate > 0 then
  local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
  local tokens = tonumber(bucket[1]) or burst
  local updated = tonumber(bucket[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
  if tokens < 1 then
    return {1, math.max(1, math.ceil((1 - tokens) / rate))}
  end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'updated', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
end
if quota > 0 then
  redis.call('INCR', counter)
  redis.call('EXPIREAT', counter, (day + 1) * 86400 + 3600)
end
return {0, 0}
"""

# KEYS: the upstream's window (a sorted set of calls by time), its blocked-until key.
# ARGV: calls allowed, period in seconds, calls to spend, a unique id, seconds to block
# first (a Retry-After the upstream gave; 0: none).
# Returns "0" when the calls were spent, else the seconds until they fit (a string: Lua's
# numbers would reach the caller as integers).
BUDGET_SCRIPT = """
local calls = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local block = tonumber(ARGV[5])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if block > 0 and now + block > blocked then
  blocked = now + block
  redis.call('SET', KEYS[2], tostring(blocked), 'PX', math.ceil(block * 1000) + 1000)
end
if blocked > now then
  return tostring(blocked - now)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local spent = redis.call('ZCARD', KEYS[1])
local excess = spent + count - calls
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], excess - 1, excess - 1, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + period - now)
end
for i = 1, count do
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(period * 1000) + 1000)
return '0'
"""


@dataclass(frozen=True, slots=True)
class LimitVerdict:
    """A request's fate: `exceeded` is None (allowed), `rate` or `quota`, with the whole
    seconds to wait (to the next UTC midnight for the quota)."""

    exceeded: str | None
    retry_after: int


def key_digest(key: str) -> str:
    """What Redis knows of an API key: a digest, never the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class RedisShared:
    """One process's connection to the shared state; `check_ready` answers `/readyz`."""

    def __init__(self, client: aioredis.Redis, where: str) -> None:
        self.client = client
        self.where = where
        self._limit = client.register_script(LIMIT_SCRIPT)
        self._budget = client.register_script(BUDGET_SCRIPT)
        self._down = False
        self._owner = f"{os.getpid()}:{uuid.uuid4().hex}"
        # What the processes compare the age of shared bars by.
        self.wall_clock: Callable[[], float] = time.time

    async def check_ready(self) -> str | None:
        try:
            await self.client.ping()
        except RedisError as error:
            return f"Redis unreachable ({type(error).__name__})"
        return None

    # Limits ---------------------------------------------------------------------------

    async def take(self, key: str, rate: float, burst: int, daily_quota: int = 0) -> LimitVerdict:
        """Takes one request from `key`'s bucket and daily quota, or says which is spent.

        Raises `ApiError` 503 when Redis does not answer: limits fail closed."""
        digest = key_digest(key)
        keys = [f"{PREFIX}bucket:{digest}", f"{PREFIX}quota:{digest}"]
        try:
            answer: Any = await self._limit(keys=keys, args=[rate, burst, daily_quota])
        except RedisError as error:
            self._went_down(error)
            raise ApiError(503, LIMITER_DOWN, {"Retry-After": str(DOWN_RETRY_AFTER)}) from None
        self._came_back()
        outcome, seconds = int(answer[0]), int(answer[1])
        if outcome == 0:
            return LimitVerdict(None, 0)
        return LimitVerdict("rate" if outcome == 1 else "quota", max(1, seconds))

    def limiter(self, rate: float, burst: int) -> RedisLimiter:
        return RedisLimiter(self, rate, burst)

    # Upstream budgets -----------------------------------------------------------------

    async def spend(
        self, upstream: str, calls: int, period: float, count: int, block: float
    ) -> float:
        """Spends `count` of the upstream's calls now (0.0), or says how long until they fit.

        Raises `UpstreamBusyError` when Redis does not answer: a budget that cannot be read
        is a spent one."""
        keys = [f"{PREFIX}budget:{upstream}", f"{PREFIX}blocked:{upstream}"]
        args: list[str | float] = [calls, period, count, uuid.uuid4().hex, block]
        try:
            answer: Any = await self._budget(keys=keys, args=args)
        except RedisError as error:
            self._went_down(error)
            raise UpstreamBusyError(upstream, DOWN_RETRY_AFTER) from None
        self._came_back()
        return float(answer)

    # Shared bars ----------------------------------------------------------------------

    async def read_hashes(self, names: Sequence[str]) -> list[dict[bytes, bytes]]:
        """Each hash's fields, in one round trip (none when Redis does not answer)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(PREFIX + name)
            try:
                found: list[dict[bytes, bytes]] = await pipe.execute()
            except RedisError as error:
                self._went_down(error)
                return [{} for _ in names]
        self._came_back()
        return found

    async def write_hashes(self, hashes: Mapping[str, Mapping[str, bytes]], ttl: float) -> None:
        """Replaces each hash whole, lapsing after `ttl` seconds, atomically (MULTI)."""
        async with self.client.pipeline(transaction=True) as pipe:
            for name, fields in hashes.items():
                pipe.delete(PREFIX + name)
                pipe.hset(PREFIX + name, items=[part for field in fields.items() for part in field])
                pipe.pexpire(PREFIX + name, math.ceil(ttl * 1000))
            try:
                await pipe.execute()
            except RedisError as error:
                self._went_down(error)
                return
        self._came_back()

    # The sweeper ----------------------------------------------------------------------

    async def sweep_turn(self, interval: float) -> bool:
        """True for the one process that sweeps in this interval (False on a Redis error)."""
        try:
            taken = await self.client.set(
                f"{PREFIX}sweeper", self._owner, nx=True, px=max(1, math.floor(interval * 1000))
            )
        except RedisError as error:
            self._went_down(error)
            return False
        self._came_back()
        return bool(taken)

    def _went_down(self, error: RedisError) -> None:
        if not self._down:
            self._down = True
            logger.error("Redis at %s does not answer (%s)", self.where, type(error).__name__)

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            logger.warning("Redis at %s answers again", self.where)


class RedisLimiter:
    """The `Limiter` interface over Redis: a key with a plan gets its plan's rate, burst and
    daily quota; a key without one the server's own rate and burst (`rate` 0: no limit)."""

    def __init__(self, shared: RedisShared, rate: float, burst: int) -> None:
        self.shared = shared
        self.rate = rate
        self.burst = burst

    async def acquire(self, key_id: str, plan: Plan | None = None) -> Refusal | None:
        if plan is None:
            if self.rate <= 0:
                return None
            verdict = await self.shared.take(key_id, self.rate, self.burst)
        else:
            verdict = await self.shared.take(key_id, plan.rate, plan.burst, plan.daily)
        if verdict.exceeded is None:
            return None
        message = DAILY_QUOTA_EXCEEDED if verdict.exceeded == "quota" else TOO_MANY_REQUESTS
        return Refusal(message, verdict.retry_after)

    async def check_ready(self) -> str | None:
        return await self.shared.check_ready()


def _where(client: aioredis.Redis) -> str:
    """Host and port (or socket path) of the client's server: never the password."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return str(kwargs["path"])
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


@contextlib.asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[RedisShared]:
    """The shared state at `settings.redis_url`, reached once before the server starts."""
    assert settings.redis_url is not None
    client = aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        # One retry, at once: a connection that Redis dropped (a restart) is replaced.
        retry=Retry(NoBackoff(), 1),
        health_check_interval=0,
    )
    shared = RedisShared(client, _where(client))
    try:
        why = await shared.check_ready()
        if why is not None:
            raise OSError(f"cannot reach Redis at {shared.where}: {why}")
        yield shared
    finally:
        await client.aclose()
