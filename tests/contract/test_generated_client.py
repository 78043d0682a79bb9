"""The generated client sends each operation as specified and parses every documented response."""

from __future__ import annotations

import importlib
import io
import json
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from chart_img_api import AuthenticatedClient
from chart_img_api.models import AdvancedChartRequest, Interval, Study
from chart_img_api.types import File
from dateutil.parser import isoparse
from PIL import Image

KEY = "contract-test-key"
BASE_URL = "http://chart-img.test"


def operation_module(operation: dict[str, Any]) -> ModuleType:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
    return importlib.import_module(f"chart_img_api.api.{operation['tags'][0]}.{snake}")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def documented_json_responses(
    spec: dict[str, Any], operation: dict[str, Any]
) -> Iterator[tuple[int, str, Any]]:
    for status, response in operation["responses"].items():
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        for media_type, media in response.get("content", {}).items():
            for name, example in media.get("examples", {}).items():
                yield int(status), f"{status} {media_type} {name}", example["value"]


class Recorder:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response


def client_answering(response: httpx.Response) -> tuple[AuthenticatedClient, Recorder]:
    recorder = Recorder(response)
    client = AuthenticatedClient(
        base_url=BASE_URL,
        token=KEY,
        prefix="",
        auth_header_name="x-api-key",
        httpx_args={"transport": httpx.MockTransport(recorder)},
    )
    return client, recorder


def call(module: ModuleType, client: AuthenticatedClient, path: str, **kwargs: Any) -> Any:
    if "{exchangeId}" in path:
        kwargs["exchange_id"] = "binance"
    return module.sync_detailed(client=client, **kwargs)


def normalized(value: Any) -> Any:
    """Compare instants, not spellings: `...00.000Z` and `...00+00:00` are the same time."""
    if isinstance(value, dict):
        return {key: normalized(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", value):
        return isoparse(value)
    return value


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "#131722").save(buffer, format=image_format)
    return buffer.getvalue()


def test_each_operation_sends_its_method_path_and_key(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        client, recorder = client_answering(httpx.Response(500, json={"message": "x"}))
        call(operation_module(operation), client, path)
        (request,) = recorder.requests
        assert request.method == method.upper()
        assert request.url.path == path.replace("{exchangeId}", "binance")
        assert request.headers["x-api-key"] == KEY
        assert "key" not in request.url.params


def test_chart_operations_send_no_body_when_none_is_given(spec: dict[str, Any]) -> None:
    for _, path, operation in operations(spec):
        if "requestBody" not in operation:
            continue
        client, recorder = client_answering(httpx.Response(500, json={"message": "x"}))
        call(operation_module(operation), client, path)
        assert recorder.requests[0].content == b""


def test_chart_body_carries_the_fields_and_the_spec_defaults(spec: dict[str, Any]) -> None:
    fields = spec["components"]["schemas"]["AdvancedChartRequest"]["properties"]
    body = AdvancedChartRequest(
        symbol="BINANCE:ETHUSDT",
        interval=Interval.MINUTE_15,
        studies=[Study.AGGREGATED_LONG_SHORT_ACCOUNTS_RATIO, Study.BUY_SELL_PRESSURE],
    )
    for _, path, operation in operations(spec):
        if "requestBody" not in operation:
            continue
        client, recorder = client_answering(httpx.Response(500, json={"message": "x"}))
        call(operation_module(operation), client, path, body=body)
        request = recorder.requests[0]
        assert request.headers["content-type"] == "application/json"
        sent = json.loads(request.content)
        assert sent.pop("symbol") == "BINANCE:ETHUSDT"
        assert sent.pop("interval") == "15m"
        assert sent.pop("studies") == ["Aggregated Long/Short Accounts Ratio", "Buy Sell Pressure"]
        assert sent == {name: field["default"] for name, field in fields.items() if name in sent}
        assert set(sent) >= {"width", "height", "theme", "timezone", "format"}


def test_every_documented_json_response_parses(spec: dict[str, Any]) -> None:
    parsed_count = 0
    for _, path, operation in operations(spec):
        module = operation_module(operation)
        for status, label, example in documented_json_responses(spec, operation):
            client, _ = client_answering(httpx.Response(status, json=example))
            response = call(module, client, path)
            assert response.status_code == status, label
            assert response.parsed is not None, label
            assert normalized(response.parsed.to_dict()) == normalized(example), label
            parsed_count += 1
    assert parsed_count >= 30


@pytest.mark.parametrize(
    ("image_format", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")]
)
def test_chart_image_parses_as_bytes(
    spec: dict[str, Any], image_format: str, media_type: str
) -> None:
    operation = spec["paths"]["/v3/coinalyze/advanced-chart"]["post"]
    assert media_type in operation["responses"]["200"]["content"]
    content = image_bytes(image_format)
    client, _ = client_answering(
        httpx.Response(200, content=content, headers={"content-type": media_type})
    )
    response = call(operation_module(operation), client, "/v3/coinalyze/advanced-chart")
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == content
    assert response.headers["content-type"] == media_type
    assert Image.open(io.BytesIO(content)).format == image_format
