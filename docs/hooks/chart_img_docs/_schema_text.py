"""Schemas described for people: type labels, allowed values and bounds, defaults, fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from ._markdown import code_value
from ._openapi import Node, Spec, ref_name

__all__ = ["Field", "Links", "SchemaText"]

# Enums longer than this are linked to their own table instead of listed inline.
_INLINE_ENUM_LIMIT = 12


@dataclass(frozen=True)
class Links:
    """Where the reference pages are, relative to the page being rendered."""

    root: str = "."

    @property
    def reference_dir(self) -> str:
        return f"{self.root}/reference"

    def schema(self, spec: Spec, name: str) -> str:
        page = "index.md" if "enum" in spec.schema(name) else "schemas.md"
        return f"{self.reference_dir}/{page}#{name.lower()}"

    def operation(self, anchor: str) -> str:
        return f"{self.reference_dir}/index.md#{anchor}"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    default: str
    allowed: str
    description: str


class SchemaText:
    def __init__(self, spec: Spec, links: Links) -> None:
        self.spec = spec
        self.links = links

    def merged(self, node: Node) -> Node:
        """`node` with a single-`$ref` `allOf` or a `$ref` folded in (local keys win)."""
        name = ref_name(node)
        if name is None:
            return node
        base = dict(self.spec.schema(name))
        base.update({key: value for key, value in node.items() if key not in ("allOf", "$ref")})
        return base

    def type_label(self, node: Node) -> str:
        schema = self.merged(node)
        if "const" in schema:
            return (
                f"{_json_type(schema.get('type', 'string'))} (always {code_value(schema['const'])})"
            )
        if "oneOf" in schema or "anyOf" in schema:
            variants = cast(list[Node], schema.get("oneOf") or schema.get("anyOf"))
            return " or ".join(self.type_link(variant) for variant in variants)
        types = schema.get("type", "any")
        names = [types] if isinstance(types, str) else list(types)
        labels = [self._single_type(schema, kind) for kind in names if kind != "null"]
        label = " or ".join(labels) or "null"
        return f"{label} or null" if "null" in names else label

    def _single_type(self, schema: Node, kind: str) -> str:
        if kind == "array":
            items = cast(Node, schema.get("items", {}))
            return f"array of {self.type_link(items)}"
        fmt = schema.get("format")
        return f"{kind} ({fmt})" if fmt else kind

    def type_link(self, node: Node) -> str:
        """A link to a named enum or object schema, else the type label."""
        name = ref_name(node)
        if name is not None and (
            "enum" in self.spec.schema(name) or "properties" in self.spec.schema(name)
        ):
            return f"[`{name}`]({self.links.schema(self.spec, name)})"
        return self.type_label(node)

    def allowed(self, node: Node) -> str:
        """Allowed values and bounds, as one Markdown line ('' when unconstrained)."""
        schema = self.merged(node)
        parts: list[str] = []
        if "enum" in schema:
            parts.append(self._enum_text(node, schema))
        parts += _bounds(schema)
        items = schema.get("items")
        if isinstance(items, Mapping):
            item_text = self.allowed(cast(Node, items))
            if item_text:
                parts.append(f"each item: {item_text}")
        return "; ".join(parts)

    def _enum_text(self, node: Node, schema: Node) -> str:
        values = list(schema["enum"])
        name = ref_name(node)
        if len(values) > _INLINE_ENUM_LIMIT and name is not None:
            return (
                f"one of the {len(values)} [`{name}` values]({self.links.schema(self.spec, name)})"
            )
        return ", ".join(code_value(value) for value in values)

    def default(self, node: Node) -> str:
        schema = self.merged(node)
        return code_value(schema["default"]) if "default" in schema else ""

    def fields(self, node: Node) -> list[Field]:
        schema = self.spec.resolve(node)
        required = set(schema.get("required", []))
        return [
            Field(
                name=name,
                type=self.type_label(prop),
                required=name in required,
                default=self.default(prop),
                allowed=self.allowed(prop),
                description=str(self.merged(prop).get("description", "")),
            )
            for name, prop in cast(Mapping[str, Node], schema.get("properties", {})).items()
        ]


def _json_type(kind: Any) -> str:
    return kind if isinstance(kind, str) else " or ".join(kind)


def _bounds(schema: Node) -> list[str]:
    parts: list[str] = []
    if "minimum" in schema and "maximum" in schema:
        parts.append(f"from {schema['minimum']} to {schema['maximum']}")
    elif "minimum" in schema:
        parts.append(f"at least {schema['minimum']}")
    elif "maximum" in schema:
        parts.append(f"at most {schema['maximum']}")
    if "minLength" in schema:
        parts.append(f"at least {schema['minLength']} characters")
    if "maxLength" in schema:
        parts.append(f"at most {schema['maxLength']} characters")
    if "minItems" in schema:
        parts.append(f"at least {schema['minItems']} items")
    if "maxItems" in schema:
        parts.append(f"at most {schema['maxItems']} items")
    if schema.get("uniqueItems"):
        parts.append("no repeats")
    if "pattern" in schema:
        parts.append(f"matches `{schema['pattern']}`")
    return parts
