"""Code samples for an operation: curl, and Python with the `chart_img` client."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._openapi import Operation

__all__ = ["API_KEY_ENV", "BASE_URL_ENV", "SampleRequest", "curl_sample", "python_sample"]

# The environment variables the `chart_img` client reads its key and server from.
API_KEY_ENV = "CHART_IMG_API_KEY"
BASE_URL_ENV = "CHART_IMG_BASE_URL"

# How each operation is spelt with the `chart_img` client: method name and argument style.
_CLIENT_METHODS = {
    "listExchanges": "exchanges",
    "listExchangeSymbols": "symbols",
    "captureAdvancedChart": "chart",
    "storeAdvancedChart": "store",
}


@dataclass(frozen=True)
class SampleRequest:
    """One concrete call of an operation."""

    operation: Operation
    base_url: str
    path_values: Mapping[str, str]
    body: Mapping[str, Any] | None
    image_extension: str | None

    @property
    def url_path(self) -> str:
        path = self.operation.path
        for name, value in self.path_values.items():
            path = path.replace("{" + name + "}", value)
        return path

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + self.url_path


def curl_sample(request: SampleRequest) -> str:
    """The call with curl, against `$CHART_IMG_BASE_URL` (default: the sample's server).

    Errors exit non-zero: a JSON answer is printed with its error (`--fail-with-body`); an
    image is saved only on success (`--fail`), so a wrong key never leaves JSON in chart.png.
    """
    method = request.operation.method.upper()
    fail = "--fail" if request.image_extension else "--fail-with-body"
    url = f'"${{{BASE_URL_ENV}:-{request.base_url.rstrip("/")}}}{request.url_path}"'
    lines = [f"curl {fail} -sS" + (f" -X {method}" if method != "GET" else "") + f" {url}"]
    lines.append(f'-H "x-api-key: ${API_KEY_ENV}"')
    if request.body is not None:
        lines.append('-H "content-type: application/json"')
        lines.append("-d " + shlex.quote(json.dumps(request.body, separators=(",", ":"))))
    if request.image_extension:
        lines.append(f"-o chart.{request.image_extension}")
    return " \\\n  ".join(lines)


def python_sample(request: SampleRequest) -> str:
    operation_id = request.operation.operation_id
    method = _CLIENT_METHODS.get(operation_id)
    if method is None:
        raise KeyError(f"no chart_img client method is known for operation {operation_id}")
    arguments = [json.dumps(value) for value in request.path_values.values()]
    arguments += [
        f"{_snake(name)}={_literal(value)}" for name, value in (request.body or {}).items()
    ]
    call = _call(f"client.{method}", arguments)
    lines = [
        "from chart_img import ChartImg",
        "",
        f"# The key comes from {API_KEY_ENV}; the server from CHART_IMG_BASE_URL if set.",
        "with ChartImg() as client:",
    ]
    if request.image_extension:
        lines += [f"    image = {call}", f'    image.save("chart.{request.image_extension}")']
    elif operation_id == "storeAdvancedChart":
        lines += [f"    stored = {call}", "    print(stored.url, stored.expire_at)"]
    else:
        lines += [f"    print({call})"]
    return "\n".join(lines) + "\n"


def _call(function: str, arguments: list[str]) -> str:
    one_line = f"{function}({', '.join(arguments)})"
    if len(one_line) <= 80:
        return one_line
    inner = "".join(f"        {argument},\n" for argument in arguments)
    return f"{function}(\n{inner}    )"


def _literal(value: Any) -> str:
    # JSON literals of strings, numbers and lists of strings are also Python literals.
    if isinstance(value, bool) or value is None:
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
