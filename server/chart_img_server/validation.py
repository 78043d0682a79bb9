"""From a request body to a `ChartRequest`: JSON, then the spec's schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from jsonschema import ValidationError

from .chart import ChartRequest
from .errors import ApiError, FieldError, FieldErrors
from .spec import ApiSpec

REQUEST_SCHEMA = "AdvancedChartRequest"
JSON_MEDIA_TYPE = "application/json"

# A chart request nests two levels (the studies list); far deeper JSON is refused outright, so
# that echoing a bad value back can never exhaust the stack, wherever the limit falls.
MAX_JSON_DEPTH = 32
_SURROGATES = re.compile("[\ud800-\udfff]")

# When one field breaks several rules, the error about its kind says the most.
_KEYWORD_PRIORITY = {"type": 0, "enum": 1, "const": 1}


class _InvalidJson(ValueError):
    pass


class ChartRequestParser:
    """Validates chart request bodies against the spec, loaded once."""

    def __init__(self, spec: ApiSpec) -> None:
        self._spec = spec
        self._validator = spec.validator(REQUEST_SCHEMA)
        self._defaults = spec.chart_request_defaults
        self._integer_fields = spec.integer_fields

    def parse(self, body: bytes, content_type: str | None) -> ChartRequest:
        """The chart a body asks for; raises `ApiError` (400, 422) when it cannot be drawn."""
        fields = self._read_json(body, content_type)
        errors = self._field_errors(fields)
        if errors:
            raise FieldErrors(errors)
        return self._chart_request({**self._defaults, **self._with_integers(fields)})

    def _read_json(self, body: bytes, content_type: str | None) -> dict[str, Any]:
        # Only no bytes at all is an absent body; whitespace alone is not a JSON text.
        if not body:
            return {}
        if not _is_json_media_type(content_type):
            raise ApiError(400, "Invalid Request")
        try:
            document = json.loads(
                # Strictly UTF-8 (RFC 8259): `json.loads` would otherwise guess UTF-16 or 32.
                body.decode("utf-8"),
                object_pairs_hook=_reject_duplicate_keys,
                parse_constant=_reject_constant,
            )
        except (ValueError, RecursionError):
            raise ApiError(400, "Invalid Request") from None
        if not isinstance(document, dict) or not _is_readable(document):
            raise ApiError(400, "Invalid Request")
        return document

    def _field_errors(self, fields: Mapping[str, Any]) -> list[FieldError]:
        found: dict[str, tuple[int, FieldError]] = {}
        for error in self._validator.iter_errors(fields):
            for priority, field_error in _describe(error, fields):
                kept = found.get(field_error.path)
                if kept is None or priority < kept[0]:
                    found[field_error.path] = (priority, field_error)
        order = {name: index for index, name in enumerate(fields)}
        listed = sorted(
            (error for _, error in found.values()), key=lambda e: _body_order(e.path, order)
        )
        # The spec caps the list, so that a body of many bad fields gets a small answer.
        return listed[: self._spec.max_field_errors]

    def _with_integers(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: int(value) if name in self._integer_fields and isinstance(value, float) else value
            for name, value in fields.items()
        }

    def _chart_request(self, values: Mapping[str, Any]) -> ChartRequest:
        exchange, ticker = str(values["symbol"]).split(":", 1)
        return ChartRequest(
            exchange=exchange.upper(),
            ticker=ticker.upper(),
            interval=values["interval"],
            width=values["width"],
            height=values["height"],
            theme=values["theme"],
            timezone=values["timezone"],
            format=values["format"],
            studies=tuple(values["studies"]),
            watermark=values.get("watermark"),
            watermark_size=values["watermarkSize"],
            watermark_opacity=float(values["watermarkOpacity"]),
        )


def _is_json_media_type(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == JSON_MEDIA_TYPE


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _InvalidJson("duplicate key")
    return document


def _is_readable(document: Any) -> bool:
    """No deeper than `MAX_JSON_DEPTH`, and text only of Unicode characters.

    JSON's `\\ud800` escapes can spell lone surrogates, which are no characters: such text can
    be neither drawn nor encoded back as UTF-8.
    """
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        if isinstance(value, str):
            if _SURROGATES.search(value):
                return False
        elif isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return True


def _reject_constant(name: str) -> Any:
    raise _InvalidJson(f"{name} is not JSON")


def _describe(
    error: ValidationError, fields: Mapping[str, Any]
) -> Iterable[tuple[int, FieldError]]:
    """The field errors one schema error stands for, each with its priority."""
    priority = _KEYWORD_PRIORITY.get(str(error.validator), 2)
    schema: Any = error.schema
    instance: Any = error.instance
    if error.validator == "additionalProperties":
        allowed = schema.get("properties", {})
        for name in fields:
            if name not in allowed:
                yield priority, FieldError(name, "is not a supported field", fields[name])
        return
    path = _path(error.absolute_path)
    if error.validator == "uniqueItems":
        index = _first_repeat(instance)
        yield priority, FieldError(f"{path}[{index}]", "must not repeat", instance[index])
        return
    yield priority, FieldError(path, _message(error), instance)


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _first_repeat(items: list[Any]) -> int:
    seen: list[Any] = []
    for index, item in enumerate(items):
        if item in seen:
            return index
        seen.append(item)
    return 0


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "array": "an array",
    "object": "an object",
    "boolean": "a boolean",
    "null": "null",
}


def _message(error: ValidationError) -> str:
    keyword, limit = str(error.validator), cast(Any, error.validator_value)
    if keyword == "type":
        kinds = [limit] if isinstance(limit, str) else list(limit)
        return "must be " + " or ".join(_TYPE_NAMES.get(kind, kind) for kind in kinds)
    messages = {
        "enum": "must be supported",
        "const": f"must be {limit!r}",
        "minimum": f"must be at least {limit}",
        "maximum": f"must be at most {limit}",
        "exclusiveMinimum": f"must be greater than {limit}",
        "exclusiveMaximum": f"must be less than {limit}",
        "minLength": f"must be at least {limit} characters long",
        "maxLength": f"must be at most {limit} characters long",
        "minItems": f"must have at least {limit} items",
        "maxItems": f"must have at most {limit} items",
        "pattern": f"must match the pattern {limit}",
    }
    return messages.get(keyword, error.message)


def _body_order(path: str, order: Mapping[str, int]) -> tuple[int, str]:
    name = path.split("[", 1)[0].split(".", 1)[0]
    return order.get(name, len(order)), path
