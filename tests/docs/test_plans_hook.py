"""The `<!-- spec:plans -->` marker: the plans table, rendered from the spec's `x-plans`."""

from __future__ import annotations

import pytest
from chart_img_docs import Site, Spec
from chart_img_server.spec import load_spec

from .conftest import ROOT

X = "\N{MULTIPLICATION SIGN}"


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(Spec.load(ROOT / "openapi.yaml"), ROOT / "node_modules" / "swagger-ui-dist")


def _rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def test_the_plans_table_has_a_row_per_plan_the_server_enforces(site: Site) -> None:
    rows = _rows(site.expand("<!-- spec:plans -->\n", "guides/plans.md", "guides/plans/"))
    assert rows == [
        ["`BASIC`", "1", "3", "50", f"800 {X} 600", "14", "3", "always `CHART-IMG`"],
        ["`PRO`", "10", "15", "500", f"1920 {X} 1080", "30", "5", "none"],
        ["`MEGA`", "15", "25", "1,000", f"1920 {X} 1600", "60", "10", "none"],
        ["`ULTRA`", "35", "50", "3,000", f"2048 {X} 1920", "90", "25", "custom"],
        ["`ENTERPRISE`", "35", "50", "5,000", f"2048 {X} 1920", "120", "50", "custom"],
    ]
    # The server reads the same table.
    plans = load_spec().plans
    assert [row[0].strip("`") for row in rows] == list(plans)
    for row, plan in zip(rows, plans.values(), strict=True):
        assert row[1:4] == [f"{plan.rate:g}", str(plan.burst), f"{plan.daily:,}"]
        assert row[4] == f"{plan.max_width} {X} {plan.max_height}"
        assert row[5:7] == [str(plan.storage_days), str(plan.max_studies)]


def test_the_plans_guide_uses_the_marker_and_the_spec_examples(site: Site) -> None:
    guide = (ROOT / "docs" / "guides" / "plans.md").read_text(encoding="utf-8")
    assert "<!-- spec:plans -->" in guide
    expanded = site.expand(guide, "guides/plans.md", "guides/plans/")
    assert "Daily Quota Exceeded" in expanded
    assert "must be at most 800 on the BASIC plan" in expanded
