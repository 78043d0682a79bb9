"""The API reference in Markdown, GitHub-REST-docs style, rendered from the spec."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any, cast

from ._markdown import code_block, code_value, indent, json_block, table, tabs
from ._openapi import Node, Operation, Spec
from ._samples import SampleRequest, curl_sample, python_sample
from ._schema_text import Field, Links, SchemaText

__all__ = ["ImageLookup", "ReferenceWriter", "field_table", "image_extension"]

# Given a request body, the docs-root-relative path of its rendered chart (or None).
ImageLookup = Callable[[Mapping[str, Any]], str | None]

_FILE_EXTENSIONS = {"png": "png", "jpeg": "jpg"}
_TIMES = "\N{MULTIPLICATION SIGN}"


def image_extension(spec: Spec, body: Mapping[str, Any]) -> str:
    """The file extension of the chart a request body asks for."""
    fmt = body.get("format", spec.schema("AdvancedChartRequest")["properties"]["format"]["default"])
    return _FILE_EXTENSIONS.get(str(fmt), str(fmt))


class ReferenceWriter:
    def __init__(self, spec: Spec, links: Links, image_for: ImageLookup) -> None:
        self.spec = spec
        self.links = links
        self.text = SchemaText(spec, links)
        self.image_for = image_for

    # -- the operations page -------------------------------------------------

    def overview(self) -> str:
        servers = table(
            ["Server", "Description"],
            (
                [f"`{server['url']}`", server.get("description", "")]
                for server in self.spec.document["servers"]
            ),
        )
        auth = self.security()
        operations = table(
            ["Operation", "Request", "Description"],
            (
                [
                    f"[{op.summary}](#{op.anchor})",
                    f"`{op.method.upper()} {op.path}`",
                    op.description,
                ]
                for op in self.spec.operations()
            ),
        )
        return "\n".join(
            [
                "## Servers\n",
                servers,
                "## Authentication\n",
                "Every operation needs an API key. Missing and invalid keys both answer `403`.\n",
                auth,
                "## Operations\n",
                operations,
            ]
        )

    def security(self) -> str:
        schemes = self.spec.components.get("securitySchemes", {})
        return table(
            ["Name", "In", "Description"],
            ([f"`{s['name']}`", s["in"], s.get("description", "")] for s in schemes.values()),
        )

    def operations(self) -> str:
        parts: list[str] = []
        for tag in self.spec.tags():
            parts.append(f"## {str(tag['name']).capitalize()} {{#{tag['name']}}}\n")
            parts.append(str(tag.get("description", "")).strip() + "\n")
            parts += [self.operation(op) for op in self.spec.operations() if op.tag == tag["name"]]
        return "\n".join(parts)

    def operation(self, op: Operation) -> str:
        sections = [
            f"### {op.summary} {{#{op.anchor}}}\n",
            _endpoint_html(op),
            op.description + "\n",
            self._authentication(op),
            self._parameters(op),
            self._request_body(op),
            self._samples(op),
            self._responses(op),
        ]
        return "\n".join(section for section in sections if section)

    def _authentication(self, op: Operation) -> str:
        schemes = self.spec.components.get("securitySchemes", {})
        alternatives = [name for requirement in op.node.get("security", []) for name in requirement]
        rows = [
            [
                f"`{schemes[name]['name']}`",
                schemes[name]["in"],
                schemes[name].get("description", ""),
            ]
            for name in alternatives
        ]
        if not rows:
            return ""
        lead = "Send the key in one of these:" if len(rows) > 1 else "Send the key in:"
        return f"#### Authentication\n\n{lead}\n\n" + table(["Name", "In", "Description"], rows)

    def _parameters(self, op: Operation) -> str:
        parameters = [self.spec.resolve(cast(Node, p)) for p in op.node.get("parameters", [])]
        if not parameters:
            return ""
        parts = ["#### Parameters\n"]
        for location in ("path", "query", "header", "cookie"):
            fields = [
                Field(
                    name=str(p["name"]),
                    type=self.text.type_label(p["schema"]),
                    required=bool(p.get("required")),
                    default=self.text.default(p["schema"]),
                    allowed=self.text.allowed(p["schema"]),
                    description=str(p.get("description", "")),
                )
                for p in parameters
                if p["in"] == location
            ]
            if fields:
                parts.append(f"**{location.capitalize()} parameters**\n")
                parts.append(field_table(fields))
        return "\n".join(parts)

    def _request_body(self, op: Operation) -> str:
        if "requestBody" not in op.node:
            return ""
        body = self.spec.resolve(cast(Node, op.node["requestBody"]))
        required = "**Required.** " if body.get("required") else ""
        parts = [f"#### Body parameters\n\n{required}{str(body.get('description', '')).strip()}\n"]
        for media_type, content in body["content"].items():
            parts.append(f"Content type: `{media_type}`.\n")
            parts.append(field_table(self.text.fields(content["schema"])))
        return "\n".join(parts)

    # -- code samples ----------------------------------------------------------

    def _samples(self, op: Operation) -> str:
        parts = ["#### Code samples\n"]
        for title, request in self._sample_requests(op):
            parts.append(f"**{title}**\n")
            items = [
                ("curl", code_block("sh", curl_sample(request))),
                ("Python", code_block("python", python_sample(request))),
            ]
            if request.body is not None:
                items.append(("Request body", json_block(request.body)))
            if request.image_extension and request.body is not None:
                image = self.image_for(request.body)
                if image is not None:
                    items.append(
                        ("Response", f"![{title}]({self.links.root}/{image}){{ loading=lazy }}\n")
                    )
            parts.append(tabs(items))
        return "\n".join(parts)

    def _sample_requests(self, op: Operation) -> Iterator[tuple[str, SampleRequest]]:
        base_url = str(self.spec.document["servers"][0]["url"])
        path_values = {
            str(p["name"]): str(_first_example(p))
            for p in (self.spec.resolve(cast(Node, raw)) for raw in op.node.get("parameters", []))
            if p["in"] == "path"
        }
        makes_image = any(
            str(media).startswith("image/") for media in _success_content(self.spec, op)
        )
        if "requestBody" not in op.node:
            yield op.summary, SampleRequest(op, base_url, path_values, None, None)
            return
        body = self.spec.resolve(cast(Node, op.node["requestBody"]))
        for content in body["content"].values():
            for example in content.get("examples", {}).values():
                value = cast(Mapping[str, Any], self.spec.resolve(example)["value"])
                extension = image_extension(self.spec, value) if makes_image else None
                summary = str(self.spec.resolve(example).get("summary", op.summary))
                yield summary, SampleRequest(op, base_url, path_values, value, extension)

    # -- responses ---------------------------------------------------------------

    def _responses(self, op: Operation) -> str:
        rows: list[list[str]] = []
        examples: list[tuple[str, str]] = []
        for status, raw in op.node.get("responses", {}).items():
            response = self.spec.resolve(cast(Node, raw))
            content = cast(Mapping[str, Node], response.get("content", {}))
            rows.append(
                [
                    f"`{status}` {_phrase(status)}",
                    str(response.get("description", "")) + self._headers_text(response),
                    ", ".join(f"`{media}`" for media in content),
                    ", ".join(
                        dict.fromkeys(
                            self.text.type_link(c["schema"])
                            for c in content.values()
                            if "schema" in c
                        )
                    ),
                ]
            )
            shown = self._response_examples(content)
            if shown:
                examples.append((f"{status}", shown))
        parts = [
            "#### Responses\n",
            table(["Status", "Description", "Content type", "Schema"], rows),
        ]
        if examples:
            parts += ["**Example responses**\n", tabs(examples)]
        return "\n".join(parts)

    def _headers_text(self, response: Node) -> str:
        headers = cast(Mapping[str, Node], response.get("headers", {}))
        notes = [
            f" Header `{name}` ({self.text.type_label(header['schema'])}):"
            f" {header.get('description', '')}"
            for name, header in headers.items()
        ]
        return "".join(notes)

    def _response_examples(self, content: Mapping[str, Node]) -> str:
        blocks: list[str] = []
        for media_type, media in content.items():
            if media_type.startswith("image/"):
                blocks.append(f"`{media_type}`: the image bytes.\n")
                continue
            for name, raw in cast(Mapping[str, Node], media.get("examples", {})).items():
                example = self.spec.resolve(raw)
                title = str(example.get("summary", name))
                blocks.append(json_block(example["value"], title=f"{media_type} — {title}"))
        return "\n".join(blocks)

    # -- enumerations and schemas ---------------------------------------------

    def enumerations(self) -> str:
        parts = []
        for name, schema in self.spec.components["schemas"].items():
            if "enum" not in schema:
                continue
            parts.append(f"### {name} {{#{name.lower()}}}\n")
            parts.append(str(schema.get("description", "")).strip() + "\n")
            parts.append(f"{len(schema['enum'])} values, type `{schema.get('type', 'any')}`.\n")
            parts.append(self.enum_table(name))
        return "\n".join(parts)

    def enum_table(self, name: str) -> str:
        schema = self.spec.schema(name)
        if name == "Study":
            return self.study_table()
        names = schema.get("x-enum-varnames")
        if not names:
            return table(["Value"], ([code_value(value)] for value in schema["enum"]))
        # The generated client's enum members, e.g. `Interval.MINUTE_15` for `15m`.
        return table(
            ["Value", "In Python"],
            ([code_value(v), f"`{name}.{n}`"] for v, n in zip(schema["enum"], names, strict=True)),
        )

    def study_table(self) -> str:
        study = self.spec.schema("Study")
        perpetual = set(study.get("x-requires-perpetual", []))
        min_interval = cast(Mapping[str, str], study.get("x-min-interval", {}))
        max_interval = cast(Mapping[str, str], study.get("x-max-interval", {}))
        exchanges = cast(Mapping[str, list[str]], study.get("x-exchanges", {}))

        def shown(rule: Mapping[str, str], value: str) -> str:
            return code_value(rule[value]) if value in rule else ""

        return table(
            [
                "Study",
                f"Needs a perpetual (`{study['x-perpetual-suffix']}`) symbol",
                "Minimum interval",
                "Maximum interval",
                "Exchanges",
            ],
            (
                [
                    code_value(value),
                    "yes" if value in perpetual else "",
                    shown(min_interval, value),
                    shown(max_interval, value),
                    ", ".join(code_value(e) for e in exchanges.get(value, [])),
                ]
                for value in study["enum"]
            ),
        )

    def schemas(self) -> str:
        parts = []
        for name, schema in self.spec.components["schemas"].items():
            if "enum" in schema:
                continue
            parts.append(f"### {name} {{#{name.lower()}}}\n")
            parts.append(str(schema.get("description", "")).strip() + "\n")
            parts.append(self._schema_body(schema))
            for example in schema.get("examples", [])[:1]:
                parts.append(indent(json_block(example), 4).join(['??? example "Example"\n\n', ""]))
        return "\n".join(parts)

    def fields_table(self, schema_name: str) -> str:
        return field_table(self.text.fields(self.spec.schema(schema_name)))

    def response_examples(self, name: str, *only: str) -> str:
        """The JSON examples of a `components/responses` entry, one row each: all, or `only`."""
        response = cast(Node, self.spec.components["responses"][name])
        examples = {
            example_name: example
            for media in cast(Mapping[str, Node], response.get("content", {})).values()
            for example_name, example in cast(Mapping[str, Node], media.get("examples", {})).items()
        }
        unknown = sorted(set(only) - set(examples))
        if unknown:
            raise ValueError(f"response {name} has no example {', '.join(unknown)}")
        rows = [
            [f"`{example_name}`", f"`{json.dumps(self.spec.resolve(example)['value'])}`"]
            for example_name, example in examples.items()
            if not only or example_name in only
        ]
        return table(["Example", "Body"], rows)

    def statuses(self) -> str:
        """Every error status any operation answers, with the operations that answer it."""
        seen: dict[str, tuple[str, list[str]]] = {}
        for op in self.spec.operations():
            for status, raw in op.node.get("responses", {}).items():
                if str(status).startswith(("1", "2", "3")):
                    continue
                description = str(self.spec.resolve(cast(Node, raw)).get("description", ""))
                entry = seen.setdefault(str(status), (description, []))
                entry[1].append(f"[{op.summary}]({self.links.operation(op.anchor)})")
        rows = [
            [f"`{status}` {_phrase(status)}", description, ", ".join(ops)]
            for status, (description, ops) in sorted(seen.items())
        ]
        return table(["Status", "Description", "Operations"], rows)

    def _schema_body(self, schema: Node) -> str:
        if "properties" in schema:
            return field_table(self.text.fields(schema))
        allowed = self.text.allowed(schema)
        return (
            f"Type: {self.text.type_label(schema)}."
            + (f" Allowed: {allowed}." if allowed else "")
            + "\n"
        )

    # -- decisions -------------------------------------------------------------------

    def decisions(self) -> str:
        description = str(self.spec.info.get("description", ""))
        heading = "## Decisions on the original documentation"
        if heading not in description:
            raise ValueError(f"info.description has no '{heading}' section")
        section = description.split(heading, 1)[1]
        return section.split("\n## ", 1)[0].strip() + "\n"

    def plans(self) -> str:
        """CHART-IMG's plans, per key: the spec's `components.x-plans`, one row a plan."""
        plans = cast(Mapping[str, Node], self.spec.components["x-plans"])

        def watermark(plan: Node) -> str:
            forced = plan.get("forcedWatermark")
            if forced is not None:
                return f"always {code_value(forced)}"
            return "custom" if plan["customWatermark"] else "none"

        return table(
            [
                "Plan",
                "Requests a second",
                "Burst",
                "Requests a UTC day",
                f"Largest width {_TIMES} height",
                "Storage days",
                "Most studies",
                "Watermark",
            ],
            (
                [
                    f"`{name}`",
                    str(plan["requestsPerSecond"]),
                    str(plan["burst"]),
                    f"{plan['requestsPerDay']:,}",
                    f"{plan['maxWidth']} {_TIMES} {plan['maxHeight']}",
                    str(plan["storageDays"]),
                    str(plan["maxStudies"]),
                    watermark(plan),
                ]
                for name, plan in plans.items()
            ),
        )

    def requires_perpetual(self) -> str:
        study = self.spec.schema("Study")
        heading = f"Study that needs a perpetual (`{study['x-perpetual-suffix']}`) symbol"
        return table([heading], ([code_value(n)] for n in study.get("x-requires-perpetual", [])))

    def min_interval(self) -> str:
        return self._interval_rule("x-min-interval", "Minimum interval")

    def max_interval(self) -> str:
        return self._interval_rule("x-max-interval", "Maximum interval")

    def _interval_rule(self, extension: str, heading: str) -> str:
        intervals = cast(Mapping[str, str], self.spec.schema("Study").get(extension, {}))
        return table(
            ["Study", heading],
            ([code_value(n), code_value(i)] for n, i in intervals.items()),
        )

    def exchanges(self) -> str:
        rule = cast(Mapping[str, list[str]], self.spec.schema("Study").get("x-exchanges", {}))
        return table(
            ["Study", "Exchanges"],
            ([code_value(n), ", ".join(code_value(e) for e in ids)] for n, ids in rule.items()),
        )


def field_table(fields: Iterable[Field]) -> str:
    """GitHub-style: name (and whether required), type, then description, default, values."""
    rows = []
    for f in fields:
        name = f"`{f.name}`" + (" <br>**required**" if f.required else "")
        notes = [f.description]
        if f.default:
            notes.append(f"Default: {f.default}")
        if f.allowed:
            notes.append(f"Allowed: {f.allowed}")
        rows.append([name, f.type, " <br>".join(note for note in notes if note)])
    return table(["Name", "Type", "Description"], rows)


def _endpoint_html(op: Operation) -> str:
    method = f'<span class="http-method http-{op.method}">{op.method.upper()}</span>'
    return f'<p class="endpoint">{method} <code>{op.path}</code></p>\n'


def _first_example(parameter: Node) -> Any:
    examples = cast(Mapping[str, Node], parameter.get("examples", {}))
    for example in examples.values():
        return example["value"]
    if "example" in parameter:
        return parameter["example"]
    raise ValueError(f"parameter {parameter['name']} has no example to show in samples")


def _success_content(spec: Spec, op: Operation) -> Mapping[str, Node]:
    for status, raw in op.node.get("responses", {}).items():
        if str(status).startswith("2"):
            return cast(Mapping[str, Node], spec.resolve(cast(Node, raw)).get("content", {}))
    return {}


def _phrase(status: str) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return ""
