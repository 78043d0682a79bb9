"""The build hooks' pieces on their own: markers, type labels, samples, assets."""

from __future__ import annotations

from pathlib import Path

import pytest
from chart_img_docs import (
    Links,
    MarkerError,
    SampleRequest,
    SchemaText,
    Site,
    Spec,
    curl_sample,
    error_classes_table,
    python_sample,
)

from .conftest import ROOT


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec.load(ROOT / "openapi.yaml")


@pytest.fixture(scope="module")
def site(spec: Spec) -> Site:
    return Site(spec, ROOT / "node_modules" / "swagger-ui-dist")


def test_unknown_markers_fail_the_build(site: Site) -> None:
    with pytest.raises(MarkerError, match="unknown spec marker 'studys'"):
        site.expand("<!-- spec:studys -->\n", "guides/charts.md", "guides/charts/")
    with pytest.raises(MarkerError, match="not JSON"):
        site.expand('<!-- chart: {"interval": } -->\n', "index.md", "")
    with pytest.raises(MarkerError, match="no request example named 'nope'"):
        site.expand("<!-- chart-example: nope -->\n", "index.md", "")


def test_markers_inside_tabs_keep_their_indentation(site: Site) -> None:
    markdown = '=== "Tab"\n\n    <!-- spec:enum Theme -->\n'
    expanded = site.expand(markdown, "guides/charts.md", "guides/charts/")
    table_lines = [line for line in expanded.splitlines() if "|" in line]
    assert table_lines
    assert all(line.startswith("    |") for line in table_lines)


def test_links_are_relative_to_the_page(site: Site) -> None:
    guide = site.expand("<!-- spec:fields AdvancedChartRequest -->", "guides/charts.md", "x/")
    assert "(../reference/index.md#study)" in guide
    reference = site.expand("<!-- spec:fields AdvancedChartRequest -->", "reference/index.md", "x/")
    assert "(../reference/index.md#study)" in reference
    home = site.expand("<!-- spec:fields AdvancedChartRequest -->", "index.md", "")
    assert "(./reference/index.md#study)" in home


def test_type_labels_and_allowed_values(spec: Spec) -> None:
    text = SchemaText(spec, Links(".."))
    listing = spec.schema("ExchangeList")["properties"]
    assert text.type_label(listing["updatedAt"]) == "string (date-time) or null"
    assert text.type_label(listing["payload"]) == "array of string or null"
    request = spec.schema("AdvancedChartRequest")["properties"]
    assert text.type_label(request["studies"]) == "array of [`Study`](../reference/index.md#study)"
    assert text.allowed(request["width"]) == "from 400 to 2048"
    most = request["studies"]["maxItems"]
    assert text.allowed(request["studies"]).startswith(
        f"at most {most} items; no repeats; each item:"
    )
    assert text.default(request["interval"]) == "`1D`"
    assert text.allowed(request["interval"]) == ", ".join(
        f"`{value}`" for value in spec.enum("Interval")
    )


def test_samples_use_snake_case_keywords_and_the_image_extension(spec: Spec) -> None:
    chart = next(op for op in spec.operations() if op.operation_id == "captureAdvancedChart")
    body = {"format": "jpeg", "watermarkSize": 64}
    request = SampleRequest(chart, "http://127.0.0.1:8000", {}, body, "jpg")
    python = python_sample(request)
    assert 'client.chart(format="jpeg", watermark_size=64)' in python
    assert 'image.save("chart.jpg")' in python
    curl = curl_sample(request)
    assert curl.startswith("curl -X POST http://127.0.0.1:8000/v3/coinalyze/advanced-chart")
    assert "-o chart.jpg" in curl


def test_missing_swagger_ui_is_a_clear_error(spec: Spec, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="npm ci"):
        Site(spec, tmp_path).swagger_ui_assets()


def test_every_error_status_of_the_spec_has_a_client_exception(spec: Spec) -> None:
    statuses = {
        str(status)
        for op in spec.operations()
        for status in op.node["responses"]
        if str(status).startswith(("4", "5"))
    }
    rendered = error_classes_table()
    assert sorted(s for s in statuses if f"| `{s}` |" not in rendered) == []


def test_response_examples_come_from_the_spec(site: Site, spec: Spec) -> None:
    expanded = site.expand("<!-- spec:response-examples Forbidden -->", "guides/x.md", "x/")
    examples = spec.components["responses"]["Forbidden"]["content"]["application/json"]["examples"]
    for name, example in examples.items():
        assert f"`{name}`" in expanded
        assert example["value"]["message"] in expanded
