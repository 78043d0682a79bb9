"""API keys: where they come from and how a request presents one."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from .errors import ApiError
from .settings import Settings

KEY_HEADER = "x-api-key"
KEY_QUERY_PARAMETER = "key"


@dataclass(frozen=True, slots=True)
class StaticKeys:
    """The key store of configured keys; `generated` is set when none were and one was made up."""

    keys: tuple[bytes, ...]
    generated: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> StaticKeys:
        configured = configured_keys(settings)
        if configured:
            return cls(tuple(key.encode() for key in dict.fromkeys(configured)))
        generated = secrets.token_urlsafe(32)
        return cls((generated.encode(),), generated=generated)

    async def accepts(self, candidate: str) -> bool:
        """Compares against every key in constant time, so timing tells nothing."""
        presented = candidate.encode()
        matches = [hmac.compare_digest(presented, key) for key in self.keys]
        return any(matches)


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
