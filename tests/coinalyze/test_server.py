"""The reference server with CHART_IMG_SERVER_MARKET=coinalyze, over the fake on 127.0.0.1."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from chart_img.cli import app as cli_app
from chart_img_server import RunningServer, Settings, running_server
from chart_img_server.spec import load_spec
from PIL import Image
from typer.testing import CliRunner

from tests.fakes.coinalyze import FakeCoinalyze, running_fake_coinalyze
from tests.server.conftest import CHART_PATH, LIST_PATH, SYMBOLS_PATH, assert_documented

from .conftest import NOW

KEY = "server-key"
HEADERS = {"x-api-key": KEY}


@contextlib.contextmanager
def _serving(
    tmp_path: Path, **fake_options: object
) -> Iterator[tuple[RunningServer, FakeCoinalyze]]:
    with running_fake_coinalyze(now=lambda: NOW, **fake_options) as fake:  # type: ignore[arg-type]
        settings = Settings(
            keys=(KEY,),
            storage_dir=tmp_path / "storage",
            rate_limit=0,
            clock=lambda: NOW,
            market="coinalyze",
            coinalyze_url=fake.base_url,
            coinalyze_api_key=fake.api_key,
            render_timeout=5.0,
        )
        with running_server(settings) as server:
            yield server, fake


def _post(server: RunningServer, body: Mapping[str, object]) -> httpx.Response:
    return httpx.post(f"{server.base_url}{CHART_PATH}", json=body, headers=HEADERS, timeout=30)


def test_lists_upstream_s_exchanges_and_symbols(tmp_path: Path) -> None:
    spec = load_spec()
    with _serving(tmp_path) as (server, _fake):
        listing = httpx.get(f"{server.base_url}{LIST_PATH}", headers=HEADERS)
        symbols = httpx.get(f"{server.base_url}/v3/coinalyze/exchange/okx", headers=HEADERS)
    assert listing.status_code == 200
    assert_documented(spec, listing, LIST_PATH, "get")
    assert {"BINANCE", "OKX", "HYPERLIQUID"} <= set(listing.json()["payload"])
    assert listing.json()["updatedAt"] == "2024-08-12T14:21:16.952Z"
    assert symbols.status_code == 200
    assert_documented(spec, symbols, SYMBOLS_PATH, "get")
    assert "BTCUSDT.P" in symbols.json()["payload"]


def test_draws_real_data_and_refuses_what_upstream_does_not_list(tmp_path: Path) -> None:
    with _serving(tmp_path) as (server, fake):
        chart = _post(
            server, {"interval": "4h", "studies": ["Aggregated CVD Spot", "Open Interest"]}
        )
        unknown = _post(server, {"symbol": "BINANCE:NOSUCHUSDT.P"})
        top = _post(
            server,
            {"symbol": "BYBIT:BTCUSDT.P", "studies": ["Long/Short Positions Ratio Top Traders"]},
        )
    assert chart.status_code == 200, chart.text
    assert Image.open(io.BytesIO(chart.content)).size == (800, 600)
    assert all(call.status == 200 for call in fake.calls)
    assert unknown.status_code == 422
    assert unknown.json() == {"message": "Invalid Symbol"}
    assert top.status_code == 422
    assert top.json() == {
        "message": 'Study "Long/Short Positions Ratio Top Traders" is available '
        "for BINANCE and OKX symbols only"
    }


def test_a_rejected_upstream_key_is_a_502_that_names_coinalyze_and_never_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = load_spec()
    with _serving(tmp_path) as (server, fake), caplog.at_level(logging.INFO):
        fake.fail_next(401, None)
        response = _post(server, {"symbol": "BYBIT:SOLUSDT.P"})
        secret = fake.api_key
    assert response.status_code == 502
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json() == {"message": "Market Data Unavailable"}
    assert "market data from coinalyze failed: rejected the API key" in caplog.text
    assert secret not in caplog.text


def test_an_exhausted_budget_answers_429_with_retry_after(tmp_path: Path) -> None:
    spec = load_spec()
    body = {
        "studies": [
            "Aggregated Open Interest STABLECOIN+COIN-margined Contracts",
            "Aggregated Liquidations STABLECOIN+COIN-margined Contracts",
        ]
    }
    with _serving(tmp_path, calls_per_minute=40) as (server, fake):
        response = _post(server, body)
    assert response.status_code == 429
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json() == {"message": "Market Data Rate Limited"}
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert all(call.status == 200 for call in fake.calls)  # the server kept within the budget


def test_a_slow_upstream_is_a_504_within_the_request_s_time(tmp_path: Path) -> None:
    with _serving(tmp_path) as (server, fake):
        fake.slow_down(60.0)  # far beyond the server's 5 s for a chart
        response = _post(server, {"symbol": "BYBIT:SOLUSDT.P"})
        fake.release_stalls()
    assert response.status_code == 504
    assert response.json() == {"message": "Process Timeout"}


def test_until_the_catalogue_loads_the_answer_is_502(tmp_path: Path) -> None:
    spec = load_spec()
    with running_fake_coinalyze(now=lambda: NOW) as fake:
        fake.fail_next(500, None)
        settings = Settings(
            keys=(KEY,),
            storage_dir=tmp_path / "storage",
            clock=lambda: NOW,
            market="coinalyze",
            coinalyze_url=fake.base_url,
            coinalyze_api_key=fake.api_key,
            render_timeout=2.0,
        )
        with running_server(settings) as server:
            response = httpx.get(f"{server.base_url}{LIST_PATH}", headers=HEADERS)
    assert response.status_code == 502
    assert_documented(spec, response, LIST_PATH, "get")


def test_the_demo_draws_the_examples_from_coinalyze(tmp_path: Path) -> None:
    with running_fake_coinalyze(calls_per_minute=1_000_000) as fake:
        environment = {
            "COINALYZE_API_KEY": fake.api_key,
            "CHART_IMG_SERVER_COINALYZE_URL": fake.base_url,
            "CHART_IMG_SERVER_COINALYZE_CALLS_PER_MINUTE": "1000000",
        }
        result = CliRunner(env=environment).invoke(
            cli_app, ["demo", "--market", "coinalyze", "--out-dir", str(tmp_path / "out")]
        )
    assert result.exit_code == 0, result.output
    assert "coinalyze market data" in result.stdout
    assert len(list((tmp_path / "out").iterdir())) == 4
    assert {call.path for call in fake.calls} >= {"/ohlcv-history", "/liquidation-history"}
