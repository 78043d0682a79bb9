"""The one derivation of the 39 studies from raw per-market series, for every source.

A study's name says what it is: its family (open interest, funding, CVD, ...) and, for
`Aggregated` studies, the set of markets it sums over. `plan_chart` turns a chart's studies
into the raw series to fetch; `derive_study` turns those series into what is drawn.

The formulas the API's documentation leaves open are decided here, once, and recorded in the
spec's decisions:

- **Aggregates** sum the coin's perpetual contracts (or spot pairs, for CVD Spot) quoted in
  `AGGREGATE_QUOTES`, on every exchange, in USD: open interest and liquidations as the source
  converts them, volume as volume x close for base-denominated markets.
- **Aggregated funding** is the open-interest-weighted mean of the contracts' funding rates.
- **Aggregated long/short ratio** is the mean long share over the mean short share of the
  markets that publish one.
- **CVD** is the running sum of taker buys minus sells, `2*buy - volume` per bar, anchored at
  zero before the first bar the chart shows.
- **Buy Sell Pressure** is `100 * (2*buy - volume) / volume`: the taker imbalance of each bar,
  in percent of its volume (-100 % all sells, +100 % all buys).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._catalog import Catalog, Denomination, Margin, Market
from ._intervals import Interval, Window
from ._noise import FloatArray, IntArray
from ._series import Series, SeriesKind
from ._shapes import Candles, Columns, Line, Mirrored, Profile, Side, StudySeries

AGGREGATE_QUOTES = frozenset({"USD", "USDT", "USDC", "BUSD"})
PROFILE_ROWS = 48


class UnknownStudyError(ValueError):
    """A study name that no family recognises."""


class StudyUnavailableError(ValueError):
    """A study that cannot be drawn for this chart from this source; the message says why."""


class Family(enum.Enum):
    OPEN_INTEREST = "open interest"
    OPEN_INTEREST_DELTA = "open interest delta"
    OPEN_INTEREST_DELTA_PROFILE = "open interest delta profile"
    FUNDING = "funding rate"
    FUNDING_OHLC = "funding rate candles"
    PREDICTED_FUNDING = "predicted funding rate"
    PREDICTED_FUNDING_OHLC = "predicted funding rate candles"
    LIQUIDATIONS = "liquidations"
    LONGS_LIQUIDATION = "longs liquidated"
    SHORTS_LIQUIDATION = "shorts liquidated"
    LIQUIDATIONS_PROFILE = "liquidations profile"
    BUY_SELL_VOLUME = "buy / sell volume"
    BUY_SELL_COUNT = "buy / sell count"
    PRESSURE = "buy sell pressure"
    CVD = "cumulative volume delta"
    LONG_SHORT_RATIO = "long/short accounts ratio"
    TOP_TRADER_ACCOUNTS = "top traders' long/short accounts ratio"
    TOP_TRADER_POSITIONS = "top traders' long/short positions ratio"
    OPEN_INTEREST_MARKET_CAP = "open interest over market cap"


# First match wins: the more specific names come first.
_FAMILY_RULES: tuple[tuple[tuple[str, ...], Family], ...] = (
    (("Open Interest/Market Cap Ratio",), Family.OPEN_INTEREST_MARKET_CAP),
    (("Top Traders", "Accounts"), Family.TOP_TRADER_ACCOUNTS),
    (("Top Traders", "Positions"), Family.TOP_TRADER_POSITIONS),
    (("Long/Short Accounts Ratio",), Family.LONG_SHORT_RATIO),
    (("Liquidations Profile",), Family.LIQUIDATIONS_PROFILE),
    (("Open Interest Delta Profile",), Family.OPEN_INTEREST_DELTA_PROFILE),
    (("Predicted Funding Rate OHLC",), Family.PREDICTED_FUNDING_OHLC),
    (("Funding Rate OHLC",), Family.FUNDING_OHLC),
    (("Predicted Funding Rate",), Family.PREDICTED_FUNDING),
    (("Funding Rate",), Family.FUNDING),
    (("Open Interest Delta",), Family.OPEN_INTEREST_DELTA),
    (("Open Interest",), Family.OPEN_INTEREST),
    (("CVD",), Family.CVD),
    (("Buy Sell Pressure",), Family.PRESSURE),
    (("Buy / Sell Count",), Family.BUY_SELL_COUNT),
    (("Buy / Sell Volume",), Family.BUY_SELL_VOLUME),
    (("Longs Liquidation",), Family.LONGS_LIQUIDATION),
    (("Shorts Liquidation",), Family.SHORTS_LIQUIDATION),
    (("Liquidations",), Family.LIQUIDATIONS),
)

_OPEN_INTEREST = (SeriesKind.OPEN_INTEREST,)
_LIQUIDATIONS = (SeriesKind.LIQUIDATIONS,)
_OHLCV = (SeriesKind.OHLCV,)
_KINDS: Mapping[Family, tuple[SeriesKind, ...]] = {
    Family.OPEN_INTEREST: _OPEN_INTEREST,
    Family.OPEN_INTEREST_DELTA: _OPEN_INTEREST,
    Family.OPEN_INTEREST_DELTA_PROFILE: _OPEN_INTEREST,
    Family.FUNDING: (SeriesKind.FUNDING,),
    Family.FUNDING_OHLC: (SeriesKind.FUNDING,),
    Family.PREDICTED_FUNDING: (SeriesKind.PREDICTED_FUNDING,),
    Family.PREDICTED_FUNDING_OHLC: (SeriesKind.PREDICTED_FUNDING,),
    Family.LIQUIDATIONS: _LIQUIDATIONS,
    Family.LONGS_LIQUIDATION: _LIQUIDATIONS,
    Family.SHORTS_LIQUIDATION: _LIQUIDATIONS,
    Family.LIQUIDATIONS_PROFILE: _LIQUIDATIONS,
    Family.BUY_SELL_VOLUME: _OHLCV,
    Family.BUY_SELL_COUNT: _OHLCV,
    Family.PRESSURE: _OHLCV,
    Family.CVD: _OHLCV,
    Family.LONG_SHORT_RATIO: (SeriesKind.LONG_SHORT_RATIO,),
    Family.TOP_TRADER_ACCOUNTS: (SeriesKind.TOP_TRADER_ACCOUNTS,),
    Family.TOP_TRADER_POSITIONS: (SeriesKind.TOP_TRADER_POSITIONS,),
    Family.OPEN_INTEREST_MARKET_CAP: (SeriesKind.OPEN_INTEREST, SeriesKind.MARKET_CAP),
}
_FUNDING_FAMILIES = frozenset(
    {
        Family.FUNDING,
        Family.FUNDING_OHLC,
        Family.PREDICTED_FUNDING,
        Family.PREDICTED_FUNDING_OHLC,
    }
)


class Scope(enum.Enum):
    """Which markets a study reads."""

    CHART = "the chart's market"
    PERPETUALS = "the coin's perpetual contracts"
    SPOT = "the coin's spot markets"


@dataclass(frozen=True, slots=True)
class Recipe:
    """What a study is: its family, and the markets it reads."""

    family: Family
    scope: Scope
    margins: frozenset[Margin]

    @property
    def kinds(self) -> tuple[SeriesKind, ...]:
        """The raw series the study reads from each of its markets."""
        kinds = _KINDS[self.family]
        if self.scope is Scope.PERPETUALS and self.family in _FUNDING_FAMILIES:
            return (*kinds, SeriesKind.OPEN_INTEREST)  # the weights of the mean
        return kinds

    def markets(self, chart: Market, catalog: Catalog) -> tuple[Market, ...]:
        """The markets to read: none when none has the data (the study is drawn empty)."""
        if self.scope is Scope.CHART:
            return (chart,) if self._has_data(chart) else ()
        return tuple(m for m in catalog.markets_of_coin(chart.coin) if self._includes(m))

    def _includes(self, market: Market) -> bool:
        if market.quote not in AGGREGATE_QUOTES or not self._has_data(market):
            return False
        if self.scope is Scope.SPOT:
            return not market.perpetual
        return market.margined in self.margins

    def _has_data(self, market: Market) -> bool:
        if self.family is Family.LONG_SHORT_RATIO:
            return market.has_long_short_ratio
        if SeriesKind.OHLCV in self.kinds:
            return market.has_buy_sell
        return True


def recipe(study: str) -> Recipe:
    """The recipe a study's name describes; `UnknownStudyError` for a name it does not."""
    family = next((f for words, f in _FAMILY_RULES if all(w in study for w in words)), None)
    if family is None:
        raise UnknownStudyError(f"no family for study {study!r}")
    if family is Family.OPEN_INTEREST_MARKET_CAP:
        return Recipe(family, Scope.PERPETUALS, frozenset(Margin))
    if not study.startswith("Aggregated"):
        return Recipe(family, Scope.CHART, frozenset(Margin))
    if family is Family.CVD and study.endswith("Spot"):
        return Recipe(family, Scope.SPOT, frozenset())
    return Recipe(family, Scope.PERPETUALS, _margins(study))


def _margins(study: str) -> frozenset[Margin]:
    if "STABLECOIN+COIN" in study:
        return frozenset(Margin)
    if "STABLECOIN" in study:
        return frozenset({Margin.STABLE})
    if "COIN-margined" in study:
        return frozenset({Margin.COIN})
    return frozenset(Margin)


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class Need:
    """One raw series of one market."""

    market: Market
    kind: SeriesKind


@dataclass(frozen=True, slots=True)
class StudyPlan:
    """One study of a chart: what it is, the chart's market and the markets it reads."""

    study: str
    recipe: Recipe
    chart: Market
    markets: tuple[Market, ...]

    @property
    def needs(self) -> tuple[Need, ...]:
        if self.recipe.family is Family.OPEN_INTEREST_MARKET_CAP:
            interest = [Need(m, SeriesKind.OPEN_INTEREST) for m in self.markets]
            return (*interest, Need(self.chart, SeriesKind.MARKET_CAP))
        return tuple(Need(m, k) for k in self.recipe.kinds for m in self.markets)


@dataclass(frozen=True, slots=True)
class ChartPlan:
    """The chart's market and the studies on it: what to fetch and what to derive."""

    market: Market
    studies: tuple[StudyPlan, ...]

    @property
    def needs(self) -> tuple[Need, ...]:
        """Every raw series the chart reads, the price first, each once."""
        needs = [Need(self.market, SeriesKind.OHLCV)]
        needs += [need for plan in self.studies for need in plan.needs]
        return tuple(dict.fromkeys(needs))


def plan_chart(
    market: Market,
    studies: Sequence[str],
    catalog: Catalog,
    serves: Callable[[SeriesKind], bool],
    source_name: str,
) -> ChartPlan:
    """What to fetch to draw `studies` on `market`; `StudyUnavailableError` when impossible."""
    plans = []
    for study in studies:
        study_recipe = recipe(study)
        if not all(serves(kind) for kind in _KINDS[study_recipe.family]):
            raise StudyUnavailableError(
                f'Study "{study}" is not available from the {source_name} market source'
            )
        plans.append(StudyPlan(study, study_recipe, market, study_recipe.markets(market, catalog)))
    return ChartPlan(market, tuple(plans))


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class PriceBars:
    """The chart market's candles, oldest first; `time` holds each bar's opening instant."""

    interval: Interval
    time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True, slots=True)
class MarketData:
    """What a chart is drawn from: its plan and every needed series on the window's bars.

    `mark` is the source's word on where the data comes from, drawn small on the chart.
    """

    mark: str
    window: Window
    plan: ChartPlan
    series: Mapping[Need, Series]

    @property
    def price(self) -> Series:
        return self.series[Need(self.plan.market, SeriesKind.OHLCV)]

    def visible(self, count: int) -> MarketData:
        """The last `count` bars that have prices: leading bars the source lacks are cut."""
        close = self.price["close"]
        known = np.flatnonzero(np.isfinite(close))
        first = int(known[0]) if len(known) else len(close) - 1
        keep = max(1, min(count, len(close) - first))
        series = {need: s.tail(keep) for need, s in self.series.items()}
        return MarketData(self.mark, self.window, self.plan, series)


def price_bars(data: MarketData) -> PriceBars:
    """The chart's candles; a bar without trades is flat at the last close."""
    price = data.price
    close = _forward_filled(price["close"])
    return PriceBars(
        interval=data.window.interval,
        time=price.time,
        open=np.where(np.isfinite(price["open"]), price["open"], close),
        high=np.where(np.isfinite(price["high"]), price["high"], close),
        low=np.where(np.isfinite(price["low"]), price["low"], close),
        close=close,
    )


def _forward_filled(values: FloatArray) -> FloatArray:
    finite = np.isfinite(values)
    if finite.all() or not finite.any():
        return values
    last_known = np.maximum.accumulate(np.where(finite, np.arange(len(values)), -1))
    first = int(np.flatnonzero(finite)[0])
    filled: FloatArray = values[np.maximum(last_known, first)]
    return filled


# --------------------------------------------------------------------------- derivation


@dataclass(frozen=True, slots=True)
class _Inputs:
    plan: StudyPlan
    bars: PriceBars
    data: MarketData

    def each(self, kind: SeriesKind) -> list[tuple[Market, Series]]:
        """The series of each market read; without any, the chart's market and no data."""
        found = [(m, self.data.series[Need(m, kind)]) for m in self.plan.markets]
        return found or [(self.plan.chart, Series.empty(kind, self.bars.time))]

    def column_sum(self, kind: SeriesKind, column: str) -> FloatArray:
        return _nansum([series[column] for _, series in self.each(kind)])

    @property
    def chart_ohlcv(self) -> Series:
        return self.each(SeriesKind.OHLCV)[0][1]


def derive_study(plan: StudyPlan, bars: PriceBars, data: MarketData) -> StudySeries:
    """The series drawn for one study, from the raw series of its markets."""
    return _DERIVATIONS[plan.recipe.family](plan.study, _Inputs(plan, bars, data))


def _open_interest(name: str, inputs: _Inputs) -> StudySeries:
    return Line(name, inputs.column_sum(SeriesKind.OPEN_INTEREST, "close"), unit="USD")


def _open_interest_deltas(inputs: _Inputs) -> FloatArray:
    kind = SeriesKind.OPEN_INTEREST
    return inputs.column_sum(kind, "close") - inputs.column_sum(kind, "open")


def _open_interest_delta(name: str, inputs: _Inputs) -> StudySeries:
    return Columns(name, _open_interest_deltas(inputs), unit="USD")


def _open_interest_delta_profile(name: str, inputs: _Inputs) -> StudySeries:
    delta = _open_interest_deltas(inputs)
    added, removed = np.fmax(delta, 0.0), np.fmax(-delta, 0.0)
    return _profile(name, inputs.bars, added, removed, Side.UP)


def _funding_kind(family: Family) -> SeriesKind:
    predicted = family in (Family.PREDICTED_FUNDING, Family.PREDICTED_FUNDING_OHLC)
    return SeriesKind.PREDICTED_FUNDING if predicted else SeriesKind.FUNDING


def _funding_column(inputs: _Inputs, column: str) -> FloatArray:
    """One market's funding, or the open-interest-weighted mean of several."""
    kind = _funding_kind(inputs.plan.recipe.family)
    rates = inputs.each(kind)
    if inputs.plan.recipe.scope is Scope.CHART:
        return rates[0][1][column]
    weights = [s["close"] for _, s in inputs.each(SeriesKind.OPEN_INTEREST)]
    return _weighted_mean([s[column] for _, s in rates], weights)


def _funding(name: str, inputs: _Inputs) -> StudySeries:
    return Columns(name, _funding_column(inputs, "close"), unit="%")


def _funding_candles(name: str, inputs: _Inputs) -> StudySeries:
    open_, high, low, close = (_funding_column(inputs, c) for c in ("open", "high", "low", "close"))
    return Candles(name, open_, high, low, close, unit="%")


def _liquidations(name: str, inputs: _Inputs) -> StudySeries:
    longs = inputs.column_sum(SeriesKind.LIQUIDATIONS, "longs")
    shorts = inputs.column_sum(SeriesKind.LIQUIDATIONS, "shorts")
    match inputs.plan.recipe.family:
        case Family.LONGS_LIQUIDATION:
            return Mirrored(name, longs, None, Side.DOWN, unit="USD")
        case Family.SHORTS_LIQUIDATION:
            return Mirrored(name, shorts, None, Side.UP, unit="USD")
    return Mirrored(name, longs, shorts, Side.DOWN, unit="USD")


def _liquidations_profile(name: str, inputs: _Inputs) -> StudySeries:
    longs = inputs.column_sum(SeriesKind.LIQUIDATIONS, "longs")
    shorts = inputs.column_sum(SeriesKind.LIQUIDATIONS, "shorts")
    return _profile(name, inputs.bars, longs, shorts, Side.DOWN)


def quote_volume(market: Market, ohlcv: Series, column: str = "volume") -> FloatArray:
    """A volume column in the quote currency (USD for the aggregated quotes)."""
    if market.denomination is Denomination.QUOTE:
        return ohlcv[column]
    converted: FloatArray = ohlcv[column] * ohlcv["close"]
    return converted


def _buy_sell_volume(name: str, inputs: _Inputs) -> StudySeries:
    market, ohlcv = inputs.plan.chart, inputs.chart_ohlcv
    buys = quote_volume(market, ohlcv, "buy_volume")
    sells = quote_volume(market, ohlcv) - buys
    return Mirrored(name, buys, sells, Side.UP, unit=market.quote)


def _buy_sell_count(name: str, inputs: _Inputs) -> StudySeries:
    ohlcv = inputs.chart_ohlcv
    buys = ohlcv["buy_trades"]
    return Mirrored(name, buys, ohlcv["trades"] - buys, Side.UP)


def _pressure(name: str, inputs: _Inputs) -> StudySeries:
    ohlcv = inputs.chart_ohlcv
    volume, buys = ohlcv["volume"], ohlcv["buy_volume"]
    with np.errstate(divide="ignore", invalid="ignore"):
        imbalance = np.where(volume > 0, (2.0 * buys - volume) / volume, 0.0)
    return Line(name, 100.0 * imbalance, unit="%", baseline=0.0)


def _cvd(name: str, inputs: _Inputs) -> StudySeries:
    deltas = [
        2.0 * quote_volume(m, s, "buy_volume") - quote_volume(m, s)
        for m, s in inputs.each(SeriesKind.OHLCV)
    ]
    return Line(name, np.cumsum(np.nan_to_num(_nansum(deltas))), unit="USD")


def _long_short_ratio(name: str, inputs: _Inputs) -> StudySeries:
    kind = _ratio_kind(inputs.plan.recipe.family)
    ratios = inputs.each(kind)
    if inputs.plan.recipe.scope is Scope.CHART:
        values = ratios[0][1]["ratio"]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            longs = _nanmean([s["longs"] for _, s in ratios])
            values = longs / _nanmean([s["shorts"] for _, s in ratios])
    return Line(name, values, baseline=1.0)


def _ratio_kind(family: Family) -> SeriesKind:
    return {
        Family.TOP_TRADER_ACCOUNTS: SeriesKind.TOP_TRADER_ACCOUNTS,
        Family.TOP_TRADER_POSITIONS: SeriesKind.TOP_TRADER_POSITIONS,
    }.get(family, SeriesKind.LONG_SHORT_RATIO)


def _open_interest_market_cap(name: str, inputs: _Inputs) -> StudySeries:
    interest = inputs.column_sum(SeriesKind.OPEN_INTEREST, "close")
    market_cap = inputs.data.series[Need(inputs.plan.chart, SeriesKind.MARKET_CAP)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return Line(name, 100.0 * interest / market_cap["value"], unit="%")


def _profile(
    name: str, bars: PriceBars, first: FloatArray, second: FloatArray, first_side: Side
) -> Profile:
    """Per-bar amounts spread evenly over the price bins each bar's range covers."""
    edges = np.linspace(float(bars.low.min()), float(bars.high.max()), PROFILE_ROWS + 1)
    centres = (edges[:-1] + edges[1:]) / 2.0
    covers = (centres[None, :] >= bars.low[:, None]) & (centres[None, :] <= bars.high[:, None])
    share = covers / np.maximum(covers.sum(axis=1, keepdims=True), 1)
    first_rows = np.nan_to_num(first) @ share
    second_rows = np.nan_to_num(second) @ share
    return Profile(name, edges, first_rows, second_rows, first_side)


def _nansum(columns: Sequence[FloatArray]) -> FloatArray:
    """The sum over markets, bar by bar; NaN only where no market has a value."""
    stacked = np.vstack(columns)
    total: FloatArray = np.nansum(stacked, axis=0)
    total[~np.isfinite(stacked).any(axis=0)] = np.nan
    return total


def _nanmean(columns: Sequence[FloatArray]) -> FloatArray:
    stacked = np.vstack(columns)
    counts = np.isfinite(stacked).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean: FloatArray = np.nansum(stacked, axis=0) / counts
    return mean


def _weighted_mean(values: Sequence[FloatArray], weights: Sequence[FloatArray]) -> FloatArray:
    """The weighted mean bar by bar, over the markets that have both a value and a weight."""
    v, w = np.vstack(values), np.vstack(weights)
    usable = np.isfinite(v) & np.isfinite(w) & (w > 0)
    w = np.where(usable, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean: FloatArray = (np.where(usable, v, 0.0) * w).sum(axis=0) / w.sum(axis=0)
    return mean


_Derivation = Callable[[str, _Inputs], StudySeries]
_DERIVATIONS: Mapping[Family, _Derivation] = {
    Family.OPEN_INTEREST: _open_interest,
    Family.OPEN_INTEREST_DELTA: _open_interest_delta,
    Family.OPEN_INTEREST_DELTA_PROFILE: _open_interest_delta_profile,
    Family.FUNDING: _funding,
    Family.FUNDING_OHLC: _funding_candles,
    Family.PREDICTED_FUNDING: _funding,
    Family.PREDICTED_FUNDING_OHLC: _funding_candles,
    Family.LIQUIDATIONS: _liquidations,
    Family.LONGS_LIQUIDATION: _liquidations,
    Family.SHORTS_LIQUIDATION: _liquidations,
    Family.LIQUIDATIONS_PROFILE: _liquidations_profile,
    Family.BUY_SELL_VOLUME: _buy_sell_volume,
    Family.BUY_SELL_COUNT: _buy_sell_count,
    Family.PRESSURE: _pressure,
    Family.CVD: _cvd,
    Family.LONG_SHORT_RATIO: _long_short_ratio,
    Family.TOP_TRADER_ACCOUNTS: _long_short_ratio,
    Family.TOP_TRADER_POSITIONS: _long_short_ratio,
    Family.OPEN_INTEREST_MARKET_CAP: _open_interest_market_cap,
}
