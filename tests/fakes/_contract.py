"""Checks the fakes' tests share: an answer is one its upstream document describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.contract.test_spec import resolve, schema_validator

ROOT = Path(__file__).resolve().parents[2]


def load(document: str) -> dict[str, Any]:
    """An upstream document, e.g. "okx.yaml"."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "upstream" / document).read_text("utf-8"))
    return loaded


def assert_valid(spec: dict[str, Any], path: str, response: httpx.Response) -> None:
    """The answer is one the document describes for the path (a template such as
    `/coins/{id}/market_chart/range`): its status, headers and JSON body."""
    operation = spec["paths"][path]["get"]
    assert str(response.status_code) in operation["responses"], response.status_code
    answer = resolve(spec, operation["responses"][str(response.status_code)])
    for header, definition in answer.get("headers", {}).items():
        definition = resolve(spec, definition)
        if header not in response.headers:
            assert not definition.get("required"), header
            continue
        value = response.headers[header]
        assert value.isascii(), value
        assert value.isdigit(), value
        errors = list(schema_validator(spec, definition["schema"]).iter_errors(int(value)))
        assert not errors, errors
    if "content" not in answer:
        return
    assert response.headers["content-type"] == "application/json"
    schema = answer["content"]["application/json"]["schema"]
    errors = list(schema_validator(spec, schema).iter_errors(response.json()))
    assert not errors, [error.message for error in errors[:5]]


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
