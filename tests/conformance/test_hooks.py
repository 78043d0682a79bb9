"""The custom checks and the generation hook catch what they are for, and nothing else."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from chart_img_server import Settings
from chart_img_server.middleware import HostsAndHeadersMiddleware, allowed_hosts
from chart_img_server.spec import load_spec
from PIL import Image
from schemathesis import Case
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.schemas import OpenApiSchema
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .conftest import CONFORMANCE_KEY, spec_document
from .hooks import RequestedImage, image_problems, map_body, requested_image, study_fits

CHART_PATH = "/v3/coinalyze/advanced-chart"
STORAGE_PATH = "/v3/coinalyze/advanced-chart/storage"
STORED_PATH = "/stored/chart.png"


def _image(width: int, height: int, image_format: str = "PNG", *, blank: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    if not blank:
        image.putpixel((width // 2, height // 2), (200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


DEFAULT_PNG = RequestedImage(800, 600, "image/png")


def test_a_good_image_has_no_problems() -> None:
    assert image_problems(_image(800, 600), "image/png", DEFAULT_PNG) == []
    jpeg = RequestedImage(1280, 720, "image/jpeg")
    assert image_problems(_image(1280, 720, "JPEG"), "image/jpeg", jpeg) == []


@pytest.mark.parametrize(
    ("data", "media_type", "problem"),
    [
        (b"string", "image/png", "does not decode as PNG"),
        (_image(800, 600, "JPEG"), "image/png", "the body is JPEG, but Content-Type says PNG"),
        (_image(800, 600), "image/jpeg", "the request asked for image/png"),
        (_image(801, 600), "image/png", "801x600, not 800x600"),
        (_image(800, 600, blank=True), "image/png", "blank"),
        (_image(800, 600), "image/gif", "not an image type the API documents"),
    ],
)
def test_image_problems_are_named(data: bytes, media_type: str, problem: str) -> None:
    problems = image_problems(data, media_type, DEFAULT_PNG)
    assert any(problem in found for found in problems), problems


def test_an_empty_body_asks_for_the_spec_defaults() -> None:
    defaults = load_spec().chart_request_defaults
    expected = RequestedImage(defaults["width"], defaults["height"], f"image/{defaults['format']}")
    assert requested_image(None) == expected
    assert requested_image(b"") == expected
    assert requested_image(b"{}") == expected


def test_integral_floats_ask_for_integer_sizes() -> None:
    body = b'{"width": 541.0, "height": 300.0, "format": "jpeg"}'
    assert requested_image(body) == RequestedImage(541, 300, "image/jpeg")


def test_study_rules_come_from_the_spec_extensions() -> None:
    rules = load_spec().study_rules
    intervals = load_spec().intervals
    perpetual_only = sorted(rules.requires_perpetual)[0]
    assert not study_fits(perpetual_only, "BINANCE:ETHUSDT", "1D")
    assert study_fits(perpetual_only, "binance:ethusdt.p", "1D")
    study, least = next(iter(rules.min_interval.items()))
    shorter = intervals[intervals.index(least) - 1]
    assert not study_fits(study, "BINANCE:BTCUSDT.P", shorter)
    assert study_fits(study, "BINANCE:BTCUSDT.P", least)
    study, most = next(iter(rules.max_interval.items()))
    longer = intervals[intervals.index(most) + 1]
    exchange = rules.exchanges[study][0]
    assert not study_fits(study, f"{exchange}:BTCUSDT.P", longer)
    assert study_fits(study, f"{exchange.lower()}:BTCUSDT.P", most)
    assert not study_fits(study, "NOWHERE:BTCUSDT.P", most)


def test_the_hook_drops_only_studies_the_chart_cannot_show() -> None:
    rules = load_spec().study_rules
    perpetual_only = sorted(rules.requires_perpetual)[0]
    body = {"symbol": "BINANCE:ETHUSDT", "studies": [perpetual_only, "Buy Sell Pressure", 7]}
    context = schemathesis.HookContext()
    assert map_body(context, body) == {**body, "studies": ["Buy Sell Pressure", 7]}
    assert map_body(context, {"studies": "not a list"}) == {"studies": "not a list"}
    assert map_body(context, None) is None


# The wiring: the checks run in `call_and_validate` and fail a server that breaks them.


def _fake_server(
    chart: Callable[[], Response] | None = None,
    stored: Callable[[], Response] | None = None,
    headers: bool = True,
) -> Starlette:
    """A server that answers whatever a test wants, to see the checks refuse it."""
    image = _image(800, 600)

    async def chart_endpoint(request: Request) -> Response:
        if request.headers.get("x-api-key") != CONFORMANCE_KEY:
            return JSONResponse({"message": "Missing API Key"}, 403)
        return chart() if chart else Response(image, media_type="image/png")

    async def storage_endpoint(request: Request) -> Response:
        if request.headers.get("x-api-key") != CONFORMANCE_KEY:
            return JSONResponse({"message": "Missing API Key"}, 403)
        return JSONResponse(
            {
                "url": f"http://testserver{STORED_PATH}",
                "size": len(image),
                "cors": "*",
                "etag": hashlib.md5(image, usedforsecurity=False).hexdigest(),
                "expireAt": "2024-08-26T14:21:16.952Z",
                "createdAt": "2024-08-12T14:21:16.952Z",
            }
        )

    async def stored_endpoint(request: Request) -> Response:
        return stored() if stored else Response(image, media_type="image/png")

    return Starlette(
        routes=[
            Route(CHART_PATH, chart_endpoint, methods=["POST"]),
            Route(STORAGE_PATH, storage_endpoint, methods=["POST"]),
            Route(STORED_PATH, stored_endpoint, methods=["GET"]),
        ],
        middleware=(
            [Middleware(HostsAndHeadersMiddleware, hosts=allowed_hosts(Settings()))]
            if headers
            else []
        ),
    )


def _case(app: Starlette, path: str, body: Any) -> Case[Any]:
    config = schemathesis.Config.from_dict(
        {"auth": {"openapi": {"ApiKeyHeader": {"api_key": CONFORMANCE_KEY}}}}
    )
    schema: OpenApiSchema = schemathesis.openapi.from_dict(dict(spec_document()), config=config)
    schema.app = app
    operation = schema[path]["POST"]
    return operation.Case(
        body=body, media_type="application/json", headers={"x-api-key": CONFORMANCE_KEY}
    )


def test_a_conforming_fake_passes() -> None:
    app = _fake_server()
    _case(app, CHART_PATH, {}).call_and_validate()
    _case(app, STORAGE_PATH, {}).call_and_validate()


@pytest.mark.parametrize(
    ("app", "path", "body", "message"),
    [
        (
            _fake_server(chart=lambda: Response(b"string", media_type="image/png")),
            CHART_PATH,
            {},
            "does not decode as PNG",
        ),
        (_fake_server(), CHART_PATH, {"width": 1024}, "800x600, not 1024x600"),
        (
            _fake_server(stored=lambda: Response(_image(800, 600), media_type="image/jpeg")),
            STORAGE_PATH,
            {},
            "asked for image/png",
        ),
        (
            _fake_server(stored=lambda: Response(_image(800, 601), media_type="image/png")),
            STORAGE_PATH,
            {},
            "not etag=",
        ),
        (
            _fake_server(stored=lambda: Response(b"gone", status_code=404)),
            STORAGE_PATH,
            {},
            "answered 404",
        ),
        (
            _fake_server(chart=lambda: JSONResponse({"message": "Invalid API Key"}, 403)),
            CHART_PATH,
            {},
            "configured ApiKeyHeader key was refused",
        ),
        (
            _fake_server(headers=False),
            CHART_PATH,
            {},
            "x-content-type-options is absent, not 'nosniff'",
        ),
    ],
)
def test_the_checks_fail_a_server_that_breaks_them(
    app: Starlette, path: str, body: Any, message: str
) -> None:
    with pytest.raises(FailureGroup) as caught:
        _case(app, path, body).call_and_validate()
    assert message in _all_messages(caught.value)


def _all_messages(error: BaseException) -> str:
    found = [str(error)]
    for inner in getattr(error, "exceptions", ()):
        found.append(_all_messages(inner))
    return json.dumps(found)
