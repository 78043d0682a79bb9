"""Synthetic market data: aligned bars, realistic levels and the shape of each series."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from chart_img_server import market

from .conftest import NOW

UTC = datetime.UTC


def _opens(interval: str, now: datetime.datetime, count: int = 30) -> list[datetime.datetime]:
    bars = market.bars_for("BINANCE:BTCUSDT.P", interval, now, count)
    return [datetime.datetime.fromtimestamp(int(t), UTC) for t in bars.time]


@pytest.mark.parametrize(
    ("interval", "expected_last_open"),
    [
        ("1m", datetime.datetime(2024, 8, 12, 14, 21, tzinfo=UTC)),
        ("5m", datetime.datetime(2024, 8, 12, 14, 20, tzinfo=UTC)),
        ("15m", datetime.datetime(2024, 8, 12, 14, 15, tzinfo=UTC)),
        ("30m", datetime.datetime(2024, 8, 12, 14, 0, tzinfo=UTC)),
        ("1h", datetime.datetime(2024, 8, 12, 14, 0, tzinfo=UTC)),
        ("2h", datetime.datetime(2024, 8, 12, 14, 0, tzinfo=UTC)),
        ("4h", datetime.datetime(2024, 8, 12, 12, 0, tzinfo=UTC)),
        ("6h", datetime.datetime(2024, 8, 12, 12, 0, tzinfo=UTC)),
        ("12h", datetime.datetime(2024, 8, 12, 12, 0, tzinfo=UTC)),
        ("1D", datetime.datetime(2024, 8, 12, tzinfo=UTC)),
        ("1W", datetime.datetime(2024, 8, 12, tzinfo=UTC)),  # a Monday
        ("1M", datetime.datetime(2024, 8, 1, tzinfo=UTC)),
    ],
)
def test_last_bar_is_aligned_to_the_interval(
    interval: str, expected_last_open: datetime.datetime
) -> None:
    opens = _opens(interval, NOW)
    assert opens[-1] == expected_last_open
    assert opens == sorted(set(opens))


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    sunday = datetime.datetime(2024, 8, 18, 23, 59, tzinfo=UTC)
    assert {o.weekday() for o in _opens("1W", sunday)} == {0}
    assert _opens("1W", sunday)[-1] == datetime.datetime(2024, 8, 12, tzinfo=UTC)
    months = _opens("1M", NOW, 14)
    assert {o.day for o in months} == {1}
    assert months[0] == datetime.datetime(2023, 7, 1, tzinfo=UTC)


def test_bar_count_and_ohlc_consistency() -> None:
    bars = market.bars_for("BINANCE:ETHUSDT", "15m", NOW, 120)
    assert len(bars) == 120
    assert (bars.high >= np.maximum(bars.open, bars.close)).all()
    assert (bars.low <= np.minimum(bars.open, bars.close)).all()
    assert (bars.low > 0).all()
    assert (bars.volume > 0).all()
    assert np.array_equal(bars.open[1:], bars.close[:-1])


def test_a_bar_keeps_its_values_when_time_moves_on() -> None:
    earlier = market.bars_for("BINANCE:BTCUSDT.P", "1h", NOW, 50)
    later = market.bars_for("BINANCE:BTCUSDT.P", "1h", NOW + datetime.timedelta(hours=5), 50)
    shared = np.intersect1d(earlier.time[:-1], later.time[:-1])
    assert len(shared) > 40
    pick_a, pick_b = np.isin(earlier.time, shared), np.isin(later.time, shared)
    assert np.allclose(earlier.close[pick_a], later.close[pick_b])


def test_intervals_agree_on_the_current_price() -> None:
    closes = [
        market.bars_for("BINANCE:BTCUSDT.P", i, NOW, 20).close[-1] for i in ("1m", "1h", "1D")
    ]
    assert max(closes) == pytest.approx(min(closes), rel=1e-12)


@pytest.mark.parametrize(
    ("ticker", "base", "quote", "multiplier"),
    [
        ("BTCUSDT.P", "BTC", "USDT", 1),
        ("1000PEPEUSDT.P", "PEPE", "USDT", 1000),
        ("ETHBTC", "ETH", "BTC", 1),
        ("1INCHUSDT", "1INCH", "USDT", 1),
        ("SOLFDUSD", "SOL", "FDUSD", 1),
        ("BTCUSD.P", "BTC", "USD", 1),
        ("BTC-PERPETUAL", "BTC", "USD", 1),
    ],
)
def test_ticker_parsing(ticker: str, base: str, quote: str, multiplier: int) -> None:
    asset = market.parse_asset(ticker)
    assert (asset.base, asset.quote, asset.multiplier) == (base, quote, multiplier)


@pytest.mark.parametrize("interval", ["1m", "1h", "1D", "1W", "1M"])
def test_bitcoin_price_is_plausible(interval: str) -> None:
    bars = market.bars_for("BINANCE:BTCUSDT.P", interval, NOW, 200)
    assert bars.low.min() > 10_000
    assert bars.high.max() < 500_000


def test_price_levels_follow_the_asset() -> None:
    btc = market.bars_for("BINANCE:BTCUSDT", "1h", NOW, 10).close[-1]
    eth = market.bars_for("BINANCE:ETHUSDT", "1h", NOW, 10).close[-1]
    pepe = market.bars_for("BINANCE:1000PEPEUSDT.P", "1h", NOW, 10).close[-1]
    eth_btc = market.bars_for("BINANCE:ETHBTC", "1h", NOW, 10).close[-1]
    assert 5 < btc / eth < 60
    assert 0.0005 < pepe < 0.1
    assert 0.01 < eth_btc < 0.2


def test_unknown_assets_are_stable_and_reasonable() -> None:
    first = market.parse_asset("ZZTOPUSDT")
    assert first == market.parse_asset("ZZTOPUSDT")
    assert 1e-3 <= first.price <= 100
    assert 0.5 < first.annual_volatility < 2


def test_volatility_scales_with_the_interval() -> None:
    def spread(interval: str) -> float:
        bars = market.bars_for("BINANCE:BTCUSDT", interval, NOW, 400)
        return float(np.std(np.log(bars.close / bars.open)))

    minute, hour, day = spread("1m"), spread("1h"), spread("1D")
    assert minute < hour < day
    assert 4 < hour / minute < 12  # about sqrt(60)
    assert 0.01 < day < 0.06  # bitcoin's daily moves


def _series(name: str, interval: str = "1h", count: int = 300) -> market.StudySeries:
    return market.study_series(name, market.bars_for("BINANCE:BTCUSDT.P", interval, NOW, count))


@pytest.mark.parametrize(
    "name",
    [
        "Long/Short Accounts Ratio",
        "Aggregated Long/Short Accounts Ratio",
        "Long/Short Positions Ratio Top Traders",
    ],
)
def test_long_short_ratios_hover_around_one(name: str) -> None:
    series = _series(name)
    assert isinstance(series, market.Line)
    assert series.baseline == 1.0
    assert 0.75 < float(np.median(series.values)) < 1.35
    assert (series.values > 0).all()


@pytest.mark.parametrize("name", ["Funding Rate", "Aggregated Predicted Funding Rate"])
def test_funding_is_a_small_percentage_around_zero(name: str) -> None:
    series = _series(name)
    assert isinstance(series, market.Columns)
    assert series.unit == "%"
    assert abs(float(np.median(series.values))) < 0.05
    assert np.abs(series.values).max() < 0.5
    assert (series.values < 0).any() or (series.values > 0).all()


def test_funding_ohlc_is_candles() -> None:
    series = _series("Funding Rate OHLC")
    assert isinstance(series, market.Candles)
    assert (series.high >= np.maximum(series.open, series.close)).all()
    assert (series.low <= np.minimum(series.open, series.close)).all()


def test_cvd_is_cumulative() -> None:
    """Shifting the window by a bar shifts the curve by a constant: it is a running sum."""
    bars_a = market.bars_for("BINANCE:BTCUSDT.P", "1h", NOW, 100)
    bars_b = market.bars_for("BINANCE:BTCUSDT.P", "1h", NOW - datetime.timedelta(hours=1), 100)
    a = market.study_series("Aggregated CVD Spot", bars_a)
    b = market.study_series("Aggregated CVD Spot", bars_b)
    assert isinstance(a, market.Line)
    assert isinstance(b, market.Line)
    # Bars shared by both windows, last (still forming) bar excluded.
    assert np.allclose(np.diff(a.values[:-2]), np.diff(b.values[1:-1]), rtol=1e-9)
    assert np.ptp(a.values) > np.abs(np.diff(a.values)).max()


def test_open_interest_is_a_positive_line() -> None:
    series = _series("Open Interest")
    assert isinstance(series, market.Line)
    assert (series.values > 0).all()


@pytest.mark.parametrize(
    ("name", "two_sided"),
    [("Liquidations", True), ("Buy / Sell Volume", True), ("Longs Liquidation", False)],
)
def test_bar_studies_sides(name: str, two_sided: bool) -> None:
    series = _series(name)
    assert isinstance(series, market.Mirrored)
    assert (series.above >= 0).all()
    assert (series.below is not None) == two_sided
    if series.below is not None:
        assert (series.below >= 0).all()


def test_longs_and_shorts_liquidations_take_opposite_colours() -> None:
    longs, shorts = _series("Longs Liquidation"), _series("Shorts Liquidation")
    assert isinstance(longs, market.Mirrored)
    assert isinstance(shorts, market.Mirrored)
    assert {longs.above_side, shorts.above_side} == {market.Side.UP, market.Side.DOWN}


def test_buy_sell_pressure_oscillates_around_zero() -> None:
    series = _series("Buy Sell Pressure")
    assert isinstance(series, market.Line)
    assert series.baseline == 0.0
    assert (series.values > 0).any()
    assert (series.values < 0).any()


def test_open_interest_delta_is_signed() -> None:
    series = _series("Open Interest Delta")
    assert isinstance(series, market.Columns)
    assert (series.values > 0).any()
    assert (series.values < 0).any()


@pytest.mark.parametrize(
    "name", ["Liquidations Profile Visible Range", "Open Interest Delta Profile Visible Range"]
)
def test_profiles_span_the_visible_price_range(name: str) -> None:
    bars = market.bars_for("BINANCE:BTCUSDT.P", "1h", NOW, 200)
    series = market.study_series(name, bars)
    assert isinstance(series, market.Profile)
    assert series.edges[0] == pytest.approx(bars.low.min())
    assert series.edges[-1] == pytest.approx(bars.high.max())
    assert len(series.first) == len(series.second) == len(series.edges) - 1
    assert (series.first >= 0).all()
    assert (series.first + series.second).sum() > 0


def test_interval_parsing() -> None:
    assert market.Interval.parse("15m").seconds == 900
    assert market.Interval.parse("1W").seconds == 7 * 86400
    with pytest.raises(ValueError, match="not an interval"):
        market.Interval.parse("14x")


@pytest.mark.parametrize("symbol", ["BINANCE:BTCUSDT.P", "BYBIT:SOLUSDT.P", "BINANCE:ETHUSDT.P"])
@pytest.mark.parametrize("interval", ["1m", "1h", "1D"])
def test_liquidations_are_spiky_but_no_single_bar_flattens_the_pane(
    symbol: str, interval: str
) -> None:
    bars = market.bars_for(symbol, interval, NOW, 120)
    for name in ("Liquidations", "Aggregated Liquidations STABLECOIN-margined Contracts"):
        series = market.study_series(name, bars)
        assert isinstance(series, market.Mirrored)
        assert series.below is not None
        total = series.above + series.below
        assert 5 < float(total.max() / np.median(total)) < 100, name
