"""The synthetic source: aligned bars, realistic levels, and series that never change."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from chart_img_server import market
from chart_img_server.market import SeriesKind

from .conftest import CATALOG, NOW, market_of, price, window

UTC = datetime.UTC


def _opens(interval: str, now: datetime.datetime, count: int = 30) -> list[datetime.datetime]:
    bars = price("BINANCE:BTCUSDT.P", interval, count, now)
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
    assert len(opens) == 30


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    sunday = datetime.datetime(2024, 8, 18, 23, 59, tzinfo=UTC)
    assert {o.weekday() for o in _opens("1W", sunday)} == {0}
    assert _opens("1W", sunday)[-1] == datetime.datetime(2024, 8, 12, tzinfo=UTC)
    months = _opens("1M", NOW, 14)
    assert {o.day for o in months} == {1}
    assert months[0] == datetime.datetime(2023, 7, 1, tzinfo=UTC)


def test_weeks_and_months_are_built_from_the_days() -> None:
    """A source without weekly bars builds them from daily ones: the synthetic one does too."""
    days = price("BINANCE:ETHUSDT", "1D", 40)
    weeks = price("BINANCE:ETHUSDT", "1W", 4)
    last_week = days.between(int(weeks.time[-1]), int(days.time[-1]))
    assert weeks["open"][-1] == last_week["open"][0]
    assert weeks["close"][-1] == last_week["close"][-1]
    assert weeks["high"][-1] == last_week["high"].max()
    assert weeks["volume"][-1] == pytest.approx(last_week["volume"].sum(), rel=1e-12)


def test_bar_count_and_ohlc_consistency() -> None:
    bars = price("BINANCE:ETHUSDT", "15m", 120)
    assert len(bars) == 120
    assert (bars["high"] >= np.maximum(bars["open"], bars["close"])).all()
    assert (bars["low"] <= np.minimum(bars["open"], bars["close"])).all()
    assert (bars["low"] > 0).all()
    assert (bars["volume"] > 0).all()
    assert (bars["buy_volume"] <= bars["volume"]).all()
    assert (bars["buy_trades"] <= bars["trades"]).all()
    assert np.array_equal(bars["open"][1:], bars["close"][:-1])


@pytest.mark.parametrize("kind", list(SeriesKind))
@pytest.mark.parametrize("interval", ["1h", "1W"])
def test_a_closed_bar_keeps_its_values_when_time_moves_on(kind: SeriesKind, interval: str) -> None:
    """What a cache of closed bars relies on: only the forming bar ever changes."""
    btc = market_of("BINANCE:BTCUSDT.P")
    later = NOW + datetime.timedelta(seconds=5 * market.Interval.parse(interval).seconds)
    earlier_bars = market.synthetic_series(btc, kind, window(interval, 50))
    later_bars = market.synthetic_series(btc, kind, window(interval, 60, later))
    closed = earlier_bars.time[:-1]
    again = later_bars.aligned(closed)
    assert np.isfinite(again[next(iter(again.columns))]).all()
    for name in earlier_bars.columns:
        assert np.array_equal(earlier_bars[name][:-1], again[name]), name


def test_intervals_agree_on_the_current_price() -> None:
    closes = [price("BINANCE:BTCUSDT.P", i, 20)["close"][-1] for i in ("1m", "1h", "1D")]
    assert max(closes) == pytest.approx(min(closes), rel=1e-12)


@pytest.mark.parametrize("interval", ["1m", "1h", "1D", "1W", "1M"])
def test_bitcoin_price_is_plausible(interval: str) -> None:
    bars = price("BINANCE:BTCUSDT.P", interval, 200)
    assert bars["low"].min() > 10_000
    assert bars["high"].max() < 500_000


def test_price_levels_follow_the_asset() -> None:
    btc = price("BINANCE:BTCUSDT", "1h", 10)["close"][-1]
    eth = price("BINANCE:ETHUSDT", "1h", 10)["close"][-1]
    pepe = price("BINANCE:1000PEPEUSDT.P", "1h", 10)["close"][-1]
    eth_btc = price("BINANCE:ETHBTC", "1h", 10)["close"][-1]
    assert 5 < btc / eth < 60
    assert 0.0005 < pepe < 0.1
    assert 0.01 < eth_btc < 0.2


def test_volatility_scales_with_the_interval() -> None:
    def spread(interval: str) -> float:
        bars = price("BINANCE:BTCUSDT", interval, 400)
        return float(np.std(np.log(bars["close"] / bars["open"])))

    minute, hour, day = spread("1m"), spread("1h"), spread("1D")
    assert minute < hour < day
    assert 4 < hour / minute < 12  # about sqrt(60)
    assert 0.01 < day < 0.06  # bitcoin's daily moves


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


def test_unknown_assets_are_stable_and_reasonable() -> None:
    first = market.parse_asset("ZZTOPUSDT")
    assert first == market.parse_asset("ZZTOPUSDT")
    assert 1e-3 <= first.price <= 100
    assert 0.5 < first.annual_volatility < 2


def test_the_catalogue_describes_each_market() -> None:
    coin_margined = market_of("BINANCE:BTCUSD.P")
    stable = market_of("BINANCE:1000PEPEUSDT.P")
    spot = market_of("BINANCE:BTCUSDT")
    assert (coin_margined.margined, coin_margined.denomination) == (
        market.Margin.COIN,
        market.Denomination.QUOTE,
    )
    assert (stable.margined, stable.base, stable.coin) == (market.Margin.STABLE, "1000PEPE", "PEPE")
    assert spot.margined is None
    assert market_of("BITMEX:XBTUSD.P").coin == "BTC"
    assert len({m.exchange for m in CATALOG.markets_of_coin("BTC") if m.perpetual}) >= 15


def test_exchange_ids_are_ascii_case_insensitive() -> None:
    assert CATALOG.symbols("binance") == CATALOG.symbols("BINANCE")
    assert CATALOG.symbols("b\u0131nance") is None  # dotless i upper-cases to I
    assert CATALOG.market("BINANCE", "btcusdt.p") is not None
