"""API keys: where they come from and how a request presents one."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.types import Scope

from .errors import ApiError
from .settings import Settings

KEY_HEADER = "x-api-key"
KEY_QUERY_PARAMETER = "key"


@dataclass(frozen=True, slots=True)
class StaticKeys:
    """The key store of configured keys; `generated` is set when none were and one was made up.

    Keys are looked up by their SHA-256 digest, so a check costs the same for one key or for
    20,000; only the key found is then compared, in constant time.
    """

    keys: tuple[bytes, ...]
    generated: str | None = None
    _by_digest: dict[bytes, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_digest", {_digest(key): key for key in self.keys})

    @classmethod
    def from_settings(cls, settings: Settings) -> StaticKeys:
        configured = configured_keys(settings)
        if configured:
            return cls(tuple(key.encode() for key in dict.fromkeys(configured)))
        generated = secrets.token_urlsafe(32)
        return cls((generated.encode(),), generated=generated)

    async def accepts(self, candidate: str) -> bool:
        """Whether the candidate is a configured key; its time tells nothing of the keys."""
        presented = candidate.encode()
        found = self._by_digest.get(_digest(presented), _NO_KEY)
        return hmac.compare_digest(presented, found) and found is not _NO_KEY


_NO_KEY = b"\x00" * 32


def _digest(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()


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
    client = scope.get("client")
    if not client:
        return "-"
    try:
        address = ipaddress.ip_address(str(client[0]))
    except ValueError:
        return "-"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network((address, 64), strict=False))
    return str(address)


def presented_key(request: Request) -> str:
    """The key a request presents: the header, or on GET the query; 403 when there is none."""
    key = request.headers.get(KEY_HEADER)
    if key is None and request.method in ("GET", "HEAD"):
        key = request.query_params.get(KEY_QUERY_PARAMETER)
    if not key:
        raise ApiError(403, "Missing API Key")
    return key


def configured_keys(settings: Settings) -> list[str]:
    """The keys the settings name, inline and in the keys file, in order."""
    configured = list(settings.keys)
    if settings.keys_file is not None:
        configured += read_keys_file(settings.keys_file)
    return configured


def read_keys_file(path: Path) -> list[str]:
    """One key a line; blank lines and `#` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"cannot read the keys file {path}: {exc.strerror}") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
