"""The synthetic market: deterministic raw series for every market of a shipped catalogue.

The offline default. Nothing is random at run time: each bar's values come from a
counter-based hash of (market, series, bar index), so a bar keeps its values however the
window around it moves, and the same request at the same instant draws the same chart. Price
levels and volatilities are realistic for the well-known coins and made up for the rest.

It supplies the same raw series a real source does (OHLCV with taker buys and trade counts,
open interest, funding, liquidations, long/short ratios), so synthetic charts go through the
same derivation of the studies as real ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import anyio.to_thread
import numpy as np
import numpy.typing as npt

from ._assets import Asset, parse_asset
from ._catalog import Catalog, Denomination, Margin, Market, perpetual_suffix
from ._intervals import DAY, YEAR_SECONDS, Interval, Window
from ._noise import FloatArray, IntArray, normal, seed_fraction, smooth, stable_seed, uniform
from ._series import Series, SeriesKind, build_from_daily
from ._studies import Need

NAME = "synthetic"
CATALOG_RESOURCE = "data/exchanges.json"

# The price is one function of time per asset, so that its 1m, 1h and 1D charts agree and
# the last price is the same on all of them. Fast moves come from octaves of value noise
# (grid steps of 1 minute times powers of 4, each with variance proportional to its step,
# which makes returns scale like a random walk up to ~45 days); slower moves come from
# cycles of a few months to a few years, which keep the level bounded.
_OCTAVE_STEPS = tuple(60.0 * 4.0**j for j in range(9))
_WALK_CALIBRATION = 2.4  # variance of a lag-t increment is ~2.4 * t * per-second variance
_CYCLES = ((3.3, 0.5), (1.1, 0.25), (0.31, 0.1))  # (period in years, amplitude per unit vol)


# --------------------------------------------------------------------------- catalogue


@cache
def synthetic_catalog() -> Catalog:
    """The shipped catalogue: 25 exchanges and their symbols as listed in August 2024."""
    raw = files("chart_img_server").joinpath(CATALOG_RESOURCE).read_text(encoding="utf-8")
    document = json.loads(raw)
    exchanges = {
        str(e).upper(): [str(t).upper() for t in ts] for e, ts in document["exchanges"].items()
    }
    markets = [_market(e, t) for e, tickers in exchanges.items() for t in tickers]
    return Catalog(str(document["updatedAt"]), tuple(exchanges), tuple(markets))


def _market(exchange: str, ticker: str) -> Market:
    perpetual = ticker.endswith(perpetual_suffix())
    asset = parse_asset(ticker)
    core = ticker.removesuffix(perpetual_suffix())
    base = core.removesuffix(asset.quote) if core.endswith(asset.quote) else core
    margined = None
    if perpetual:
        margined = Margin.COIN if asset.quote == "USD" else Margin.STABLE
    return Market(
        exchange=exchange,
        ticker=ticker,
        base=base,
        quote=asset.quote,
        margined=margined,
        denomination=Denomination.QUOTE if margined is Margin.COIN else Denomination.BASE,
        source_symbol=f"{exchange}:{ticker}",
        has_long_short_ratio=perpetual,
    )


# --------------------------------------------------------------------------- series


def synthetic_series(market: Market, kind: SeriesKind, window: Window) -> Series:
    """The series of `kind` on `market` over the window's bars."""
    if window.interval.is_calendar:
        return build_from_daily(_daily_covering(market, kind, window), window.interval)
    return _series(market, kind, window.interval, window.indices, window.now)


def native_series(
    market: Market, kind: SeriesKind, interval: Interval, first: int, last: int, now: int
) -> Series:
    """The bars of a non-calendar interval opening in [first, last] (seconds), up to `now`."""
    indices = interval.indices_of(np.array([max(first, 0), min(last, now)], dtype=np.int64))
    if first > min(last, now):
        return Series.empty(kind, np.zeros(0, dtype=np.int64))
    opens = interval.open_times(np.array([indices[0]], dtype=np.int64))
    start = int(indices[0]) + (1 if int(opens[0]) < first else 0)
    span = np.arange(start, int(indices[1]) + 1, dtype=np.int64)
    if len(span) == 0:
        return Series.empty(kind, span)
    return _series(market, kind, interval, span, now)


def _daily_covering(market: Market, kind: SeriesKind, window: Window) -> Series:
    first_day = DAY.indices_of(np.array([window.start], dtype=np.int64))[0]
    last_day = DAY.indices_of(np.array([window.now], dtype=np.int64))[0]
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    return _series(market, kind, DAY, days, window.now)


def _series(
    market: Market, kind: SeriesKind, interval: Interval, indices: IntArray, now: int
) -> Series:
    bars = _Bars(market, interval, indices, now)
    columns = _GENERATORS[kind](bars)
    return Series(kind, bars.time, columns)


class _Bars:
    """One market's price bars at some bar indices, and what every series builds on."""

    def __init__(self, market: Market, interval: Interval, indices: IntArray, now: int) -> None:
        self.market = market
        self.interval = interval
        self.index = indices
        self.asset: Asset = parse_asset(market.ticker)
        self.time = interval.open_times(indices)
        # Bar edges: each bar closes where the next opens, the forming one at `now`.
        edges = interval.open_times(np.r_[indices[0] - 1, indices, indices[-1] + 1])
        edges[-1] = min(int(edges[-1]), now)
        path = np.exp(_log_price(self.asset, market.exchange, edges.astype(np.float64)))
        self.open, self.close = path[1:-1], path[2:]
        self.closes_at = edges[2:]
        self._open_before = path[0]
        self.sigma = min(
            0.25, self.asset.annual_volatility * math.sqrt(interval.seconds / YEAR_SECONDS)
        )
        self.returns = np.log(self.close / self.open) / max(self.sigma, 1e-9)
        self.share = 0.02 + 0.18 * seed_fraction("share", market.symbol)

    @property
    def previous_returns(self) -> FloatArray:
        """Each previous bar's move: from its open to this bar's open."""
        before = np.r_[self._open_before, self.open[:-1]]
        moves: FloatArray = np.log(self.open / before) / max(self.sigma, 1e-9)
        return moves

    def seed(self, name: str) -> int:
        return stable_seed(name, self.market.symbol, self.interval.label)

    @property
    def volume_usd(self) -> FloatArray:
        activity = np.exp(0.35 * normal(self.seed("activity"), self.index))
        move = np.abs(self.returns)
        days = self.interval.seconds / 86400.0
        volume: FloatArray = self.asset.daily_volume_usd * self.share * days * activity
        return volume * (0.6 + 0.5 * move)


def _log_price(asset: Asset, exchange: str, seconds: FloatArray) -> FloatArray:
    per_second_variance = asset.annual_volatility**2 / YEAR_SECONDS / _WALK_CALIBRATION
    octaves = _octaves(asset.base)
    position = seconds[None, :] / octaves.steps[:, None]
    cell = np.floor(position).astype(np.int64)
    weight = position - cell
    left, right = normal(octaves.seeds, cell), normal(octaves.seeds, cell + 1)
    scales = np.sqrt(per_second_variance * octaves.steps)[:, None]
    noise = (scales * (left + weight * (right - left))).sum(axis=0)
    log_price: FloatArray = math.log(asset.price) + noise
    years = seconds / YEAR_SECONDS
    for period, amplitude in _CYCLES:
        phase = 2.0 * np.pi * seed_fraction("cycle", asset.base, str(period))
        swing = amplitude * asset.annual_volatility
        log_price += swing * np.sin(2.0 * np.pi * years / period + phase)
    basis = 0.0006 * (seed_fraction("basis", exchange) - 0.5)
    return log_price + basis


@dataclass(frozen=True, slots=True)
class _Octaves:
    steps: FloatArray
    seeds: npt.NDArray[np.uint64]


@cache
def _octaves(base: str) -> _Octaves:
    """The value-noise octaves of a coin's price: their grid steps and seeds, one a row."""
    seeds = [stable_seed("octave", base, str(octave)) for octave in range(len(_OCTAVE_STEPS))]
    return _Octaves(np.array(_OCTAVE_STEPS), np.array(seeds, dtype=np.uint64)[:, None])


Columns = dict[str, FloatArray]


def _ohlcv(bars: _Bars) -> Columns:
    reach = bars.sigma * 0.4
    high = np.maximum(bars.open, bars.close) * np.exp(
        np.abs(normal(bars.seed("high"), bars.index)) * reach
    )
    low = np.minimum(bars.open, bars.close) * np.exp(
        -np.abs(normal(bars.seed("low"), bars.index)) * reach
    )
    volume_usd = bars.volume_usd
    quote_usd = bars.asset.quote_usd
    if bars.market.denomination is Denomination.QUOTE:
        volume = volume_usd / quote_usd
    else:
        volume = volume_usd / (bars.close * quote_usd)
    noise = normal(bars.seed("takers"), bars.index)
    buy_share = 0.5 + 0.18 * np.tanh(0.5 * bars.returns + 0.3 * noise)
    trades = np.round(volume_usd / (bars.asset.daily_volume_usd * 2e-6)) + 1.0
    return {
        "open": bars.open,
        "high": high,
        "low": low,
        "close": bars.close,
        "volume": volume,
        "buy_volume": volume * buy_share,
        "trades": trades,
        "buy_trades": np.round(trades * (0.5 + 0.8 * (buy_share - 0.5))),
    }


def _open_interest(bars: _Bars) -> Columns:
    """USD: about a third of a day's volume, drifting, and moving with the price."""
    drift = 0.08 * smooth(bars.seed("open-interest"), np.r_[bars.index[0] - 1, bars.index], 30.0)
    level = bars.asset.daily_volume_usd * 0.35 * bars.share / bars.asset.price
    open_ = level * bars.open * np.exp(drift[:-1])
    close = level * bars.close * np.exp(drift[1:])
    return _candles(bars, "open-interest", open_, close, 0.004 * np.maximum(open_, close))


def _funding(bars: _Bars, name: str, lean: float) -> Columns:
    """Percent per 8 hours: 0.01 % baseline, leaning with the moves, and noise."""
    noise = smooth(bars.seed(name), np.r_[bars.index[0] - 1, bars.index], 5.0)
    open_ = 0.01 + lean * (0.008 * np.tanh(0.5 * bars.previous_returns) + 0.006 * noise[:-1])
    close = 0.01 + lean * (0.008 * np.tanh(0.5 * bars.returns) + 0.006 * noise[1:])
    reach = 0.003 + 0.004 * np.abs(normal(bars.seed(name + "-reach"), bars.index))
    return _candles(bars, name, open_, close, reach)


def _candles(
    bars: _Bars, name: str, open_: FloatArray, close: FloatArray, reach: FloatArray
) -> Columns:
    up = uniform(bars.seed(name + "-up"), bars.index)
    down = uniform(bars.seed(name + "-down"), bars.index)
    return {
        "open": open_,
        "high": np.maximum(open_, close) + reach * up,
        "low": np.minimum(open_, close) - reach * down,
        "close": close,
    }


def _liquidations(bars: _Bars) -> Columns:
    """USD: longs are liquidated on sharp falls, shorts on sharp rises; both are spiky."""
    base = bars.volume_usd * 0.004
    spikes_long = np.exp(0.6 * normal(bars.seed("longs"), bars.index))
    spikes_short = np.exp(0.6 * normal(bars.seed("shorts"), bars.index))
    # Moves are in standard deviations; capping them keeps one crash from flattening a pane.
    longs = base * spikes_long * (0.3 + np.clip(-bars.returns, 0.0, 3.0) ** 1.5)
    shorts = base * spikes_short * (0.3 + np.clip(bars.returns, 0.0, 3.0) ** 1.5)
    return {"longs": longs, "shorts": shorts}


def _ratio(bars: _Bars, name: str, spread: float) -> Columns:
    """Long/short: around 1 and drifting slowly; top traders' more extreme."""
    wander = smooth(bars.seed(name), bars.index, 25.0)
    ratio = np.exp(spread * wander + 0.05 * np.tanh(bars.returns))
    longs = 100.0 * ratio / (1.0 + ratio)
    return {"ratio": ratio, "longs": longs, "shorts": 100.0 - longs}


def _market_cap(bars: _Bars) -> Columns:
    """USD: the coin's, whichever market it is charted on, as of each bar's close."""
    return {"value": coin_market_cap(bars.market.coin, bars.closes_at)}


def coin_market_cap(coin: str, seconds: IntArray) -> FloatArray:
    """A coin's market capitalisation in USD at these instants: a fixed supply at its price."""
    asset = parse_asset(f"{coin}USD")
    supply = asset.daily_volume_usd * 40.0 / asset.price
    price = np.exp(_log_price(asset, "", seconds.astype(np.float64)))
    market_cap: FloatArray = supply * price
    return market_cap


_GENERATORS: Mapping[SeriesKind, Callable[[_Bars], Columns]] = {
    SeriesKind.OHLCV: _ohlcv,
    SeriesKind.OPEN_INTEREST: _open_interest,
    SeriesKind.FUNDING: lambda bars: _funding(bars, "funding", 1.0),
    SeriesKind.PREDICTED_FUNDING: lambda bars: _funding(bars, "predicted-funding", 1.15),
    SeriesKind.LIQUIDATIONS: _liquidations,
    SeriesKind.LONG_SHORT_RATIO: lambda bars: _ratio(bars, "long-short", 0.12),
    SeriesKind.TOP_TRADER_ACCOUNTS: lambda bars: _ratio(bars, "top-accounts", 0.22),
    SeriesKind.TOP_TRADER_POSITIONS: lambda bars: _ratio(bars, "top-positions", 0.2),
    SeriesKind.MARKET_CAP: _market_cap,
}


# --------------------------------------------------------------------------- source


class SyntheticSource:
    """The offline market source: every series of every catalogued market, made up."""

    name = NAME
    mark = "Synthetic data"

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._catalog = catalog or synthetic_catalog()

    async def catalog(self) -> Catalog:
        return self._catalog

    def serves(self, kind: SeriesKind) -> bool:
        return kind in _GENERATORS

    async def fetch(self, needs: Sequence[Need], window: Window) -> dict[Need, Series]:
        return await anyio.to_thread.run_sync(generate_synthetic, needs, window)

    async def aclose(self) -> None:
        return None


def generate_synthetic(needs: Iterable[Need], window: Window) -> dict[Need, Series]:
    """The synthetic series of every need, on the window's bars."""
    return {need: synthetic_series(need.market, need.kind, window) for need in needs}
