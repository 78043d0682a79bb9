"""Errors in the spec's shapes: `{"message"}` or `{"errors": [FieldError, ...]}`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    """An error answered as `{"message": ...}` with its status and optional headers."""

    def __init__(
        self, status: int, message: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.message = message or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def response(self) -> JSONResponse:
        return JSONResponse({"message": self.message}, self.status, headers=self.headers)


@dataclass(frozen=True, slots=True)
class FieldError:
    path: str
    msg: str
    value: Any
    has_value: bool = True

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "field"}
        if self.has_value:
            body["value"] = json_safe(self.value)
        body.update(msg=self.msg, path=self.path, location="body")
        return body


class FieldErrors(ApiError):
    """Every invalid field of a request body, answered as 422 `{"errors": [...]}`."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(HTTPStatus.UNPROCESSABLE_ENTITY)
        self.errors = errors

    def response(self) -> JSONResponse:
        return JSONResponse({"errors": [error.as_json() for error in self.errors]}, self.status)


def json_safe(value: Any) -> Any:
    """The value with the floats JSON cannot carry (`1e309` reads as infinity) as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    return value


def error_response(status: int, message: str | None = None) -> JSONResponse:
    return ApiError(status, message).response()
