"""Client addresses as the server trusts them: IP addresses only, each worked out once."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from starlette.types import Scope

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class ClientAddress:
    ip: IPAddress
    shown: str  # as logs show it: an IPv6 address in brackets
    group: str  # who it counts as for the failed-key throttle: itself, or its IPv6 /64


def client_address_of(scope: Scope) -> tuple[ClientAddress, int] | None:
    """The request's client address and port, when the server was told an IP address.

    uvicorn takes the host from `X-Forwarded-For` when a trusted proxy sends it, unchecked:
    anything that is not an IP address is None."""
    client = scope.get("client")
    if not client:
        return None
    address = _known(str(client[0]))
    return None if address is None else (address, client[1])


# Every request asks; the clients of a server are few and come back.
@functools.lru_cache(maxsize=4096)
def _known(host: str) -> ClientAddress | None:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv4Address):
        return ClientAddress(ip, str(ip), str(ip))
    if ip.ipv4_mapped is not None:
        group = str(ip.ipv4_mapped)
    else:
        group = str(ipaddress.ip_network((ip, 64), strict=False))
    return ClientAddress(ip, f"[{ip}]", group)
