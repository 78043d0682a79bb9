"""Schemathesis extensions for the chart-img API: checks it cannot make alone, semantic data.

Schemathesis does not look inside images, so the checks here decode them and fetch stored
charts. And the spec's `Study` extensions say which studies a symbol or interval supports,
which no JSON Schema generator reads, so a hook drops the studies a generated chart cannot
show: a 422 for schema-valid data is then always a real failure.

Importing this module registers everything, in process; `schemathesis.toml` loads it as the
hooks file of `st run`. It imports nothing from the tests, so that it serves against any
server that claims to implement the API.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import anyio
import httpx
import schemathesis
import yaml
from PIL import Image, ImageStat

CHART_OPERATION = "captureAdvancedChart"
STORAGE_OPERATION = "storeAdvancedChart"
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
AUTH_REFUSALS = (401, 403)
# What every answer of an operation carries (spec decision 19).
EXPECTED_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


class RequestedImage(NamedTuple):
    """What a successful chart request asked for, with the spec's defaults filled in."""

    width: int
    height: int
    media_type: str


def spec_document() -> Mapping[str, Any]:
    text = files("chart_img_api").joinpath("openapi.yaml").read_text(encoding="utf-8")
    document: Mapping[str, Any] = yaml.safe_load(text)
    return document


_SPEC = spec_document()
_SCHEMAS = _SPEC["components"]["schemas"]
_DEFAULTS: Mapping[str, Any] = {
    name: field["default"]
    for name, field in _SCHEMAS["AdvancedChartRequest"]["properties"].items()
    if "default" in field
}
_INTERVALS: list[str] = list(_SCHEMAS["Interval"]["enum"])
_REQUIRES_PERPETUAL: frozenset[str] = frozenset(_SCHEMAS["Study"].get("x-requires-perpetual", []))
_MIN_INTERVAL: Mapping[str, str] = dict(_SCHEMAS["Study"].get("x-min-interval", {}))
_MAX_INTERVAL: Mapping[str, str] = dict(_SCHEMAS["Study"].get("x-max-interval", {}))
_EXCHANGES: Mapping[str, list[str]] = dict(_SCHEMAS["Study"].get("x-exchanges", {}))
_PERPETUAL_SUFFIX: str = str(_SCHEMAS["Study"]["x-perpetual-suffix"])


def requested_image(request_body: object) -> RequestedImage:
    """The image a request body (as sent: bytes, text or none) asks for, over the defaults."""
    fields: dict[str, Any] = dict(_DEFAULTS)
    raw = request_body.encode() if isinstance(request_body, str) else request_body
    if isinstance(raw, bytes) and raw:
        sent = json.loads(raw)
        if isinstance(sent, dict):
            fields.update(sent)
    image_format = str(fields["format"])
    return RequestedImage(
        width=int(fields["width"]),
        height=int(fields["height"]),
        media_type=f"image/{image_format}",
    )


def image_problems(data: bytes, media_type: str, expected: RequestedImage) -> list[str]:
    """Every way the bytes fail to be the image asked for; empty when they are it."""
    expected_format = IMAGE_FORMATS.get(media_type)
    if expected_format is None:
        return [f"Content-Type {media_type!r} is not an image type the API documents"]
    problems = []
    if media_type != expected.media_type:
        problems.append(
            f"Content-Type is {media_type}, but the request asked for {expected.media_type}"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            decoded_format = image.format
            size = image.size
            spread = max(ImageStat.Stat(image.convert("RGB")).extrema, key=lambda e: e[1] - e[0])
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return [*problems, f"the body does not decode as {expected_format}: {exc}"]
    if decoded_format != expected_format:
        problems.append(f"the body is {decoded_format}, but Content-Type says {expected_format}")
    if size != (expected.width, expected.height):
        problems.append(f"the image is {size[0]}x{size[1]}, not {expected.width}x{expected.height}")
    if spread[0] == spread[1]:
        problems.append("the image is blank: every pixel has the same colour")
    return problems


def _operation_id(case: schemathesis.Case[Any]) -> str | None:
    definition: Any = case.operation.definition.raw
    return definition.get("operationId") if isinstance(definition, dict) else None


def _media_type(response: schemathesis.Response) -> str:
    values = response.headers.get("content-type") or [""]
    return values[0].split(";", 1)[0].strip().lower()


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(f"{title}: " + "; ".join(problems))


@schemathesis.check
def chart_image_is_the_requested_image(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A chart image decodes as its Content-Type, at the requested size, and is not blank."""
    if _operation_id(case) != CHART_OPERATION or response.status_code != 200:
        return None
    expected = requested_image(response.request.body)
    _fail("Chart image", image_problems(response.content, _media_type(response), expected))
    return True


@schemathesis.check
def stored_chart_is_served(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """The stored image's URL serves bytes whose size, MD5 and type match the response."""
    if _operation_id(case) != STORAGE_OPERATION or response.status_code != 200:
        return None
    stored = json.loads(response.content)
    served = fetch(case, str(stored["url"]))
    expected = requested_image(response.request.body)
    problems = []
    if served.status_code != 200:
        problems.append(f"GET {stored['url']} answered {served.status_code}")
    else:
        if len(served.content) != stored["size"]:
            problems.append(
                f"the URL serves {len(served.content)} bytes, not size={stored['size']}"
            )
        digest = hashlib.md5(served.content, usedforsecurity=False).hexdigest()
        if digest != stored["etag"]:
            problems.append(f"the served bytes' MD5 is {digest}, not etag={stored['etag']}")
        media_type = served.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        problems += image_problems(served.content, media_type, expected)
    _fail("Stored chart", problems)
    return True


@schemathesis.check
def answers_are_neither_sniffed_nor_cached(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Spec decision 19: `X-Content-Type-Options: nosniff` and `Cache-Control: no-store` on every
    answer of an operation, errors included."""
    problems = [
        f"{name} is {values or 'absent'}, not {expected!r}"
        for name, expected in EXPECTED_HEADERS.items()
        if (values := response.headers.get(name) or []) != [expected]
    ]
    _fail("Answer headers", problems)
    return True


def fetch(case: schemathesis.Case[Any], url: str) -> httpx.Response:
    """GET a URL: through the application itself when testing in process, else over HTTP."""
    app = case.operation.app
    if app is None:
        return httpx.get(url, timeout=30)

    async def through_app() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            response = await client.get(url)
            await response.aread()
            return response

    return anyio.run(through_app)


@schemathesis.check
def configured_key_is_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """A request that presents a configured key where the operation takes one is not refused.

    `st run` has `warnings.fail-on = ["missing_auth"]` for this; in process, this check is it.
    """
    if response.status_code not in AUTH_REFUSALS:
        return None
    presented = _presented_keys(case, response)
    configured = case.operation.schema.config.auth.openapi.schemes
    for scheme_name, credentials in configured.items():
        api_key = getattr(credentials, "api_key", None)
        if api_key is not None and presented.get(scheme_name) == api_key:
            raise AssertionError(
                f"The configured {scheme_name} key was refused with {response.status_code}: "
                "every test case ran without valid credentials"
            )
    return True


def _presented_keys(
    case: schemathesis.Case[Any], response: schemathesis.Response
) -> dict[str, str]:
    """The key sent for each API-key scheme the operation accepts."""
    schemes: Mapping[str, Any] = _SPEC["components"]["securitySchemes"]
    definition: Any = case.operation.definition.raw
    accepted = {name for requirement in definition.get("security", []) for name in requirement}
    query = dict(parse_qsl(urlsplit(str(response.request.url)).query))
    presented = {}
    for name in accepted:
        scheme = schemes[name]
        if scheme.get("type") != "apiKey":
            continue
        if scheme["in"] == "header":
            value = response.request.headers.get(scheme["name"])
        else:
            value = query.get(scheme["name"])
        if value is not None:
            presented[name] = str(value)
    return presented


def study_fits(study: object, symbol: object, interval: object) -> bool:
    """Whether the spec's `Study` extensions allow a study on this symbol and interval."""
    if not isinstance(study, str):
        return True
    if study in _REQUIRES_PERPETUAL and not (
        isinstance(symbol, str) and symbol.upper().endswith(_PERPETUAL_SUFFIX)
    ):
        return False
    exchanges = _EXCHANGES.get(study)
    if exchanges is not None and not (
        isinstance(symbol, str) and symbol.partition(":")[0].upper() in exchanges
    ):
        return False
    if interval not in _INTERVALS:
        return True
    position = _INTERVALS.index(str(interval))
    least, most = _MIN_INTERVAL.get(study), _MAX_INTERVAL.get(study)
    if least is not None and position < _INTERVALS.index(least):
        return False
    return most is None or position <= _INTERVALS.index(most)


@schemathesis.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    """Drops the studies the generated symbol or interval does not support.

    Only whole, supported studies go: a body that breaks the schema still breaks it, and
    Schemathesis re-validates a changed body, so its positive or negative label stays true.
    """
    if not isinstance(body, dict) or not isinstance(body.get("studies"), list):
        return body
    symbol = body.get("symbol", _DEFAULTS["symbol"])
    interval = body.get("interval", _DEFAULTS["interval"])
    return {**body, "studies": [s for s in body["studies"] if study_fits(s, symbol, interval)]}
