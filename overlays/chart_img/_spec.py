"""The API contract, read once from the copy of `openapi.yaml` shipped in `chart_img_api`.

Bounds, patterns, defaults, examples and the `x-` vendor extensions live only in the spec;
everything in this package that needs them asks here.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from functools import cache
from typing import Any, cast

import yaml

__all__ = [
    "default_base_url",
    "enum_values",
    "request_example",
    "request_properties",
    "schema",
    "spec",
]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def spec() -> Mapping[str, Any]:
    text = importlib.resources.files("chart_img_api").joinpath("openapi.yaml").read_text("utf-8")
    return cast(Mapping[str, Any], yaml.load(text, Loader=_Loader))  # noqa: S506 (safe loader)


def schema(name: str) -> Mapping[str, Any]:
    return cast(Mapping[str, Any], spec()["components"]["schemas"][name])


def request_properties() -> Mapping[str, Mapping[str, Any]]:
    """The `AdvancedChartRequest` properties, keyed by their JSON names."""
    return cast(Mapping[str, Mapping[str, Any]], schema("AdvancedChartRequest")["properties"])


def enum_values(schema_name: str) -> list[Any]:
    """A component enum's values in the spec's order (intervals ascend, for one)."""
    return list(schema(schema_name)["enum"])


def default_base_url() -> str:
    return str(spec()["servers"][0]["url"])


def request_example(name: str) -> dict[str, Any]:
    """One named example of the advanced-chart request body."""
    body = spec()["components"]["requestBodies"]["AdvancedChart"]
    return dict(body["content"]["application/json"]["examples"][name]["value"])
