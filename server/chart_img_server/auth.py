"""API keys: where they come from and how a request presents one."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import math
import re
import secrets
import signal
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

import anyio.abc
import anyio.to_thread
from starlette.requests import Request
from starlette.types import Scope

from .addresses import client_address_of
from .errors import ApiError
from .plans import Plan
from .settings import ENV_PREFIX, Settings
from .spec import load_spec

logger = logging.getLogger("chart_img_server")

KEY_HEADER = "x-api-key"
KEY_QUERY_PARAMETER = "key"
ENV_KEYS = f"{ENV_PREFIX}KEYS"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key the server accepts: `id` names it to the limiter (the hex SHA-256 of the key, never
    the key itself), and `plan` is its plan, None for a key unlimited by plans."""

    id: str
    plan: Plan | None = None


# The key table: a key's SHA-256 digest to what it is. Built whole, never changed after.
KeyTable = Mapping[bytes, ApiKey]


class StaticKeys:
    """The key store of configured keys; `generated` is set when none were and one was made up.

    Keys are looked up by their SHA-256 digest, so a check costs the same for one key or for
    20,000, and keys stored as digests (`sha256:<hex>`) work as plain ones do; only the digest
    found is then compared, in constant time. `reload` reads the settings' keys again and swaps
    the whole table at once: a request sees the old table or the new one, never a mix.
    """

    def __init__(
        self,
        keys: Iterable[bytes] = (),
        generated: str | None = None,
        *,
        table: KeyTable | None = None,
        load: Callable[[], KeyTable] | None = None,
    ) -> None:
        if table is None:
            table = {_digest(key): ApiKey(_digest(key).hex()) for key in keys}
        self._table: KeyTable = MappingProxyType(dict(table))
        self.generated = generated
        self._load = load

    @classmethod
    def from_settings(cls, settings: Settings) -> StaticKeys:
        def load() -> KeyTable:
            return key_table(configured_key_lines(settings), load_spec().plans)

        table = load()
        if table:
            return cls(table=table, load=load)
        generated = secrets.token_urlsafe(32)
        return cls((generated.encode(),), generated=generated)

    @property
    def table(self) -> KeyTable:
        return self._table

    async def find(self, candidate: str) -> ApiKey | None:
        """The key, if the candidate is one; its time tells nothing of the keys."""
        digest = _digest(candidate.encode())
        table = self._table  # one read: a reload swaps the whole table
        found = table.get(digest)
        same = hmac.compare_digest(digest, _NO_KEY if found is None else bytes.fromhex(found.id))
        return found if same and found is not None else None

    async def accepts(self, candidate: str) -> bool:
        """Whether the candidate is a configured key."""
        return await self.find(candidate) is not None

    async def reload(self) -> int:
        """Reads the keys again and swaps them in whole; returns how many there are now.

        Raises `ValueError` (naming the file and line, never a key) and keeps the keys it had
        when the new ones cannot be read. A made-up key is never replaced.
        """
        if self._load is None:
            return len(self._table)
        table = await anyio.to_thread.run_sync(self._load)
        if not table:
            raise ValueError("no keys configured any more; keeping the keys already loaded")
        self._table = MappingProxyType(dict(table))
        return len(table)


_NO_KEY = b"\x00" * 32
HASHED_KEY_PREFIX = "sha256:"
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def _digest(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()


def key_table(lines: Iterable[tuple[str, str]], plans: Mapping[str, Plan]) -> KeyTable:
    """The table of `(where, line)` key lines: `KEY [PLAN]`, KEY plain or `sha256:<hex>`.

    Any line that is not one raises `ValueError` naming where it is, never the key.
    """
    table: dict[bytes, ApiKey] = {}
    for where, line in lines:
        words = line.split()
        if len(words) > 2:
            raise ValueError(f"{where}: expected KEY [PLAN], found {len(words)} words")
        plan = None
        if len(words) == 2:
            plan = plans.get(words[1].upper())
            if plan is None:
                raise ValueError(
                    f"{where}: unknown plan {words[1]!r}; the plans are {', '.join(plans)}"
                )
        digest = _key_digest(words[0], where)
        table[digest] = ApiKey(digest.hex(), plan)
    return table


def _key_digest(word: str, where: str) -> bytes:
    if word[: len(HASHED_KEY_PREFIX)].lower() == HASHED_KEY_PREFIX:
        hexdigest = word[len(HASHED_KEY_PREFIX) :]
        if not _HEX_DIGEST.fullmatch(hexdigest):
            raise ValueError(f"{where}: a {HASHED_KEY_PREFIX} key needs 64 hex digits")
        return bytes.fromhex(hexdigest)
    return _digest(word.encode())


class FailedLogins:
    """Failed key attempts per client address: a token bucket of `burst` failures, refilled at
    `rate` a second. An address whose bucket is empty is refused before its key is checked,
    so that guessing keys from one address goes no faster than `rate`. A rate of 0 turns the
    throttle off. Only the `max_clients` most recent addresses are remembered.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        monotonic: Callable[[], float],
        max_clients: int = 65_536,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._monotonic = monotonic
        self._max_clients = max_clients
        # client -> (failures left, when last counted); least recently failed first.
        self._clients: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FailedLogins:
        return cls(settings.failed_auth_rate, settings.failed_auth_burst, settings.monotonic)

    async def wait(self, client: str) -> int | None:
        """None when `client` may present a key now, else the whole seconds until it may."""
        if self._rate <= 0:
            return None
        with self._lock:
            left = self._left(client, self._monotonic())
        return None if left >= 1.0 else max(1, math.ceil((1.0 - left) / self._rate))

    async def failed(self, client: str) -> None:
        """Counts a wrong key presented by `client`."""
        if self._rate <= 0:
            return
        now = self._monotonic()
        with self._lock:
            self._clients[client] = (self._left(client, now) - 1.0, now)
            self._clients.move_to_end(client)
            while len(self._clients) > self._max_clients:
                self._clients.popitem(last=False)

    def _left(self, client: str, now: float) -> float:
        left, counted = self._clients.get(client, (self._burst, now))
        return min(self._burst, left + max(0.0, now - counted) * self._rate)


def client_id(scope: Scope) -> str:
    """Who a request comes from, for the failed-key throttle: its IP address, or for IPv6 its
    /64 network (one host's usual share); `-` when the server was not told an IP address."""
    client = client_address_of(scope)
    return "-" if client is None else client[0].group


def presented_key(request: Request) -> str:
    """The key a request presents: the header, or on GET the query; 403 when there is none."""
    key = request.headers.get(KEY_HEADER)
    if key is None and request.method in ("GET", "HEAD"):
        key = request.query_params.get(KEY_QUERY_PARAMETER)
    if not key:
        raise ApiError(403, "Missing API Key")
    return key


def configured_keys(settings: Settings) -> list[str]:
    """The keys the settings name that a client can present: the plain ones, in order."""
    return [
        line.split()[0]
        for _, line in configured_key_lines(settings)
        if not line.lower().startswith(HASHED_KEY_PREFIX)
    ]


def configured_key_lines(settings: Settings) -> list[tuple[str, str]]:
    """The key lines the settings name, inline and in the keys file, each with where it is."""
    configured = [(f"key {n} of {ENV_KEYS}", key) for n, key in enumerate(settings.keys, 1)]
    if settings.keys_file is not None:
        configured += read_keys_file(settings.keys_file)
    return configured


def read_keys_file(path: Path) -> list[tuple[str, str]]:
    """One `KEY [PLAN]` a line, with where it is; blank lines and `#` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read the keys file {path}: {exc.strerror}") from None
    return [
        (f"keys file {path} line {number}", line.strip())
        for number, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


class Reloadable(Protocol):
    async def reload(self) -> int: ...


async def reload_keys(keys: Reloadable) -> bool:
    """Reloads the keys, logging the outcome in one line; False when the old ones stay."""
    try:
        count = await keys.reload()
    except ValueError as exc:
        logger.error("keys not reloaded, the previous keys stay: %s", exc)
        return False
    logger.info("keys reloaded: %d keys", count)
    return True


async def reload_keys_on_sighup(
    keys: Reloadable, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    """Reloads the keys on every SIGHUP, for as long as the server runs; started (with
    `TaskGroup.start`) once SIGHUP is handled. A server whose event loop is not on the main
    thread (one run in a thread, as tests do) cannot be sent signals: then this returns at
    once, and `reload_keys` is the way."""
    hangup = getattr(signal, "SIGHUP", None)
    with contextlib.ExitStack() as stack:
        try:
            signals = stack.enter_context(anyio.open_signal_receiver(hangup)) if hangup else None
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            signals = None
        task_status.started()
        if signals is None:
            return
        async for _ in signals:
            await reload_keys(keys)
