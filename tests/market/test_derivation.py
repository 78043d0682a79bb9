"""The one derivation of the studies: shapes, formulas, aggregation and plans."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from chart_img_server import market
from chart_img_server.market import Family, Scope, SeriesKind

from .conftest import CATALOG, SOURCE, data, derived, market_of


@pytest.mark.parametrize(
    "name",
    [
        "Long/Short Accounts Ratio",
        "Aggregated Long/Short Accounts Ratio",
        "Long/Short Positions Ratio Top Traders",
    ],
)
def test_long_short_ratios_hover_around_one(name: str) -> None:
    series = derived(name)
    assert isinstance(series, market.Line)
    assert series.baseline == 1.0
    assert 0.75 < float(np.median(series.values)) < 1.35
    assert (series.values > 0).all()


@pytest.mark.parametrize("name", ["Funding Rate", "Aggregated Predicted Funding Rate"])
def test_funding_is_a_small_percentage_around_zero(name: str) -> None:
    series = derived(name)
    assert isinstance(series, market.Columns)
    assert series.unit == "%"
    assert abs(float(np.median(series.values))) < 0.05
    assert np.abs(series.values).max() < 0.5


def test_funding_ohlc_is_candles() -> None:
    series = derived("Funding Rate OHLC")
    assert isinstance(series, market.Candles)
    assert (series.high >= np.maximum(series.open, series.close)).all()
    assert (series.low <= np.minimum(series.open, series.close)).all()


def test_aggregated_funding_is_the_open_interest_weighted_mean() -> None:
    chart = data("BINANCE:BTCUSDT.P", ["Aggregated Funding Rate"])
    (plan,) = chart.plan.studies
    rates = np.vstack(
        [chart.series[market.Need(m, SeriesKind.FUNDING)]["close"] for m in plan.markets]
    )
    weights = np.vstack(
        [chart.series[market.Need(m, SeriesKind.OPEN_INTEREST)]["close"] for m in plan.markets]
    )
    series = market.derive_study(plan, market.price_bars(chart), chart)
    assert isinstance(series, market.Columns)
    expected = (rates * weights).sum(axis=0) / weights.sum(axis=0)
    assert np.allclose(series.values, expected, rtol=1e-12)
    assert len(plan.markets) > 10


def test_cvd_is_a_running_sum_from_the_first_bar_shown() -> None:
    """Shifting the window by a bar shifts the curve by a constant: it is a running sum."""
    hour = datetime.timedelta(hours=1)
    a = derived("Aggregated CVD Spot", count=100)
    b = derived("Aggregated CVD Spot", count=100, now=market_now() - hour)
    assert isinstance(a, market.Line)
    assert isinstance(b, market.Line)
    assert np.allclose(np.diff(a.values[:-2]), np.diff(b.values[1:-1]), rtol=1e-9)
    assert np.ptp(a.values) > np.abs(np.diff(a.values)).max()


def market_now() -> datetime.datetime:
    from .conftest import NOW

    return NOW


@pytest.mark.parametrize(
    "kind", ["Open Interest", "Liquidations", "Open Interest Delta", "CVD Futs."]
)
def test_both_margin_sets_add_up_to_the_whole(kind: str) -> None:
    """Aggregates are sums in one unit (USD): STABLECOIN + COIN-margined = the two together."""

    def values(margins: str) -> np.ndarray:
        name = f"Aggregated {kind} {margins}-margined Contracts"
        if kind == "CVD Futs." and margins == "STABLECOIN+COIN":
            name = "Aggregated CVD Futures"
        series = derived(name)
        if isinstance(series, market.Mirrored):
            assert series.below is not None
            return series.above + series.below
        assert isinstance(series, market.Line | market.Columns)
        return series.values

    whole = values("STABLECOIN+COIN")
    assert np.allclose(values("STABLECOIN") + values("COIN"), whole, rtol=1e-9)


def test_aggregates_read_only_perpetuals_in_usd_quotes_of_the_coin() -> None:
    chart = data("BINANCE:ETHUSDT", ["Aggregated Open Interest STABLECOIN+COIN-margined Contracts"])
    (plan,) = chart.plan.studies
    assert plan.recipe.scope is Scope.PERPETUALS
    assert {m.coin for m in plan.markets} == {"ETH"}
    assert all(m.perpetual and m.quote in market.AGGREGATE_QUOTES for m in plan.markets)
    assert market_of("BINANCE:ETHUSDT.P") in plan.markets


def test_open_interest_is_a_positive_line() -> None:
    series = derived("Open Interest")
    assert isinstance(series, market.Line)
    assert (series.values > 0).all()


@pytest.mark.parametrize(
    ("name", "two_sided"),
    [("Liquidations", True), ("Buy / Sell Volume", True), ("Longs Liquidation", False)],
)
def test_bar_studies_sides(name: str, two_sided: bool) -> None:
    series = derived(name)
    assert isinstance(series, market.Mirrored)
    assert (series.above >= 0).all()
    assert (series.below is not None) == two_sided
    if series.below is not None:
        assert (series.below >= 0).all()


def test_longs_and_shorts_liquidations_take_opposite_colours() -> None:
    longs, shorts = derived("Longs Liquidation"), derived("Shorts Liquidation")
    assert isinstance(longs, market.Mirrored)
    assert isinstance(shorts, market.Mirrored)
    assert {longs.above_side, shorts.above_side} == {market.Side.UP, market.Side.DOWN}


def test_buy_sell_pressure_is_the_taker_imbalance_in_percent() -> None:
    chart = data("BINANCE:BTCUSDT.P", ["Buy Sell Pressure"])
    series = derived("Buy Sell Pressure")
    assert isinstance(series, market.Line)
    assert series.baseline == 0.0
    volume, buys = chart.price["volume"], chart.price["buy_volume"]
    assert np.allclose(series.values, 100.0 * (buys - (volume - buys)) / volume)
    assert (series.values > 0).any()
    assert (series.values < 0).any()


def test_open_interest_delta_is_close_minus_open() -> None:
    chart = data("BINANCE:BTCUSDT.P", ["Open Interest Delta"])
    interest = chart.series[market.Need(market_of("BINANCE:BTCUSDT.P"), SeriesKind.OPEN_INTEREST)]
    series = derived("Open Interest Delta")
    assert isinstance(series, market.Columns)
    assert np.allclose(series.values, interest["close"] - interest["open"])
    assert (series.values > 0).any()
    assert (series.values < 0).any()


@pytest.mark.parametrize(
    "name", ["Liquidations Profile Visible Range", "Open Interest Delta Profile Visible Range"]
)
def test_profiles_span_the_visible_price_range(name: str) -> None:
    chart = data("BINANCE:BTCUSDT.P", [name], count=200)
    bars = market.price_bars(chart)
    series = derived(name, count=200)
    assert isinstance(series, market.Profile)
    assert series.edges[0] == pytest.approx(bars.low.min())
    assert series.edges[-1] == pytest.approx(bars.high.max())
    assert len(series.first) == len(series.second) == len(series.edges) - 1
    assert (series.first >= 0).all()
    assert (series.first + series.second).sum() > 0


@pytest.mark.parametrize("symbol", ["BINANCE:BTCUSDT.P", "BYBIT:SOLUSDT.P", "BINANCE:ETHUSDT.P"])
@pytest.mark.parametrize("interval", ["1m", "1h", "1D"])
def test_liquidations_are_spiky_but_no_single_bar_flattens_the_pane(
    symbol: str, interval: str
) -> None:
    for name in ("Liquidations", "Aggregated Liquidations STABLECOIN-margined Contracts"):
        series = derived(name, symbol, interval, count=120)
        assert isinstance(series, market.Mirrored)
        assert series.below is not None
        total = series.above + series.below
        assert 5 < float(total.max() / np.median(total)) < 100, name


def test_missing_bars_leave_gaps_not_zeros() -> None:
    """A market without data for a bar is left out of that bar's sum; no market, no value."""
    chart = data(
        "BINANCE:BTCUSDT.P", ["Aggregated Open Interest COIN-margined Contracts"], count=20
    )
    (plan,) = chart.plan.studies
    first, *others = plan.markets
    series = dict(chart.series)
    blanked = market.Series.empty(SeriesKind.OPEN_INTEREST, chart.window.time)
    series[market.Need(first, SeriesKind.OPEN_INTEREST)] = blanked
    for other in others:
        series[market.Need(other, SeriesKind.OPEN_INTEREST)] = blanked
    gaps = market.MarketData(chart.mark, chart.window, chart.plan, series)
    line = market.derive_study(plan, market.price_bars(gaps), gaps)
    assert isinstance(line, market.Line)
    assert np.isnan(line.values).all()


def test_every_family_reads_what_it_derives_from() -> None:
    assert market.recipe("Aggregated CVD Spot").scope is Scope.SPOT
    assert market.recipe("Aggregated Funding Rate").kinds == (
        SeriesKind.FUNDING,
        SeriesKind.OPEN_INTEREST,
    )
    assert market.recipe("Open Interest/Market Cap Ratio").family is Family.OPEN_INTEREST_MARKET_CAP
    assert market.recipe("Funding Rate").scope is Scope.CHART


def test_a_study_the_source_lacks_is_unavailable() -> None:
    def no_top_traders(kind: SeriesKind) -> bool:
        return kind not in (SeriesKind.TOP_TRADER_ACCOUNTS, SeriesKind.TOP_TRADER_POSITIONS)

    btc = market_of("BINANCE:BTCUSDT.P")
    with pytest.raises(market.StudyUnavailableError, match="not available from the test market"):
        market.plan_chart(
            btc, ["Long/Short Accounts Ratio Top Traders"], CATALOG, no_top_traders, "test"
        )


def test_an_aggregate_without_markets_is_drawn_empty() -> None:
    """Aggregated studies work with any symbol: a coin with no contracts has no values."""
    lonely = next(m for m in CATALOG.markets if not CATALOG.markets_of_coin(m.coin)[1:])
    name = "Aggregated Open Interest COIN-margined Contracts"
    chart = data(lonely.symbol, [name], count=20)
    (plan,) = chart.plan.studies
    assert plan.markets == ()
    assert chart.plan.needs == (market.Need(lonely, SeriesKind.OHLCV),)
    series = market.derive_study(plan, market.price_bars(chart), chart)
    assert isinstance(series, market.Line)
    assert np.isnan(series.values).all()


def test_a_plan_fetches_each_series_once_price_first() -> None:
    btc = market_of("BINANCE:BTCUSDT.P")
    plan = market.plan_chart(
        btc,
        ["Open Interest", "Open Interest Delta", "Buy / Sell Volume"],
        CATALOG,
        SOURCE.serves,
        SOURCE.name,
    )
    assert plan.needs == (
        market.Need(btc, SeriesKind.OHLCV),
        market.Need(btc, SeriesKind.OPEN_INTEREST),
    )
