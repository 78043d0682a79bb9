"""A client library for accessing OKX public trading statistics (upstream, as used by chart-img-kit)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
