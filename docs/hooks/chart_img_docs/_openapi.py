"""The OpenAPI document, read once per build, with `$ref` resolution and the operations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

__all__ = ["HTTP_METHODS", "Operation", "Spec"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Node = Mapping[str, Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    node: Node

    @property
    def operation_id(self) -> str:
        return str(self.node["operationId"])

    @property
    def anchor(self) -> str:
        return _kebab(self.operation_id)

    @property
    def summary(self) -> str:
        return str(self.node.get("summary", self.operation_id))

    @property
    def description(self) -> str:
        return str(self.node.get("description", "")).strip()

    @property
    def tag(self) -> str:
        tags = self.node.get("tags") or ["default"]
        return str(tags[0])


class Spec:
    """An OpenAPI 3.1 document that knows how to follow its own local `$ref`s."""

    def __init__(self, document: Node, text: str) -> None:
        self.document = document
        self.text = text

    @classmethod
    def load(cls, path: Path) -> Spec:
        text = path.read_text("utf-8")
        return cls(cast(Node, yaml.safe_load(text)), text)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def info(self) -> Node:
        return cast(Node, self.document["info"])

    @property
    def components(self) -> Node:
        return cast(Node, self.document.get("components", {}))

    def schema(self, name: str) -> Node:
        return cast(Node, self.components["schemas"][name])

    def enum(self, name: str) -> list[Any]:
        return list(self.schema(name)["enum"])

    def resolve(self, node: Node) -> Node:
        """`node` with every top-level `$ref` followed."""
        seen: set[str] = set()
        while "$ref" in node:
            ref = str(node["$ref"])
            if ref in seen:
                raise ValueError(f"circular $ref {ref}")
            seen.add(ref)
            node = self._lookup(ref)
        return node

    def _lookup(self, ref: str) -> Node:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref}")
        target: Any = self.document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return cast(Node, target)

    def operations(self) -> Iterator[Operation]:
        for path, item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    yield Operation(method, str(path), cast(Node, item[method]))

    def tags(self) -> list[Node]:
        return [cast(Node, tag) for tag in self.document.get("tags", [])]


def ref_name(node: Node) -> str | None:
    """The component name a `$ref` (or a single-`$ref` `allOf`) points at."""
    if "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[-1]
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
        return str(all_of[0]["$ref"]).rsplit("/", 1)[-1]
    return None


def _kebab(name: str) -> str:
    out = [f"-{char.lower()}" if char.isupper() else char for char in name]
    return "".join(out).lstrip("-")
