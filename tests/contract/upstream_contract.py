"""What every upstream record (upstream/*.yaml) and its generated client must satisfy, shared by
the per-upstream contract tests: the document, its examples, and a client that sends what
upstream expects and parses every documented answer. Coinalyze's own test predates it."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import yaml
from openapi_spec_validator import validate

from tests.contract.test_generated_client import Recorder, documented_json_responses, operations
from tests.contract.test_spec import (
    Example,
    operation_examples,
    resolve,
    schema_examples,
    schema_validator,
)

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Upstream:
    """One upstream document, its generated package, and how to call each parameter."""

    document: str  # relative to the repository root
    package: str
    base_url: str
    # parameter name -> (Python argument name, value given, how it must be sent)
    arguments: dict[str, tuple[str, Any, str]]
    # the key header the client may be given, if upstream takes one
    key_header: str | None = None

    def spec(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load((ROOT / self.document).read_text("utf-8"))
        return loaded

    def module(self, operation: dict[str, Any]) -> ModuleType:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
        tag = operation["tags"][0].replace("-", "_")
        return importlib.import_module(f"{self.package}.api.{tag}.{snake}")

    def models(self) -> ModuleType:
        return importlib.import_module(f"{self.package}.models")

    def client(self, response: httpx.Response, key: str | None = None) -> tuple[Any, Recorder]:
        """A generated client answered by `response`; authenticated when a key is given."""
        package = importlib.import_module(self.package)
        recorder = Recorder(response)
        transport = {"transport": httpx.MockTransport(recorder)}
        if key is None:
            return package.Client(base_url=self.base_url, httpx_args=transport), recorder
        assert self.key_header is not None
        client = package.AuthenticatedClient(
            base_url=self.base_url,
            token=key,
            prefix="",
            auth_header_name=self.key_header,
            httpx_args=transport,
        )
        return client, recorder

    def call(self, operation: dict[str, Any], client: Any, names: list[str]) -> Any:
        given = {self.arguments[name][0]: self.arguments[name][1] for name in names}
        return self.module(operation).sync_detailed(client=client, **given)

    def url(self, path: str) -> str:
        for name, (_, _, sent) in self.arguments.items():
            path = path.replace("{" + name + "}", sent)
        return self.base_url + path


def parameters(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [resolve(spec, parameter) for parameter in operation.get("parameters", [])]


def parameter_names(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    return [parameter["name"] for parameter in parameters(spec, operation)]


def required_names(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    return [p["name"] for p in parameters(spec, operation) if p.get("required")]


def header_examples(spec: dict[str, Any]) -> Iterator[Example]:
    headers = dict(spec["components"].get("headers", {}))
    for name, response in spec["components"].get("responses", {}).items():
        for header, definition in response.get("headers", {}).items():
            headers[f"{name} {header}"] = resolve(spec, definition)
    for name, definition in headers.items():
        for label, example in definition.get("examples", {}).items():
            yield f"{name} example {label}", definition["schema"], example["value"]


# Checks each contract test runs on its document: each returns what is wrong, so a failure
# names every problem at once.


def document_problems(spec: dict[str, Any], base_url: str) -> list[str]:
    validate(spec)
    problems = []
    if spec["openapi"] != "3.1.0":
        problems.append(f"openapi {spec['openapi']}")
    if [server["url"] for server in spec["servers"]] != [base_url]:
        problems.append(f"servers {spec['servers']}")
    for method, path, operation in operations(spec):
        if method != "get":
            problems.append(f"{method} {path}")
        for key in ("operationId", "summary", "description", "tags"):
            if not operation.get(key):
                problems.append(f"{path} has no {key}")
    return problems


def info_problems(spec: dict[str, Any], at_least: int) -> list[str]:
    info = spec["info"]
    text = " ".join(info["description"].split())
    problems = []
    if not text.startswith("**This is not") or "own document.**" not in text:
        problems.append("the description does not open by saying whose document it is not")
    for phrase in ("written-down record of the upstream contract", "public documentation"):
        if phrase not in text:
            problems.append(f"the description does not say {phrase!r}")
    unconfirmed = info["description"].split("## Unconfirmed", 1)[1]
    found = len(re.findall(r"^\d+\. \*\*", unconfirmed, re.MULTILINE))
    if found < at_least:
        problems.append(f"{found} unconfirmed facts listed, {at_least} expected")
    if info["license"].get("identifier") != "MIT" or not info["contact"].get("name"):
        problems.append("license or contact missing")
    return problems


def example_failures(spec: dict[str, Any]) -> list[str]:
    examples = [
        *operation_examples(spec),
        *schema_examples(spec),
        *header_examples(spec),
    ]
    assert examples
    return [
        f"{where}: {error.message}"
        for where, schema, value in examples
        for error in schema_validator(spec, schema).iter_errors(value)
    ]


def missing_examples(spec: dict[str, Any]) -> list[str]:
    """Every schema, parameter and JSON response of every operation has examples."""
    components = spec["components"]
    missing = [
        f"schema {name}" for name, s in components["schemas"].items() if not s.get("examples")
    ]
    missing += [
        f"parameter {name}"
        for name, parameter in components.get("parameters", {}).items()
        if not parameter.get("examples")
    ]
    described = {where.split(" example ")[0] for where, _, _ in operation_examples(spec)}
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if "application/json" in resolve(spec, response).get("content", {}):
                where = f"{method.upper()} {path} {status} application/json"
                if where not in described:
                    missing.append(where)
    return missing


def enum_mismatches(spec: dict[str, Any], models: ModuleType) -> list[str]:
    """Each enum schema is a generated Enum with the declared member names (x-enum-varnames)."""
    mismatches = []
    for name, schema in spec["components"]["schemas"].items():
        if "enum" not in schema:
            continue
        generated = getattr(models, name)
        members = {member.value: member.name for member in generated}
        if members != dict(zip(schema["enum"], schema["x-enum-varnames"], strict=True)):
            mismatches.append(name)
    return mismatches


def request_problems(upstream: Upstream, spec: dict[str, Any]) -> list[str]:
    """Each operation, called with every parameter, sends its path and query as upstream spells
    them; called with the required ones only, it sends nothing else."""
    problems = []
    for method, path, operation in operations(spec):
        every, required = parameter_names(spec, operation), required_names(spec, operation)
        for names in (every, required):
            client, recorder = upstream.client(httpx.Response(500))
            response = upstream.call(operation, client, names)
            (request,) = recorder.requests
            query = [n for n in names if resolve_in(spec, operation, n) == "query"]
            sent = dict(request.url.params)
            expected = {name: upstream.arguments[name][2] for name in query}
            if request.method != method.upper():
                problems.append(f"{path}: {request.method}")
            if str(request.url.copy_with(query=None)) != upstream.url(path):
                problems.append(f"{path}: sent to {request.url}")
            if sent != expected or len(request.url.params.multi_items()) != len(query):
                problems.append(f"{path}: sent {sent}, expected {expected}")
            if response.status_code != 500 or response.parsed is not None:
                problems.append(f"{path}: a 500 was parsed")
    return problems


def resolve_in(spec: dict[str, Any], operation: dict[str, Any], name: str) -> str:
    (where,) = [p["in"] for p in parameters(spec, operation) if p["name"] == name]
    return str(where)


def documented_answers(
    upstream: Upstream, spec: dict[str, Any]
) -> Iterator[tuple[str, int, str, Any, Any]]:
    """Every documented JSON answer of every operation, through the generated client:
    (path, status, label, the example, the parsed response)."""
    for _, path, operation in operations(spec):
        names = required_names(spec, operation)
        for status, label, example in documented_json_responses(spec, operation):
            client, _ = upstream.client(httpx.Response(status, json=example))
            response = upstream.call(operation, client, names)
            assert response.status_code == status, label
            yield path, status, f"{path} {label}", example, response.parsed


def as_dict(parsed: Any) -> Any:
    if isinstance(parsed, list):
        return [item.to_dict() for item in parsed]
    return parsed.to_dict()
