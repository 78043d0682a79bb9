"""A client library for accessing Coinalyze API (upstream, as used by chart-img-kit)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
