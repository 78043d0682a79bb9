"""The `chart-img` CLI through typer's `CliRunner`, over `httpx.MockTransport`."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from chart_img import Interval, Study, Theme, allowed_values
from chart_img.cli import EXIT_CODE_TABLE, CliState, app
from PIL import Image
from typer.testing import CliRunner

from .conftest import API_KEY, FakeApi, SleepRecorder, invoke, json_response


def test_exchanges(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(runner, fake_api, "exchanges")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["BINANCE", "BYBIT"]
    assert fake_api.requests[0].headers["x-api-key"] == API_KEY


def test_symbols_grep_and_json(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(runner, fake_api, "symbols", "binance", "--grep", "btc")
    assert result.stdout.split() == ["BTCUSDT", "BTCUSDT.P"]
    result = invoke(runner, fake_api, "symbols", "binance", "--json")
    assert json.loads(result.stdout) == {
        "updatedAt": None,
        "payload": ["BTCUSDT", "BTCUSDT.P", "ETHUSDT"],
    }


def test_chart_writes_the_file(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    target = tmp_path / "eth.png"
    result = invoke(
        runner, fake_api, "chart", "--symbol", "BINANCE:ETHUSDT", "--interval", "15m",
        "--study", "Buy Sell Pressure", "--study", "Aggregated CVD Spot", "--watermark-size", "32",
        "-o", str(target), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "file": str(target), "size": len(fake_api.image), "width": 800, "height": 600,
        "mediaType": "image/png",
    }  # fmt: skip
    assert target.read_bytes() == fake_api.image
    assert json.loads(fake_api.requests[0].content) == {
        "symbol": "BINANCE:ETHUSDT",
        "interval": "15m",
        "studies": ["Buy Sell Pressure", "Aggregated CVD Spot"],
        "watermarkSize": 32,
    }


def test_chart_refuses_a_contradicting_extension(
    runner: CliRunner, fake_api: FakeApi, tmp_path: Path
) -> None:
    result = invoke(runner, fake_api, "chart", "-o", str(tmp_path / "x.jpg"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "use --format jpeg, a .png name, or --force" in line
    assert fake_api.requests == []
    assert (
        invoke(runner, fake_api, "chart", "-o", str(tmp_path / "x.jpg"), "--force").exit_code == 0
    )


def test_store_prints_the_url_or_json(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(runner, fake_api, "store", "--theme", "dark")
    assert result.stdout.strip() == fake_api.stored()["url"]
    result = invoke(runner, fake_api, "store", "--json")
    assert json.loads(result.stdout)["etag"] == fake_api.stored()["etag"]


def test_help_lists_short_enums_and_points_to_the_long_ones(runner: CliRunner) -> None:
    result = runner.invoke(app, ["chart", "--help"])
    assert ", ".join(allowed_values(Interval)) in result.stdout
    assert ", ".join(allowed_values(Theme)) in result.stdout
    assert "From 400 to 2048" in result.stdout
    assert (
        f"One of the {len(allowed_values(Study))} that `chart-img studies` lists" in result.stdout
    )
    assert "`chart-img timezones`" in result.stdout
    assert not [study for study in allowed_values(Study) if study in result.stdout]
    assert "Asia/Kolkata" not in result.stdout


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, 11),
        (403, 12),
        (404, 13),
        (413, 14),
        (422, 15),
        (429, 16),
        (500, 17),
        (504, 18),
        (401, 10),
    ],
)
def test_one_line_and_an_exit_code_per_error_class(
    runner: CliRunner, fake_api: FakeApi, status: int, code: int
) -> None:
    fake_api.queue += [json_response(status, {"message": "Oops"})] * 3
    result = invoke(runner, fake_api, "exchanges")
    assert result.exit_code == code
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("chart-img: ")
    assert line.endswith(": Oops")


def test_json_errors(runner: CliRunner, fake_api: FakeApi) -> None:
    fake_api.queue.append(json_response(403, {"message": "Invalid API Key"}))
    result = invoke(runner, fake_api, "exchanges", "--json")
    assert json.loads(result.stderr) == {
        "error": "ForbiddenError", "message": "403 Forbidden: Invalid API Key", "status": 403,
        "exitCode": 12,
    }  # fmt: skip


def test_invalid_option_value_lists_allowed_values(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(runner, fake_api, "chart", "--interval", "14h")
    assert result.exit_code == 2
    assert f"(one of: {', '.join(allowed_values(Interval))})" in result.stderr
    assert fake_api.requests == []


def test_connection_refused_exit_code(runner: CliRunner, refused_url: str) -> None:
    state = CliState(sleep=SleepRecorder())
    result = runner.invoke(
        app, ["--base-url", refused_url, "--max-retries", "0", "exchanges"], obj=state
    )
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert "Could not reach the server" in line
    assert f"Tried {refused_url};" in line
    assert "`chart-img serve`" in line
    assert "CHART_IMG_BASE_URL" in line


def test_missing_key(fake_api: FakeApi) -> None:
    result = CliRunner().invoke(
        app, ["exchanges"], obj=CliState(transport=httpx.MockTransport(fake_api))
    )
    assert result.exit_code == 1
    assert "CHART_IMG_API_KEY" in result.stderr


def test_batch_with_one_failing_line(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    lines = [
        {"symbol": "BINANCE:BTCUSD.P", "interval": "12h"},
        {"symbol": "BINANCE:ETHUSDT", "interval": "14h"},
        {"symbol": "BINANCE:NOPE"},
        {"theme": "dark"},
    ]
    batch = tmp_path / "charts.jsonl"
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n\nnot json\n")
    out = tmp_path / "images"
    sleeps = SleepRecorder()
    fake_api.queue.append(
        json_response(429, {"message": "Too Many Requests"}, {"Retry-After": "1"})
    )
    result = invoke(
        runner, fake_api, "batch", str(batch), "-d", str(out), "-c", "2", "--json", sleeps=sleeps
    )
    assert result.exit_code == 1, result.output
    summary = {item["number"]: item for item in json.loads(result.stdout)}
    assert sorted(summary) == [1, 2, 3, 4, 6]
    assert [n for n, item in summary.items() if item["ok"]] == [1, 4]
    assert "must be one of" in summary[2]["error"]
    assert "Invalid Symbol" in summary[3]["error"]
    assert "not JSON" in summary[6]["error"]
    assert sorted(p.name for p in out.iterdir()) == ["001-BINANCE-BTCUSD.P.png", "004-chart.png"]
    assert sleeps.delays == [1.0]
    assert "charts" in result.stderr  # the progress bar


def test_batch_yaml_all_good_prints_a_table(runner: CliRunner, tmp_path: Path, images: Any) -> None:
    api = FakeApi(image=images.jpeg(1280, 720), media_type="image/jpeg")
    batch = tmp_path / "charts.yaml"
    batch.write_text("- symbol: BYBIT:SOLUSDT.P\n  format: jpeg\n- {interval: 1h, format: jpeg}\n")
    out = tmp_path / "images"
    result = invoke(runner, api, "batch", str(batch), "-d", str(out))
    assert result.exit_code == 0, result.output
    assert "2 captured, 0 failed" in result.stdout
    assert "1280x720" in result.stdout
    with Image.open(out / "001-BYBIT-SOLUSDT.P.jpeg") as image:
        assert image.size == (1280, 720)


def test_batch_file_that_is_not_a_list(
    runner: CliRunner, fake_api: FakeApi, tmp_path: Path
) -> None:
    batch = tmp_path / "charts.yml"
    batch.write_text("symbol: BINANCE:BTCUSDT\n")
    result = invoke(runner, fake_api, "batch", str(batch))
    assert result.exit_code == 2
    assert (
        result.stderr == f"chart-img: {batch} holds a YAML mapping, not a list of requests;"
        " start each request with '- '\n"
    )
    assert fake_api.requests == []


def test_serve_without_the_server_extra(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_server(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("chart_img_server"):
            raise ModuleNotFoundError("No module named 'uvicorn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_server)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "chart-img-kit[server]" in result.stderr


def test_serve_passes_its_options_to_the_server(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import chart_img_server.__main__ as server_main

    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        return 0

    monkeypatch.setattr(server_main, "main", fake_main)
    result = runner.invoke(app, ["serve", "--port", "9001", "--storage-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen == [["--port", "9001", "--storage-dir", str(tmp_path)]]


def test_batch_names_each_file(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    batch = tmp_path / "charts.yaml"
    batch.write_text(
        "- {name: btc-daily, symbol: BINANCE:BTCUSDT, interval: 1D}\n"
        "- {name: eth.png, symbol: BINANCE:ETHUSDT}\n"
        "- {name: BTC-daily, theme: dark}\n"
        "- {name: ../escape}\n"
        "- {symbol: BYBIT:SOLUSDT}\n"
    )
    out = tmp_path / "images"
    result = invoke(runner, fake_api, "batch", str(batch), "-d", str(out), "--json")
    assert result.exit_code == 1, result.output
    errors = {item["number"]: item["error"] for item in json.loads(result.stdout)}
    assert errors[3] == "name 'BTC-daily' is already used by item 1"
    assert errors[4] == "name '../escape' must be a file name, without a directory or a leading dot"
    assert sorted(p.name for p in out.iterdir()) == ["005-BYBIT-SOLUSDT.png", "btc-daily.png",
                                                     "eth.png"]  # fmt: skip
    sent = [json.loads(request.content) for request in fake_api.requests]
    assert {"symbol": "BINANCE:BTCUSDT", "interval": "1D"} in sent
    assert all("name" not in body for body in sent)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.jsonl", "", "holds no requests"),
        ("blank.jsonl", "\n  \n", "holds no requests"),
        ("empty.yaml", "", "holds no requests"),
        ("comments.yml", "# nothing yet\n", "holds no requests"),
        ("list.yaml", "[]\n", "holds no requests"),
        ("scalar.yaml", "just words\n", "holds a YAML str"),
        ("broken.yaml", "- {symbol: [\n", "is not valid YAML"),
    ],
)
def test_a_batch_file_without_requests_is_a_usage_error(
    runner: CliRunner, fake_api: FakeApi, tmp_path: Path, name: str, content: str, problem: str
) -> None:
    batch = tmp_path / name
    batch.write_text(content)
    result = invoke(runner, fake_api, "batch", str(batch), "-d", str(tmp_path / "out"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"chart-img: {batch} {problem}")
    assert "ValueError" not in line
    assert "captured" not in result.stdout
    assert fake_api.requests == []


def test_exit_codes_in_help_readme_and_docs(runner: CliRunner) -> None:
    root = Path(__file__).parents[2]
    rows = [(str(row.code), row.meaning) for row in EXIT_CODE_TABLE]
    help_lines = [
        " ".join(line.split()) for line in runner.invoke(app, ["--help"]).stdout.splitlines()
    ]
    assert [
        f"{code} {meaning}" for code, meaning in rows if f"{code} {meaning}" not in help_lines
    ] == []
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert [row for row in rows if f"| {row[0]} | {row[1]} |" not in readme] == []
    assert "<!-- client:exit-codes -->" in (root / "docs/guides/errors.md").read_text("utf-8")


def test_the_docs_hook_renders_the_exit_code_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "docs" / "hooks"))
    from chart_img_docs._site import _client_part

    rendered = _client_part("exit-codes")
    assert [
        row for row in EXIT_CODE_TABLE if f"| `{row.code}` | {row.meaning} |" not in rendered
    ] == []


def test_serve_passes_processes_and_render_threads(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chart_img_server.__main__ as server_main

    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        return 0

    monkeypatch.setattr(server_main, "main", fake_main)
    result = runner.invoke(app, ["serve", "--processes", "4", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert seen == [["--render-threads", "3", "--processes", "4"]]
