"""A client library for accessing CHART-IMG Coinalyze API"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
