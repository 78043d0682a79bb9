"""Client addresses as the server trusts them: IP addresses only, parsed once per address."""

from __future__ import annotations

import functools
import ipaddress

from starlette.types import Scope

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(scope: Scope) -> tuple[IPAddress, int] | None:
    """The request's client address and port, when the server was told an IP address.

    uvicorn takes the host from `X-Forwarded-For` when a trusted proxy sends it, unchecked:
    anything that is not an IP address is None."""
    client = scope.get("client")
    if not client:
        return None
    address = _parsed(str(client[0]))
    return None if address is None else (address, client[1])


# Every request asks; the clients of a server are few and come back.
@functools.lru_cache(maxsize=4096)
def _parsed(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
