from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
COINALYZE_SPEC_PATH = ROOT / "upstream" / "coinalyze.yaml"
ORIGINAL_DOC = ROOT.parent / "shared" / "reference" / "chart-img-coinalyze-v3-api.txt"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def coinalyze_spec() -> dict[str, Any]:
    """Our written-down record of the upstream Coinalyze REST API v1."""
    loaded: dict[str, Any] = yaml.safe_load(COINALYZE_SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def original_doc() -> str:
    if not ORIGINAL_DOC.exists():
        pytest.skip("the original API documentation is not checked out beside this repository")
    return ORIGINAL_DOC.read_text(encoding="utf-8")
