"""`make fuzz`'s runner: starts a reference server, runs `st run`, keeps the key out of reports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUNNER = Path(__file__).with_name("fuzz.py")


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chart_img_fuzz_runner", RUNNER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_short_live_run_passes_and_never_records_the_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runner = _runner()
    status = runner.main(["--", "--phases", "examples,stateful", "-n", "2", "--no-color"])
    output = capsys.readouterr().out
    assert status == 0, output
    junit = runner.REPORTS / "fuzz-junit.xml"
    har = runner.REPORTS / "fuzz.har"
    assert junit.is_file()
    assert har.is_file()
    # The HAR records every request: the key header is there, with its value filtered out.
    assert "[Filtered]" in har.read_text(encoding="utf-8")
    assert "the key sanitised in every one" in output


def test_url_and_key_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    assert _runner().main(["--url", "http://127.0.0.1:9"]) == 2
    assert "give both --url and --key" in capsys.readouterr().err


def test_a_leaked_key_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _runner()
    monkeypatch.setattr(runner, "REPORTS", tmp_path)
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "run.har").write_text('{"x-api-key": "secret-123"}')
    (tmp_path / "clean.xml").write_text("<testsuite/>")
    assert runner._reports_containing("secret-123") == [tmp_path / "nested" / "run.har"]
