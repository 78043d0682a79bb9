"""The built site's content: everything derived from the spec is there, and nothing is remote."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_img_docs import Gallery, Spec
from PIL import Image

_TAG = re.compile(r"<[^>]+>")
# Attributes that make a browser fetch something as the page loads.
_FETCHED = re.compile(
    r"<(?:script|img|iframe|source|embed|link)\b[^>]*?\b(?:src|href|srcset)\s*=\s*[\"']([^\"']+)",
    re.IGNORECASE,
)


def _text(path: Path) -> str:
    """A page's text, tags removed and entities decoded."""
    return html.unescape(_TAG.sub(" ", path.read_text("utf-8")))


def _cells(path: Path) -> list[str]:
    found = re.findall(r"<td[^>]*>(.*?)</td>", path.read_text("utf-8"), re.DOTALL)
    return [" ".join(html.unescape(_TAG.sub("", cell)).split()) for cell in found]


@pytest.fixture(scope="module")
def reference(built_site: Path) -> Path:
    return built_site / "reference" / "index.html"


@pytest.mark.parametrize(("schema", "count"), [("Study", 39), ("Interval", 12), ("Timezone", 82)])
def test_every_enum_value_is_listed_in_the_reference(
    reference: Path, spec: dict[str, Any], schema: str, count: int
) -> None:
    values = [str(value) for value in spec["components"]["schemas"][schema]["enum"]]
    assert len(values) == count
    cells = set(_cells(reference))
    assert [value for value in values if value not in cells] == []


def test_every_operation_has_its_sections_samples_and_statuses(
    reference: Path, spec: dict[str, Any]
) -> None:
    page = reference.read_text("utf-8")
    text = _text(reference)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert f"{method.upper()}</span> <code>{path}</code>" in page
            assert operation["summary"] in text
            for status in operation["responses"]:
                assert re.search(rf"<td><code>{status}</code>", page), (path, status)
    code = html.unescape(_TAG.sub("", page))
    assert code.count("curl ") >= 4
    assert code.count("from chart_img import ChartImg") >= 4


def test_study_table_marks_perpetual_and_interval_requirements(
    reference: Path, spec: dict[str, Any]
) -> None:
    study = spec["components"]["schemas"]["Study"]
    cells = _cells(reference)
    for name in study["x-requires-perpetual"]:
        row = cells[cells.index(name) : cells.index(name) + 3]
        assert row[1] == "yes", name
    for name, interval in study["x-min-interval"].items():
        row = cells[cells.index(name) : cells.index(name) + 3]
        assert row[2] == interval, name


def test_decisions_page_renders_every_decision(built_site: Path, spec: dict[str, Any]) -> None:
    decisions = spec["info"]["description"].split("## Decisions on the original documentation")[1]
    titles = re.findall(r"^\d+\. \*\*(.+?)\*\*", decisions, re.MULTILINE)
    assert len(titles) >= 12
    page = (built_site / "decisions" / "index.html").read_text("utf-8")
    for title in titles:
        assert f"<strong>{html.escape(title, quote=False)}</strong>" in page, title
    assert len(re.findall(r"<li>", page)) >= len(titles)


def test_spec_served_with_the_site_is_the_spec(built_site: Path, spec_bytes: bytes) -> None:
    assert (built_site / "openapi.yaml").read_bytes() == spec_bytes


def test_nothing_is_fetched_from_another_host(built_site: Path) -> None:
    remote: list[str] = []
    for page in built_site.rglob("*.html"):
        for url in _FETCHED.findall(page.read_text("utf-8")):
            if re.match(r"(?:https?:)?//", url):
                remote.append(f"{page.relative_to(built_site)}: {url}")
    for sheet in built_site.rglob("*.css"):
        content = sheet.read_text("utf-8")
        remote += [
            f"{sheet.name}: {url}"
            for url in re.findall(r"url\(\s*[\"']?(https?:[^)\"']+)", content)
        ]
        remote += [
            f"{sheet.name}: @import"
            for _ in re.findall(r"@import\s+url\(\s*[\"']?https?:", content)
        ]
    assert remote == []
    google_fonts = [
        page.name
        for page in built_site.rglob("*.html")
        if "fonts.googleapis" in page.read_text("utf-8")
        or "fonts.gstatic" in page.read_text("utf-8")
    ]
    assert google_fonts == []


def test_spec_request_examples_are_charts_of_the_requested_size(
    built_site: Path, spec_bytes: bytes
) -> None:
    spec = Spec(yaml.safe_load(spec_bytes), spec_bytes.decode())
    gallery = Gallery(spec)
    body = spec.components["requestBodies"]["AdvancedChart"]["content"]["application/json"]
    defaults = spec.schema("AdvancedChartRequest")["properties"]
    for name, example in body["examples"].items():
        request = example["value"]
        image = Image.open(io.BytesIO((built_site / gallery.path_for(request)).read_bytes()))
        expected_format = request.get("format", defaults["format"]["default"])
        assert image.format == {"png": "PNG", "jpeg": "JPEG"}[expected_format], name
        assert image.size == (
            request.get("width", defaults["width"]["default"]),
            request.get("height", defaults["height"]["default"]),
        ), name


def test_python_api_page_documents_the_client(built_site: Path) -> None:
    page = (built_site / "python" / "index.html").read_text("utf-8")
    for name in ("ChartImg", "AsyncChartImg", "ChartImage", "RetryPolicy", "UnprocessableError"):
        assert f'id="chart_img.{name}"' in page, name
    for method in ("chart", "store", "exchanges", "symbols"):
        assert f'id="chart_img.ChartImg.{method}"' in page, method
