"""A client library for accessing Binance USDⓈ-M Futures data (upstream, as used by chart-img-kit)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
