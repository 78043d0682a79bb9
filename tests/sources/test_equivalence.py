"""Through the adapters over their fakes, the same series as the synthetic source.

The top traders' ratios (Binance USDⓈ-M, COIN-M, OKX) and the market-cap ratio (CoinGecko):
the fakes serve the synthetic market in each upstream's shapes, and the chart derives the
same values as the synthetic source's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from chart_img_server import market
from chart_img_server.rendering import synthetic_data

from tests.fakes._common import FakeUpstream

from .conftest import MARKET_CAP_RATIO, NOW, TOP_ACCOUNTS, TOP_POSITIONS, Upstreams, chart


def _values(series: market.StudySeries) -> list[np.ndarray]:
    return [
        getattr(series, f.name)
        for f in dataclasses.fields(series)
        if isinstance(getattr(series, f.name), np.ndarray)
    ]


def _asked(upstream: Upstreams, symbol: str, study: str) -> FakeUpstream[Any]:
    """The fake the study's data must have come from."""
    if study == MARKET_CAP_RATIO:
        return upstream.coingecko
    if symbol.startswith("OKX"):
        return upstream.okx
    return upstream.coin_m if symbol.endswith("USD.P") else upstream.usdm


@pytest.mark.parametrize("symbol", ["BINANCE:BTCUSDT.P", "BINANCE:BTCUSD.P", "OKX:ETHUSDT.P"])
@pytest.mark.parametrize("interval", ["5m", "1h", "4h", "1D"])
@pytest.mark.parametrize("study", [TOP_ACCOUNTS, TOP_POSITIONS, MARKET_CAP_RATIO])
async def test_the_same_values_as_the_synthetic_source(
    upstreams: Callable[..., Upstreams], symbol: str, interval: str, study: str
) -> None:
    upstream = upstreams()
    request = chart(symbol, interval, study)
    real = await upstream.data(request)
    invented = synthetic_data(request, NOW)
    (real_plan,), (invented_plan,) = real.plan.studies, invented.plan.studies
    ours = market.derive_study(real_plan, market.price_bars(real), real)
    theirs = market.derive_study(invented_plan, market.price_bars(invented), invented)
    assert _asked(upstream, symbol, study).calls
    assert np.isfinite(_values(ours)[0]).sum() > 0
    if study == MARKET_CAP_RATIO or interval != "1D":
        for a, b in zip(_values(ours), _values(theirs), strict=True):
            assert np.array_equal(a, b, equal_nan=True)
    else:  # Binance keeps 30 days: a daily chart shows those, the rest is empty
        for a, b in zip(_values(ours), _values(theirs), strict=True):
            shown = np.isfinite(a)
            assert 25 <= shown.sum() <= 31 or not symbol.startswith("BINANCE")
            assert np.array_equal(a[shown], b[shown])
