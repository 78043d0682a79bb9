"""A client library for accessing CoinGecko API v3 (upstream, as used by chart-img-kit)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
