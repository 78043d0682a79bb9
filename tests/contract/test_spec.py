"""The spec is valid OpenAPI 3.1, its examples validate, and it carries the original doc."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:chart-img-kit:openapi"
Example = tuple[str, dict[str, Any], Any]


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    rooted = json.loads(json.dumps(schema).replace('"#/components/', f'"{SPEC_URI}#/components/'))
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return Draft202012Validator(rooted, registry=registry, format_checker=FormatChecker())


def media_examples(where: str, content: dict[str, Any]) -> Iterator[Example]:
    for media_type, media in content.items():
        for name, example in media.get("examples", {}).items():
            yield f"{where} {media_type} example {name}", media["schema"], example["value"]


def operation_examples(spec: dict[str, Any]) -> Iterator[Example]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                parameter = resolve(spec, parameter)
                for name, example in parameter.get("examples", {}).items():
                    yield (
                        f"{where} {parameter['name']} example {name}",
                        parameter["schema"],
                        example["value"],
                    )
            if "requestBody" in operation:
                body = resolve(spec, operation["requestBody"])
                yield from media_examples(f"{where} request", body["content"])
            for status, response in operation["responses"].items():
                content = resolve(spec, response).get("content", {})
                yield from media_examples(f"{where} {status}", content)


def schema_examples(spec: dict[str, Any]) -> Iterator[Example]:
    def walk(where: str, schema: dict[str, Any]) -> Iterator[Example]:
        for index, example in enumerate(schema.get("examples", [])):
            yield f"{where} examples[{index}]", schema, example
        for name, child in schema.get("properties", {}).items():
            yield from walk(f"{where}.{name}", child)

    for name, schema in spec["components"]["schemas"].items():
        yield from walk(name, schema)


def defaults(spec: dict[str, Any]) -> Iterator[Example]:
    for name, schema in spec["components"]["schemas"].items():
        for field, child in schema.get("properties", {}).items():
            if "default" in child:
                yield f"{name}.{field} default", child, child["default"]


def test_spec_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec)


@pytest.mark.parametrize("source", [operation_examples, schema_examples, defaults])
def test_every_example_and_default_validates(spec: dict[str, Any], source: Any) -> None:
    examples = list(source(spec))
    assert examples
    failures = [
        f"{where}: {error.message}"
        for where, schema, value in examples
        for error in schema_validator(spec, schema).iter_errors(value)
    ]
    assert failures == []


def test_every_operation_has_request_and_json_response_examples(spec: dict[str, Any]) -> None:
    described = {where.split(" example ")[0] for where, _, _ in operation_examples(spec)}
    expected = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            if "requestBody" in operation:
                expected.add(f"{where} request application/json")
            for status, response in operation["responses"].items():
                if "application/json" in resolve(spec, response).get("content", {}):
                    expected.add(f"{where} {status} application/json")
    assert expected - described == set()


def test_every_operation_is_described_and_secured(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    header = next(name for name, s in schemes.items() if s["in"] == "header")
    query = next(name for name, s in schemes.items() if s["in"] == "query")
    assert schemes[header]["name"] == "x-api-key"
    assert schemes[query]["name"] == "key"
    for item in spec["paths"].values():
        for method, operation in item.items():
            assert operation["operationId"]
            assert len(operation["tags"]) == 1
            assert operation["summary"]
            assert operation["description"]
            accepted = {name for requirement in operation["security"] for name in requirement}
            assert accepted == ({header, query} if method == "get" else {header})


def test_enum_names_read_well(spec: dict[str, Any]) -> None:
    for name, schema in spec["components"]["schemas"].items():
        if "enum" not in schema:
            continue
        names = schema["x-enum-varnames"]
        assert len(names) == len(schema["enum"]), name
        assert len(set(names)) == len(names), name
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", varname) for varname in names), name


def test_study_requirements_name_real_studies_and_intervals(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    studies = set(schemas["Study"]["enum"])
    assert set(schemas["Study"]["x-requires-perpetual"]) <= studies
    min_interval = schemas["Study"]["x-min-interval"]
    assert set(min_interval) <= studies
    assert set(min_interval.values()) <= set(schemas["Interval"]["enum"])
    default_symbol = schemas["AdvancedChartRequest"]["properties"]["symbol"]["default"]
    assert default_symbol.endswith(schemas["Study"]["x-perpetual-suffix"])


def doc_table(doc: str, header: str, end: str) -> list[str]:
    section = doc.split(header, 1)[1].split(end, 1)[0]
    return re.findall(r"^\|?\s*([^|\n]+?)\s*\|$", section, re.MULTILINE)


def test_spec_carries_every_study_and_timezone_of_the_doc(
    spec: dict[str, Any], original_doc: str
) -> None:
    schemas = spec["components"]["schemas"]
    studies = doc_table(original_doc, "| Study |\n|---|\n", "Additional studies")
    timezones = re.findall(r"^([A-Z][A-Za-z_]+/[A-Za-z_/]+) \|$", original_doc, re.MULTILINE)
    assert schemas["Study"]["enum"] == studies
    assert len(studies) == 39
    assert schemas["Timezone"]["enum"] == ["Etc/UTC", *timezones]
    assert len(timezones) == 81


def test_spec_carries_every_default_bound_and_choice_of_the_doc(
    spec: dict[str, Any], original_doc: str
) -> None:
    schemas = spec["components"]["schemas"]
    fields = schemas["AdvancedChartRequest"]["properties"]
    table = original_doc.split("The default values will be used", 1)[1]
    table = table.split("If default values are the same", 1)[0]
    rows = re.findall(
        r"^\| (\w+) \| (String|Integer|Float|String\[\]) \| ([^|\n]*?) \|[ \n]?(.*?) \|$",
        table,
        re.MULTILINE,
    )
    assert {row[0] for row in rows} == set(fields)
    for name, _, default, description in rows:
        field = resolve(spec, fields[name]["allOf"][0]) if "allOf" in fields[name] else {}
        field = {**field, **fields[name]}
        if default not in ("-", "[]"):
            assert str(field["default"]) == default, name
        if bounds := re.search(r"Min: ([\d.]+), Max: ([\d.]+)", description):
            assert (str(field["minimum"]), str(field["maximum"])) == bounds.groups(), name
        if choices := re.search(r"\[([^\]]+)\]", description):
            allowed = [str(value) for value in field["enum"]]
            assert allowed == [choice.strip() for choice in choices.group(1).split(",")], name


def test_studies_hold_at_most_one_of_each_study(spec: dict[str, Any]) -> None:
    """`maxItems` states what `uniqueItems` over the `Study` enum implies, so they cannot drift."""
    schemas = spec["components"]["schemas"]
    studies = schemas["AdvancedChartRequest"]["properties"]["studies"]
    assert studies["uniqueItems"] is True
    assert resolve(spec, studies["items"]) is schemas["Study"]
    assert studies["maxItems"] == len(schemas["Study"]["enum"])


def test_the_field_error_cap_is_stated(spec: dict[str, Any]) -> None:
    errors = spec["components"]["schemas"]["ValidationErrorList"]["properties"]["errors"]
    description = " ".join(spec["components"]["responses"]["Unprocessable"]["description"].split())
    assert f"`maxItems` ({errors['maxItems']})" in description
