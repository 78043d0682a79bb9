"""The reference server in the Coinalyze mode with all four upstreams' fakes on 127.0.0.1.

Every study draws from its real source for Binance and OKX perpetuals; the rest answer an
explained 422.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from chart_img_server import RunningServer, Settings, running_server
from chart_img_server.spec import load_spec
from PIL import Image

from tests.fakes.binance import running_fake_binance
from tests.fakes.coinalyze import running_fake_coinalyze
from tests.fakes.coingecko import running_fake_coingecko
from tests.fakes.okx import running_fake_okx
from tests.server.conftest import CHART_PATH

from .conftest import NOW, TOP_ACCOUNTS

KEY = "server-key"
STUDIES: list[str] = list(load_spec().schema("Study")["enum"])


@contextlib.contextmanager
def _serving(tmp_path: Path) -> Iterator[RunningServer]:
    unlimited = 1_000_000
    clock = lambda: NOW  # noqa: E731
    with (
        running_fake_coinalyze(now=clock, calls_per_minute=unlimited) as coinalyze,
        running_fake_binance(now=clock) as usdm,
        running_fake_binance(now=clock, coin_margined=True) as coin_m,
        running_fake_okx(now=clock, requests_per_window=unlimited) as okx,
        running_fake_coingecko(now=clock) as coingecko,
    ):
        settings = Settings(
            keys=(KEY,),
            storage_dir=tmp_path / "storage",
            rate_limit=0,
            clock=clock,
            market="coinalyze",
            coinalyze_url=coinalyze.base_url,
            coinalyze_api_key=coinalyze.api_key,
            coinalyze_calls_per_minute=unlimited,
            binance_futures_url=usdm.base_url,
            binance_coin_futures_url=coin_m.base_url,
            okx_url=okx.base_url,
            okx_calls_per_minute=unlimited,
            coingecko_url=coingecko.base_url,
            coingecko_api_key=coingecko.api_key,
            coingecko_calls_per_minute=unlimited,
        )
        with running_server(settings) as server:
            yield server


def _post(server: RunningServer, body: dict[str, object]) -> httpx.Response:
    url = f"{server.base_url}{CHART_PATH}"
    return httpx.post(url, json=body, headers={"x-api-key": KEY}, timeout=60)


@pytest.mark.parametrize("symbol", ["BINANCE:BTCUSDT.P", "BINANCE:BTCUSD.P", "OKX:ETHUSDT.P"])
def test_all_39_studies_draw_from_real_sources(tmp_path: Path, symbol: str) -> None:
    with _serving(tmp_path) as server:
        response = _post(
            server,
            {"symbol": symbol, "interval": "4h", "width": 2048, "height": 1920, "studies": STUDIES},
        )
    assert response.status_code == 200, response.text
    assert Image.open(io.BytesIO(response.content)).size == (2048, 1920)


def test_top_traders_elsewhere_answer_an_explained_422(tmp_path: Path) -> None:
    with _serving(tmp_path) as server:
        response = _post(server, {"symbol": "BYBIT:BTCUSDT.P", "studies": [TOP_ACCOUNTS]})
    assert response.status_code == 422
    assert response.json() == {
        "message": f'Study "{TOP_ACCOUNTS}" is available for BINANCE and OKX symbols only'
    }
