"""The reference app under conformance test: fixed key and clock, no rate limit, and no
throttle on failed keys (Schemathesis presents a wrong key to every operation)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from chart_img_server import Settings, create_app
from chart_img_server.spec import load_spec_text
from starlette.applications import Starlette

CONFORMANCE_KEY = "conformance-key"
FIXED_NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)


def conformance_settings(storage_dir: Path) -> Settings:
    return Settings(
        keys=(CONFORMANCE_KEY,),
        storage_dir=storage_dir,
        rate_limit=0,
        failed_auth_rate=0,
        clock=lambda: FIXED_NOW,
    )


def conformance_app(storage_dir: Path) -> Starlette:
    return create_app(conformance_settings(storage_dir))


def spec_document() -> Mapping[str, Any]:
    document: Mapping[str, Any] = yaml.safe_load(load_spec_text())
    return document


# Schemathesis cases sent, by (key placement, phase, generation mode): shown after the run.
CASES_RUN: Counter[tuple[str, str, str]] = Counter()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not CASES_RUN:
        return
    terminalreporter.section("Schemathesis cases run (key placement, phase, mode)")
    for (placement, phase, mode), count in sorted(CASES_RUN.items()):
        terminalreporter.write_line(f"{placement:7} {phase:9} {mode:9} {count:6}")
