"""Chart images for the site, rendered by the reference server at build time.

The server runs on 127.0.0.1 with a fixed clock, so the same request gives the same chart on
every build; images are kept in memory between rebuilds of `mkdocs serve`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx
from chart_img_server.serving import running_server
from chart_img_server.settings import Settings

from ._openapi import Spec
from ._reference import image_extension

__all__ = ["CHART_CLOCK", "Gallery", "GalleryError"]

# Charts are drawn as of the API's first release, whatever day the site is built.
CHART_CLOCK = datetime.datetime(2024, 8, 12, 14, 0, tzinfo=datetime.UTC)

_RENDERED: dict[str, bytes] = {}


class GalleryError(RuntimeError):
    pass


class Gallery:
    directory = "assets/charts"

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.chart_path = next(
            op.path for op in spec.operations() if op.operation_id == "captureAdvancedChart"
        )

    def path_for(self, body: Mapping[str, Any]) -> str:
        """The docs-root-relative path of the chart for `body`."""
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        return f"{self.directory}/{digest}.{image_extension(self.spec, body)}"

    def render(self, bodies: Iterable[Mapping[str, Any]]) -> dict[str, bytes]:
        """Every body's chart, keyed by `path_for`; drawn by the reference server."""
        wanted = {self.path_for(body): body for body in bodies}
        missing = {path: body for path, body in wanted.items() if path not in _RENDERED}
        if missing:
            _RENDERED.update(self._draw(missing))
        return {path: _RENDERED[path] for path in wanted}

    def _draw(self, bodies: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
        images: dict[str, bytes] = {}
        with tempfile.TemporaryDirectory(prefix="chart-img-docs-") as storage:
            settings = Settings(
                keys=("docs-build",),
                storage_dir=Path(storage),
                rate_limit=0,
                clock=lambda: CHART_CLOCK,
            )
            with (
                running_server(settings) as server,
                httpx.Client(
                    base_url=server.base_url,
                    headers={"x-api-key": server.api_key},
                    timeout=60,
                ) as http,
            ):
                for path, body in bodies.items():
                    response = http.post(self.chart_path, json=body)
                    if response.status_code != 200:
                        raise GalleryError(
                            f"the reference server answered {response.status_code} for the"
                            f" chart {json.dumps(body)}: {response.text}"
                        )
                    images[path] = response.content
        return images
