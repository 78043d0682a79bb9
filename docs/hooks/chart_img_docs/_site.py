"""The docs build: spec markers in pages, charts from the reference server, bundled assets.

Pages ask for generated content with HTML-comment markers on a line of their own:

- `<!-- spec:NAME [ARGUMENT] -->`: a part of the reference rendered from `openapi.yaml`;
- `<!-- chart: {JSON body} -->`: a chart drawn by the reference server, with its request;
- `<!-- chart-example: NAME -->`: the same for a named example of the spec's request body;
- `<!-- server:settings -->`, `<!-- client:errors -->`, `<!-- client:exit-codes -->`: tables
  read from the server's settings, the client's exceptions and the CLI's exit codes;
- `<!-- market:studies -->`, `<!-- market:series -->`, `<!-- market:upstreams -->`,
  `<!-- market:coin-ids -->`, `<!-- market:limits -->`, `<!-- market:intervals -->`,
  `<!-- market:cold-cost EXCHANGE:SYMBOL -->`: what each study of the spec reads, each raw
  series' upstream endpoints, each upstream's settings, CoinGecko's id look-up paths, the
  studies only some exchanges publish, each interval's upstream intervals and what each
  aggregate study costs Coinalyze uncached, read from the server's market code.

An unknown marker fails the build, so a typo never ships as an invisible comment.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from ._client_tables import error_classes_table, exit_codes_table
from ._gallery import Gallery
from ._markdown import code_block, json_block, tabs
from ._market import (
    coin_id_endpoints,
    coinalyze_paths,
    cold_cost_table,
    intervals_table,
    limits_table,
    series_table,
    studies_table,
    upstream_endpoints,
    upstreams_table,
)
from ._openapi import Spec
from ._reference import ReferenceWriter, image_extension
from ._samples import SampleRequest, curl_sample, python_sample
from ._schema_text import Links
from ._settings import settings_table

__all__ = ["SPEC_FILE", "SWAGGER_UI_DIR", "MarkerError", "Site"]

_MARKER = re.compile(
    r"(?P<indent>^[ \t]*)?<!--\s*(?P<kind>spec|chart|chart-example|server|client|market):"
    r"\s*(?P<argument>.*?)\s*-->",
    re.MULTILINE,
)

# swagger-ui-dist files the interactive page needs, copied into the site.
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE")
SWAGGER_UI_DIR = "assets/swagger-ui"
SPEC_FILE = "openapi.yaml"


class MarkerError(ValueError):
    pass


class Site:
    def __init__(self, spec: Spec, swagger_ui_source: Path) -> None:
        self.spec = spec
        self.swagger_ui_source = swagger_ui_source
        self.gallery = Gallery(spec)
        self.chart_operation = next(
            op for op in spec.operations() if op.operation_id == "captureAdvancedChart"
        )

    # -- files added to the site ---------------------------------------------------

    def swagger_ui_assets(self) -> dict[str, Path]:
        missing = [n for n in SWAGGER_UI_FILES if not (self.swagger_ui_source / n).is_file()]
        if missing:
            raise FileNotFoundError(
                f"swagger-ui-dist is not installed in {self.swagger_ui_source}"
                f" (missing {', '.join(missing)}): run `npm ci`"
            )
        return {
            f"{SWAGGER_UI_DIR}/{name}": self.swagger_ui_source / name for name in SWAGGER_UI_FILES
        }

    def chart_images(self, pages: Mapping[str, str]) -> dict[str, bytes]:
        """Every chart the pages and the reference show, drawn by the reference server."""
        bodies = [body for markdown in pages.values() for body in self._chart_bodies(markdown)]
        bodies += [body for _, body in self._request_examples()]
        return self.gallery.render(bodies)

    def _chart_bodies(self, markdown: str) -> Iterator[Mapping[str, Any]]:
        for match in _MARKER.finditer(markdown):
            if match["kind"] == "chart":
                yield _parse_body(match["argument"])
            elif match["kind"] == "chart-example":
                yield self._named_example(match["argument"])

    def _request_examples(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        body = self.spec.resolve(self.chart_operation.node["requestBody"])
        for content in body["content"].values():
            for name, example in content.get("examples", {}).items():
                yield name, cast(Mapping[str, Any], self.spec.resolve(example)["value"])

    def _named_example(self, name: str) -> Mapping[str, Any]:
        examples = dict(self._request_examples())
        if name not in examples:
            raise MarkerError(f"no request example named {name!r}; the spec has {sorted(examples)}")
        return examples[name]

    # -- markers in pages ----------------------------------------------------------------

    def expand(self, markdown: str, src_uri: str, url: str) -> str:
        root = posixpath.relpath(".", posixpath.dirname(src_uri) or ".")
        writer = ReferenceWriter(self.spec, Links(root), self._image_lookup)
        url_prefix = "../" * url.count("/")

        def replace(match: re.Match[str]) -> str:
            kind, argument = match["kind"], match["argument"]
            if kind == "chart":
                text = self._chart(_parse_body(argument), root)
            elif kind == "chart-example":
                text = self._chart(self._named_example(argument), root)
            elif kind == "server":
                text = _server_part(argument)
            elif kind == "client":
                text = _client_part(argument)
            elif kind == "market":
                text = self._market_part(argument)
            else:
                text = self._spec_part(writer, argument, url_prefix)
            # A block marker indented inside a tab or list keeps its block there.
            indent = match["indent"] or ""
            return indent + text.strip("\n").replace("\n", "\n" + indent)

        return _MARKER.sub(replace, markdown)

    def _image_lookup(self, body: Mapping[str, Any]) -> str | None:
        return self.gallery.path_for(body)

    def _spec_part(self, writer: ReferenceWriter, argument: str, url_prefix: str) -> str:
        name, _, parameter = argument.partition(" ")
        parts: dict[str, Callable[[], str]] = {
            "overview": writer.overview,
            "security": writer.security,
            "operations": writer.operations,
            "enumerations": writer.enumerations,
            "schemas": writer.schemas,
            "decisions": writer.decisions,
            "plans": writer.plans,
            "requires-perpetual": writer.requires_perpetual,
            "min-interval": writer.min_interval,
            "max-interval": writer.max_interval,
            "exchanges": writer.exchanges,
            "studies": writer.study_table,
            "enum": lambda: writer.enum_table(parameter),
            "fields": lambda: writer.fields_table(parameter),
            "statuses": writer.statuses,
            "response-examples": lambda: writer.response_examples(*_words(parameter, at_least=1)),
            "swagger-ui": lambda: self._swagger_ui(url_prefix),
            "count": lambda: str(len(self.spec.enum(parameter))),
            "values": lambda: ", ".join(f"`{v}`" for v in self.spec.enum(parameter)),
        }
        if name not in parts:
            raise MarkerError(f"unknown spec marker {name!r}; known: {', '.join(sorted(parts))}")
        return parts[name]()

    def _market_part(self, argument: str) -> str:
        name, _, parameter = argument.partition(" ")
        studies = self.spec.enum("Study")
        parts: dict[str, Callable[[], str]] = {
            "studies": lambda: studies_table(studies, upstream_endpoints()),
            "series": lambda: series_table(upstream_endpoints()),
            "upstreams": lambda: upstreams_table(upstream_endpoints()),
            "coin-ids": lambda: ", ".join(f"`{e.path}`" for e in coin_id_endpoints()),
            "limits": lambda: limits_table(self.spec),
            "intervals": lambda: intervals_table(self.spec.enum("Interval")),
            "cold-cost": lambda: cold_cost_table(parameter, studies, coinalyze_paths()),
        }
        if name not in parts:
            raise MarkerError(f"unknown market marker {name!r}; known: {', '.join(parts)}")
        return parts[name]()

    def _chart(self, body: Mapping[str, Any], root: str) -> str:
        path = self.gallery.path_for(body)
        alt = ", ".join(f"{key} {json.dumps(value)}" for key, value in body.items()) or "defaults"
        request = SampleRequest(
            self.chart_operation,
            str(self.spec.document["servers"][0]["url"]),
            {},
            body,
            image_extension(self.spec, body),
        )
        return tabs(
            [
                ("Chart", f"![Chart: {alt}]({root}/{path}){{ loading=lazy }}\n"),
                ("Request body", json_block(body)),
                ("Python", code_block("python", python_sample(request))),
                ("curl", code_block("sh", curl_sample(request))),
            ]
        )

    def _swagger_ui(self, url_prefix: str) -> str:
        assets = url_prefix + SWAGGER_UI_DIR
        return (
            f'<link rel="stylesheet" href="{assets}/swagger-ui.css">\n'
            f'<div id="swagger-ui" data-spec-url="{url_prefix}{SPEC_FILE}"></div>\n'
            f'<script src="{assets}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{url_prefix}assets/swagger-init.js"></script>\n'
        )


def _server_part(argument: str) -> str:
    if argument != "settings":
        raise MarkerError(f"unknown server marker {argument!r}; known: settings")
    return settings_table()


def _client_part(argument: str) -> str:
    parts = {"errors": error_classes_table, "exit-codes": exit_codes_table}
    if argument not in parts:
        raise MarkerError(f"unknown client marker {argument!r}; known: {', '.join(parts)}")
    return parts[argument]()


def _words(argument: str, at_least: int) -> list[str]:
    words = argument.split()
    if len(words) < at_least:
        raise MarkerError(f"marker argument {argument!r} needs at least {at_least} word(s)")
    return words


def _parse_body(text: str) -> Mapping[str, Any]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MarkerError(f"chart marker body is not JSON: {exc}: {text}") from None
    if not isinstance(body, dict):
        raise MarkerError(f"chart marker body must be a JSON object: {text}")
    return body
