"""Every benchmark at a tiny scale, so that `make bench` cannot rot; no timing is asserted."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from tests.bench import SMOKE, Result
from tests.bench.__main__ import SECTIONS, main
from tests.bench._processes import PRISM, wrk_path
from tests.bench._wrk import parse
from tests.moto_server import MOTO_SERVER
from tests.tools import missing

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:41234/v3/coinalyze/exchange/list
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.02ms  20.11ms   90.00%
    Req/Sec     1.90k   120.00     2.10k    70.00%
  Latency Distribution
     50%  850.00us
     75%    2.50ms
     90%    3.10ms
     99%    1.20s
  11400 requests in 3.00s, 3.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3800.12
Transfer/sec:      1.03MB
"""


def test_wrk_output_is_read_with_units_and_every_kind_of_error() -> None:
    run = parse(WRK_OUTPUT)
    assert run.requests_per_second == pytest.approx(3800.12)
    assert run.p50_ms == pytest.approx(0.85)
    assert run.p99_ms == pytest.approx(1200.0)
    assert run.requests == 11400
    assert run.errors == 7


def _needs(section: str) -> None:
    """A missing tool fails under CI, where `make test` installs it, and skips elsewhere."""
    why = None
    if section in {"server", "scale"} and wrk_path() is None:
        why = "wrk is not installed (make wrk installs it)"
    elif section == "scale" and shutil.which("redis-server") is None:
        why = "redis-server is not installed (make redis installs it)"
    elif section == "scale" and not MOTO_SERVER.exists():
        why = "moto is not installed (make moto installs it)"
    elif section == "server" and not PRISM.exists():
        why = "Prism is not installed (make setup)"
    if why is not None:
        missing(why)


@pytest.mark.slow
@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_benchmark_runs_and_reports_numbers(section: str) -> None:
    _needs(section)
    results = SECTIONS[section](SMOKE)
    assert results
    for result in results:
        assert isinstance(result, Result)
        assert result.section == section
        assert result.figure
        numbers = [v for v in result.numbers.values() if isinstance(v, int | float)]
        assert numbers
        assert all(math.isfinite(v) for v in numbers)


@pytest.mark.slow
def test_a_run_prints_one_table_and_writes_json_and_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--smoke", "--only", "client", "--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert table.count("| client |") == 2
    document = json.loads((tmp_path / "latest.json").read_text())
    assert {r["section"] for r in document["results"]} == {"client"}
    assert document["machine"]["cpus"]
    assert "| client |" in (tmp_path / "latest.md").read_text()


def test_a_failing_section_is_reported_and_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_scale: object) -> list[Result]:
        raise RuntimeError("no server")

    monkeypatch.setitem(SECTIONS, "client", broken)
    assert main(["--smoke", "--only", "client", "--out", str(tmp_path)]) == 1
    document = json.loads((tmp_path / "latest.json").read_text())
    assert document["results"][0]["met"] is False
    assert "no server" in document["results"][0]["figure"]
