"""Chart requests from keyword arguments, mappings or the generated `AdvancedChartRequest`.

Every value is checked before a request is sent: enum fields against the generated enums,
numbers, strings and lists against the bounds and patterns of the spec, studies against the
`Study` schema's `x-requires-perpetual`, `x-min-interval`, `x-max-interval` and `x-exchanges`.
Only the fields the caller gave are sent; the server applies the spec's defaults to the rest.
"""

from __future__ import annotations

import inspect
import re
import textwrap
import types
from collections.abc import Callable, Mapping, Sequence
from enum import Enum, IntEnum
from functools import cache
from pathlib import Path
from typing import Any, TypedDict, TypeVar, Unpack, get_args, get_origin, get_type_hints

import attrs
import chart_img_api.models as models
from chart_img_api.models import (
    AdvancedChartRequest,
    FieldError,
    FieldErrorLocation,
    ImageFormat,
    Interval,
    Study,
    Theme,
    Timezone,
    WatermarkSize,
)
from chart_img_api.types import UNSET

from . import _spec
from ._exceptions import RequestValidationError

__all__ = [
    "ChartFields",
    "RequestLike",
    "allowed_values",
    "build_request",
    "check_exchange_id",
    "enum_of",
    "field_docs_source",
    "field_names",
    "fields_doc",
    "with_fields_doc",
    "write_field_docs",
]

F = TypeVar("F", bound=Callable[..., Any])


class ChartFields(TypedDict, total=False):
    """The chart fields as keyword arguments (snake_case names of the request's fields).

    Each field's meaning, default and allowed values are read from the spec: see
    `fields_doc()`, appended to this docstring and to those of `chart()` and `store()`.
    """

    # BEGIN field docs, from openapi.yaml by `make field-docs`
    symbol: str
    """Chart symbol as `EXCHANGE:SYMBOL`, case-insensitive; perpetual contracts end in `.P`. A
    symbol that the exchange does not list answers `422` `Invalid Symbol`. Default:
    "BINANCE:BTCUSDT.P". Matches ^[A-Za-z0-9_]{1,32}:[A-Za-z0-9._-]{1,40}$.
    """
    interval: Interval | str
    """Chart interval. Default: "1D". One of: 1m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1D, 1W,
    1M.
    """
    width: int
    """Image width in pixels. Default: 800. From 400 to 2048."""
    height: int
    """Image height in pixels. Default: 600. From 300 to 1920."""
    theme: Theme | str
    """Chart colour theme. Default: "light". One of: light, dark."""
    timezone: Timezone | str
    """Timezone of the time axis. Default: "Etc/UTC". One of: Etc/UTC, Africa/Cairo,
    Africa/Johannesburg, Africa/Lagos, America/Argentina/Buenos_Aires, America/Bogota,
    America/Caracas, America/Chicago, America/El_Salvador, America/Juneau, America/Lima,
    America/Los_Angeles, America/Mexico_City, America/New_York, America/Phoenix,
    America/Santiago, America/Sao_Paulo, America/Toronto, America/Vancouver, Asia/Almaty,
    Asia/Ashkhabad, Asia/Bahrain, Asia/Bangkok, Asia/Chongqing, Asia/Dubai, Asia/Hong_Kong,
    Asia/Ho_Chi_Minh, Asia/Jakarta, Asia/Jerusalem, Asia/Karachi, Asia/Kathmandu,
    Asia/Kolkata, Asia/Kuwait, Asia/Manila, Asia/Muscat, Asia/Qatar, Asia/Riyadh,
    Asia/Seoul, Asia/Shanghai, Asia/Singapore, Asia/Taipei, Asia/Tehran, Asia/Tokyo,
    Atlantic/Reykjavik, Australia/ACT, Australia/Adelaide, Australia/Brisbane,
    Australia/Perth, Australia/Sydney, Europe/Amsterdam, Europe/Athens, Europe/Belgrade,
    Europe/Berlin, Europe/Bratislava, Europe/Brussels, Europe/Bucharest, Europe/Budapest,
    Europe/Copenhagen, Europe/Dublin, Europe/Helsinki, Europe/Istanbul, Europe/Lisbon,
    Europe/London, Europe/Luxembourg, Europe/Madrid, Europe/Malta, Europe/Moscow,
    Europe/Oslo, Europe/Paris, Europe/Riga, Europe/Rome, Europe/Stockholm, Europe/Tallinn,
    Europe/Vilnius, Europe/Warsaw, Europe/Zurich, Pacific/Auckland, Pacific/Chatham,
    Pacific/Fakaofo, Pacific/Honolulu, Pacific/Norfolk, US/Mountain.
    """
    format: ImageFormat | str
    """Image format of the response. Default: "png". One of: png, jpeg."""
    studies: Sequence[Study | str]
    """Study indicators to add, each at most once. Some depend on the symbol or interval: see
    the `Study` schema. At most one of each study means at most as many items as `Study` has
    members: `maxItems` states what `uniqueItems` over the enum implies, so that an
    over-long list is refused before its items are compared. Default: []. At most 39 items,
    each at most once, of: Aggregated CVD Futs. COIN-margined Contracts, Aggregated CVD
    Futs. STABLECOIN-margined Contracts, Aggregated CVD Futures, Aggregated CVD Spot,
    Aggregated Funding Rate, Aggregated Liquidations COIN-margined Contracts, Aggregated
    Liquidations Profile Visible Range COIN-margined Contracts, Aggregated Liquidations
    Profile Visible Range STABLECOIN-margined Contracts, Aggregated Liquidations
    STABLECOIN+COIN-margined Contracts, Aggregated Liquidations STABLECOIN-margined
    Contracts, Aggregated Long/Short Accounts Ratio, Aggregated Open Interest COIN-margined
    Contracts, Aggregated Open Interest Delta COIN-margined Contracts, Aggregated Open
    Interest Delta Profile Visible Range COIN-margined Contracts, Aggregated Open Interest
    Delta Profile Visible Range STABLECOIN+COIN-margined Contracts, Aggregated Open Interest
    Delta Profile Visible Range STABLECOIN-margined Contracts, Aggregated Open Interest
    Delta STABLECOIN+COIN-margined Contracts, Aggregated Open Interest Delta
    STABLECOIN-margined Contracts, Aggregated Open Interest STABLECOIN+COIN-margined
    Contracts, Aggregated Open Interest STABLECOIN-margined Contracts, Aggregated Predicted
    Funding Rate, Buy / Sell Count, Buy / Sell Volume, Buy Sell Pressure, Funding Rate,
    Funding Rate OHLC, Liquidations, Liquidations Profile Visible Range, Long/Short Accounts
    Ratio, Long/Short Accounts Ratio Top Traders, Long/Short Positions Ratio Top Traders,
    Longs Liquidation, Open Interest, Open Interest Delta, Open Interest Delta Profile
    Visible Range, Open Interest/Market Cap Ratio, Predicted Funding Rate, Predicted Funding
    Rate OHLC, Shorts Liquidation.
    """
    watermark: str
    """Custom watermark text, centred on the chart. No control characters. No default. At most
    100 characters. Matches ^[^\\u0000-\\u001F\\u007F]*$.
    """
    watermark_size: WatermarkSize | int | str
    """Watermark text size, in pixels. Default: 16. One of: 16, 32, 64, 128."""
    watermark_opacity: float
    """Watermark text opacity. Default: 1.0. From 0.1 to 1.0."""
    # END field docs


QUOTES = '"""'
FIELD_DOCS_BEGIN = "    # BEGIN field docs, from openapi.yaml by `make field-docs`"
FIELD_DOCS_END = "    # END field docs"
RequestLike = AdvancedChartRequest | Mapping[str, Any] | None


def build_request(
    request: RequestLike = None, **fields: Unpack[ChartFields]
) -> AdvancedChartRequest:
    """Merge `request` (model or JSON-named mapping) and keyword `fields`, then check it all.

    Raises:
        RequestValidationError: listing every bad field and, for enums, the allowed values.
    """
    wire, errors = _collect(request, dict(fields))
    checked: dict[str, Any] = {}
    properties = _spec.request_properties()
    for name, value in wire.items():
        checked[name] = _check(name, value, properties[name], errors)
    if not errors:
        _check_studies_fit(checked, errors)
    if errors:
        raise RequestValidationError(errors)
    attributes = _attribute_names()
    return AdvancedChartRequest(
        **{attributes[name]: checked.get(name, UNSET) for name in properties}
    )


def fields_doc() -> str:
    """Every chart field with its type, meaning, default and allowed values, from the spec."""
    hints = get_type_hints(ChartFields)
    properties = _spec.request_properties()
    lines = [
        "Chart fields (keyword arguments, all optional; the server applies the default of",
        "each field left out):",
        "",
    ]
    for keyword, name in field_names().items():
        text = _field_text(properties[name])
        lines.append(f"    {keyword} ({_type_name(hints[keyword])}):")
        lines += textwrap.wrap(
            text, 92, initial_indent=" " * 8, subsequent_indent=" " * 8, break_on_hyphens=False
        )
    return "\n".join(lines) + "\n"


def field_docs_source() -> str:
    """The body of `ChartFields` between its field-docs markers: each field, then its text.

    Editors show a field's docstring where the keyword is used, so what `help()` reads from
    the spec at run time is also written into the source, and a test keeps the two equal.
    """
    annotations = ChartFields.__annotations__
    properties = _spec.request_properties()
    lines = []
    for keyword, name in field_names().items():
        annotation = annotations[keyword]
        written = getattr(annotation, "__forward_arg__", annotation)
        lines.append(f"    {keyword}: {written}")
        text = _field_text(properties[name]).replace("\\", "\\\\").replace(QUOTES, "'''")
        wrapped = textwrap.wrap(text, 88, break_on_hyphens=False, break_long_words=False)
        lines.append(f"    {QUOTES}{wrapped[0]}" + (QUOTES if len(wrapped) == 1 else ""))
        if len(wrapped) > 1:
            lines += [f"    {line}" for line in wrapped[1:]]
            lines.append(f"    {QUOTES}")
    return "\n".join(lines) + "\n"


def write_field_docs() -> None:
    """Rewrites the field docs of `ChartFields` in this file from the spec (`make field-docs`)."""
    path = Path(__file__)
    source = path.read_text(encoding="utf-8")
    head, rest = source.split(FIELD_DOCS_BEGIN, 1)
    _, tail = rest.split(FIELD_DOCS_END, 1)
    path.write_text(
        f"{head}{FIELD_DOCS_BEGIN}\n{field_docs_source()}{FIELD_DOCS_END}{tail}", encoding="utf-8"
    )


def _field_text(schema: Mapping[str, Any]) -> str:
    parts = [" ".join(str(schema.get("description", "")).split())]
    parts.append(
        f"Default: {_literal(schema['default'])}." if "default" in schema else "No default."
    )
    parts.append(_allowed(schema))
    return " ".join(part for part in parts if part)


def with_fields_doc(method: F) -> F:
    """Appends `fields_doc()` to a method's docstring."""
    method.__doc__ = f"{inspect.cleandoc(method.__doc__ or '')}\n\n{fields_doc()}"
    return method


def _allowed(schema: Mapping[str, Any]) -> str:
    enum = enum_of(schema)
    if enum is not None:
        return f"One of: {', '.join(allowed_values(enum))}."
    if schema.get("type") == "array":
        items = enum_of(schema["items"])
        most = schema.get("maxItems")
        each = " each at most once," if schema.get("uniqueItems") else ""
        values = f" of: {', '.join(allowed_values(items))}" if items is not None else ""
        return f"At most {most} items,{each}{values}.".replace(",.", ".")
    words = []
    if "minimum" in schema or "maximum" in schema:
        words.append(f"From {schema.get('minimum')} to {schema.get('maximum')}.")
    if "maxLength" in schema:
        words.append(f"At most {schema['maxLength']} characters.")
    if "pattern" in schema:
        words.append(f"Matches {schema['pattern']}.")
    return " ".join(words)


def _literal(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _type_name(hint: Any) -> str:
    if isinstance(hint, types.UnionType):
        return " | ".join(_type_name(part) for part in get_args(hint))
    origin = get_origin(hint)
    if origin is not None:
        arguments = ", ".join(_type_name(argument) for argument in get_args(hint))
        return f"{getattr(origin, '__name__', str(origin))}[{arguments}]"
    return getattr(hint, "__name__", str(hint))


def field_names() -> dict[str, str]:
    """Keyword name -> JSON name, for every request field."""
    return {attribute.rstrip("_"): name for name, attribute in _attribute_names().items()}


def allowed_values(enum: type[Enum]) -> list[str]:
    """A generated enum's values, in the order the spec lists them."""
    order = _spec.enum_values(enum.__name__)
    return [str(member.value) for member in sorted(enum, key=lambda m: order.index(m.value))]


@cache
def _attribute_names() -> dict[str, str]:
    """JSON name -> attribute of the generated model (`format` -> `format_`)."""
    attributes = {field.name for field in attrs.fields(AdvancedChartRequest)}
    names: dict[str, str] = {}
    for name in _spec.request_properties():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        names[name] = snake if snake in attributes else f"{snake}_"
    return names


def _collect(
    request: RequestLike, keywords: dict[str, Any]
) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    properties = _spec.request_properties()
    if isinstance(request, AdvancedChartRequest):
        wire = request.to_dict()
    elif isinstance(request, Mapping):
        wire = dict(request)
    elif request is None:
        wire = {}
    else:
        errors.append(_error("body", "must be an object", type(request).__name__))
        wire = {}
    for name in [name for name in wire if name not in properties]:
        errors.append(
            _error(name, f"is not a field; fields: {', '.join(properties)}", wire.pop(name))
        )
    by_keyword = field_names()
    for keyword, value in keywords.items():
        if keyword not in by_keyword:
            errors.append(
                _error(keyword, f"is not a field; fields: {', '.join(by_keyword)}", value)
            )
        elif value is not None:
            wire[by_keyword[keyword]] = value
    return wire, errors


def _check(path: str, value: Any, schema: Mapping[str, Any], errors: list[FieldError]) -> Any:
    enum = enum_of(schema)
    if enum is not None:
        return _check_enum(path, value, enum, errors)
    kind = schema.get("type")
    before = len(errors)
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append(_error(path, "must be an integer", value))
    elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        errors.append(_error(path, "must be a number", value))
    elif kind == "string" and not isinstance(value, str):
        errors.append(_error(path, "must be a string", value))
    elif kind == "array":
        return _check_array(path, value, schema, errors)
    if len(errors) == before:
        _check_bounds(path, value, schema, errors)
    return value


def _check_enum(path: str, value: Any, enum: type[Enum], errors: list[FieldError]) -> Any:
    if isinstance(value, enum):
        return value
    candidate = value
    if issubclass(enum, IntEnum) and isinstance(value, str) and value.strip().isdigit():
        candidate = int(value)
    try:
        return enum(candidate)
    except ValueError:
        errors.append(_error(path, f"must be one of: {', '.join(allowed_values(enum))}", value))
        return value


def _check_bounds(
    path: str, value: Any, schema: Mapping[str, Any], errors: list[FieldError]
) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        errors.append(_error(path, f"must be between {low} and {high}", value))
    max_length = schema.get("maxLength")
    if max_length is not None and len(value) > max_length:
        errors.append(_error(path, f"must be at most {max_length} characters", value))
    pattern = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        errors.append(_error(path, f"must match {pattern}", value))


def _check_array(path: str, value: Any, schema: Mapping[str, Any], errors: list[FieldError]) -> Any:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        errors.append(_error(path, "must be a list", value))
        return value
    max_items = schema.get("maxItems")
    if max_items is not None and len(value) > max_items:
        errors.append(_error(path, f"must have at most {max_items} items", len(value)))
    items = [_check(f"{path}[{i}]", item, schema["items"], errors) for i, item in enumerate(value)]
    if schema.get("uniqueItems"):
        seen: set[Any] = set()
        for i, item in enumerate(items):
            if item in seen:
                errors.append(_error(f"{path}[{i}]", "repeats an earlier item", item))
            seen.add(item)
    return items


def _check_studies_fit(checked: Mapping[str, Any], errors: list[FieldError]) -> None:
    study = _spec.schema("Study")
    properties = _spec.request_properties()
    symbol = str(checked.get("symbol", properties["symbol"]["default"]))
    interval = str(checked.get("interval", properties["interval"]["default"]))
    intervals = _spec.enum_values("Interval")
    for i, name in enumerate(checked.get("studies", [])):
        suffix = study["x-perpetual-suffix"]
        if name in study["x-requires-perpetual"] and not symbol.upper().endswith(suffix):
            errors.append(_error(f"studies[{i}]", f"requires a perpetual ({suffix}) symbol", name))
        least = study["x-min-interval"].get(name)
        if least is not None and intervals.index(interval) < intervals.index(least):
            errors.append(
                _error(f"studies[{i}]", f"requires an interval of at least {least}", name)
            )
        most = study.get("x-max-interval", {}).get(name)
        if most is not None and intervals.index(interval) > intervals.index(most):
            errors.append(_error(f"studies[{i}]", f"requires an interval of at most {most}", name))
        exchanges = study.get("x-exchanges", {}).get(name)
        exchange = symbol.partition(":")[0].upper()
        if exchanges is not None and exchange not in exchanges:
            listed = " and ".join(exchanges)
            errors.append(_error(f"studies[{i}]", f"is available for {listed} symbols only", name))


def enum_of(schema: Mapping[str, Any]) -> type[Enum] | None:
    """The generated enum a property refers to (`$ref` or `allOf: [$ref]`), if any."""
    refs = [schema.get("$ref"), *(part.get("$ref") for part in schema.get("allOf", []))]
    for ref in refs:
        if ref is not None:
            enum = getattr(models, str(ref).rsplit("/", 1)[-1])
            if isinstance(enum, type) and issubclass(enum, Enum):
                return enum
    return None


def _error(path: str, message: str, value: Any) -> FieldError:
    if isinstance(value, Enum):
        value = value.value
    return FieldError(
        type_="field", msg=message, path=path, location=FieldErrorLocation.BODY, value=value
    )


def check_exchange_id(exchange: str) -> str:
    """`exchange` if it matches the spec's `ExchangeId`, else `RequestValidationError`."""
    errors: list[FieldError] = []
    _check("exchangeId", exchange, _spec.schema("ExchangeId"), errors)
    if errors:
        raise RequestValidationError(errors)
    return exchange


ChartFields.__doc__ = f"{(ChartFields.__doc__ or '').rstrip()}\n\n{fields_doc()}"
