"""Independent judges find nothing in the spec: Spectral and Redocly, zero errors and warnings."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


def run_node_tool(root: Path, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = root / "node_modules" / ".bin" / tool
    assert executable.exists(), f"{tool} is missing: run `make setup`"
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    return subprocess.run(
        [str(executable), *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_spectral_oas_ruleset_finds_nothing(root: Path) -> None:
    result = run_node_tool(root, "spectral", "lint", "--format=json", "--quiet", "openapi.yaml")
    problems = json.loads(result.stdout or "[]")
    assert problems == [], result.stdout
    assert result.returncode == 0, result.stderr


def test_redocly_recommended_strict_finds_nothing(root: Path) -> None:
    result = run_node_tool(root, "redocly", "lint", "--format=json", "openapi.yaml")
    totals = json.loads(result.stdout)["totals"]
    assert totals == {"errors": 0, "warnings": 0, "ignored": 0}, result.stdout
    assert result.returncode == 0, result.stderr
