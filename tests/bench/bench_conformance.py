"""Conformance speed: an in-process Schemathesis run against the app, in cases per second.

Schemathesis' own engine (what `st run` drives) runs the examples, coverage and fuzzing phases
over the ASGI app with every check; a counting wrapper around the app also gives the calls it
received, since some checks send requests of their own.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from chart_img_server import Settings, create_app
from schemathesis.engine import events, from_schema
from starlette.types import ASGIApp, Receive, Scope, Send

from ._common import BENCH_KEY, Scale
from ._processes import spec_path
from ._report import Result

SECTION = "conformance"
SEED = 20240812


class _CountingApp:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.calls += 1
        await self.app(scope, receive, send)


def run(scale: Scale) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="chart-img-bench-st-") as scratch:
        app = _CountingApp(
            create_app(Settings(keys=(BENCH_KEY,), storage_dir=Path(scratch), rate_limit=0))
        )
        schema = schemathesis.openapi.from_dict(
            yaml.safe_load(spec_path().read_text()),
            config=schemathesis.Config.from_dict(_config(scale.conformance_examples)),
        )
        schema.app = app
        started = time.perf_counter()
        cases, failed = _execute(schema)
        elapsed = time.perf_counter() - started
    rate = cases / elapsed
    return [
        Result(
            section=SECTION,
            case="in-process Schemathesis (examples, coverage, fuzzing; all checks)",
            figure=f"{rate:,.0f} cases/s ({cases:,} cases, {app.calls:,} calls in {elapsed:.1f} s)",
            baseline="",
            target="",
            met=None,
            numbers={
                "cases_per_second": rate,
                "cases": cases,
                "calls": app.calls,
                "seconds": elapsed,
                "failing_operations": failed,
                "max_examples": scale.conformance_examples,
            },
        )
    ]


def _config(max_examples: int) -> dict[str, Any]:
    return {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": max_examples,
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {"enabled": True},
        "auth": {"openapi": {"ApiKeyHeader": {"api_key": BENCH_KEY}}},
    }


def _execute(schema: Any) -> tuple[int, int]:
    """Cases run and operations with a failing check."""
    cases = failed = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            failed += event.status is not None and event.status.name == "FAILURE"
    return cases, failed
