"""`running_server`: the server embedded in a thread, and the keys it hands its user."""

from __future__ import annotations

import dataclasses
import hashlib

import httpx
import pytest
from chart_img_server import Settings, running_server

from .conftest import LIST_PATH

PLAIN = "plain-key"
HASHED = "hashed-key"
DIGEST = f"sha256:{hashlib.sha256(HASHED.encode()).hexdigest()}"


def _status(base_url: str, key: str) -> int:
    return httpx.get(f"{base_url}{LIST_PATH}", headers={"x-api-key": key}, timeout=30).status_code


def test_the_api_key_is_the_first_plain_key_not_a_digest(server_settings: Settings) -> None:
    settings = dataclasses.replace(server_settings, keys=(DIGEST, PLAIN, "second-key PRO"))
    with running_server(settings) as server:
        assert server.keys == (PLAIN, "second-key")
        assert server.api_key == PLAIN
        assert _status(server.base_url, server.api_key) == 200
        assert _status(server.base_url, HASHED) == 200


def test_with_every_key_a_digest_the_server_runs_and_has_no_api_key(
    server_settings: Settings,
) -> None:
    settings = dataclasses.replace(server_settings, keys=(DIGEST,))
    with running_server(settings) as server:
        assert server.keys == ()
        with pytest.raises(LookupError, match=r"every key .* is a sha256: digest"):
            _ = server.api_key
        # The digest's key works; the digest itself is no key.
        assert _status(server.base_url, HASHED) == 200
        assert _status(server.base_url, DIGEST) == 403


def test_without_keys_the_api_key_is_the_one_made_up(server_settings: Settings) -> None:
    with running_server(dataclasses.replace(server_settings, keys=())) as server:
        assert server.keys == (server.app.state.server.services.keys.generated,)
        assert _status(server.base_url, server.api_key) == 200
