"""The API key: sent as the spec's security schemes say, and kept out of logs.

The key goes in the header scheme's header on every request. The query scheme's parameter is
used only for `GET` and only on request (`key_in_query=True`), since URLs end up in logs.
httpx logs every request URL at INFO, so a filter on the `httpx` and `httpcore` loggers
replaces any registered key with `***` in every record.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from functools import cache
from urllib.parse import quote, quote_plus

import httpx

from . import _spec

__all__ = ["REDACTED", "ApiKeyAuth", "redact", "register_secret"]

REDACTED = "***"
_LOGGERS = (
    "chart_img",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_secrets: set[str] = set()


class ApiKeyAuth(httpx.Auth):
    """httpx auth that adds the API key, in the header or (GET only, on request) the query."""

    def __init__(self, api_key: str, *, in_query: bool = False) -> None:
        register_secret(api_key)
        self._api_key = api_key
        self.in_query = in_query

    def __repr__(self) -> str:
        return f"ApiKeyAuth(api_key={REDACTED!r}, in_query={self.in_query})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        header, parameter = _scheme_names()
        if self.in_query and request.method == "GET":
            request.url = request.url.copy_merge_params({parameter: self._api_key})
        else:
            request.headers[header] = self._api_key
        yield request


def register_secret(secret: str) -> None:
    """Redact `secret` (and its URL-encoded forms) from every record of the HTTP loggers."""
    if secret:
        _secrets.update({secret, quote(secret, safe=""), quote_plus(secret)})
        _install_filter()


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


@cache
def _install_filter() -> None:
    log_filter = _RedactingFilter()
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(log_filter)


@cache
def _scheme_names() -> tuple[str, str]:
    schemes = _spec.spec()["components"]["securitySchemes"]
    return str(schemes["ApiKeyHeader"]["name"]), str(schemes["ApiKeyQuery"]["name"])
