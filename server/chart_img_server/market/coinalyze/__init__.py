"""The Coinalyze market source: the real market, from Coinalyze's REST API v1."""

from ._source import CoinalyzeSource, open_coinalyze

__all__ = ["CoinalyzeSource", "open_coinalyze"]
