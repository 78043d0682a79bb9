"""Deterministic synthetic market data: OHLCV bars and the series of every study.

Nothing here is random at run time. Each bar's values come from a counter-based hash of
(asset, interval, bar index), so a bar keeps its values however the window around it moves,
and the same request at the same instant always draws the same chart. Price levels and
volatilities are realistic for the well-known assets and derived from the name otherwise.

Study series take their shape from the study's name (open interest is a line, liquidations
are long/short bars, ...), so a study added to the contract needs no list to be edited here,
only a rule if its name matches none.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "Asset",
    "Bars",
    "Candles",
    "Columns",
    "Interval",
    "Line",
    "Mirrored",
    "Profile",
    "Side",
    "StudySeries",
    "UnknownStudyError",
    "bars_for",
    "parse_asset",
    "study_is_known",
    "study_series",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_YEAR_SECONDS = 365.25 * 86400.0
_UNIT_SECONDS = {"m": 60, "h": 3600, "D": 86400, "W": 7 * 86400}
_INTERVAL_PATTERN = re.compile(r"^([1-9][0-9]*)([mhDWM])$")
# 1970-01-01 was a Thursday; weeks start on Monday, three days earlier.
_WEEK_EPOCH_SHIFT = 3 * 86400


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True, slots=True)
class Interval:
    """A bar interval such as `15m`, `4h`, `1D`, `1W` (Monday-based) or `1M` (calendar)."""

    count: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Interval:
        match = _INTERVAL_PATTERN.match(text)
        if match is None:
            raise ValueError(f"not an interval: {text!r}")
        return cls(int(match.group(1)), match.group(2))

    @property
    def seconds(self) -> float:
        """The nominal length; a month counts as a twelfth of a year."""
        if self.unit == "M":
            return self.count * _YEAR_SECONDS / 12
        return float(self.count * _UNIT_SECONDS[self.unit])

    @property
    def label(self) -> str:
        return f"{self.count}{self.unit}"

    def index_at(self, moment: datetime.datetime) -> int:
        """The absolute index of the bar that contains `moment`."""
        if self.unit == "M":
            utc = moment.astimezone(datetime.UTC)
            return ((utc.year - 1970) * 12 + utc.month - 1) // self.count
        seconds = math.floor(moment.timestamp())
        if self.unit == "W":
            seconds += _WEEK_EPOCH_SHIFT
        return seconds // (self.count * _UNIT_SECONDS[self.unit])

    def open_times(self, indices: IntArray) -> IntArray:
        """The opening instants (Unix seconds, UTC) of the bars with these indices."""
        if self.unit == "M":
            months = (indices * self.count).astype("datetime64[M]")
            return months.astype("datetime64[s]").astype(np.int64)
        opens = indices * (self.count * _UNIT_SECONDS[self.unit])
        return opens - _WEEK_EPOCH_SHIFT if self.unit == "W" else opens


# --------------------------------------------------------------------------- assets


@dataclass(frozen=True, slots=True)
class Asset:
    """What a ticker trades: `1000PEPEUSDT.P` is 1000 PEPE in USDT."""

    base: str
    quote: str
    multiplier: int
    price: float  # in the quote currency, per contract unit (multiplier included)
    annual_volatility: float
    daily_volume_usd: float
    quote_usd: float


# (USD price, annualised volatility, daily USD volume across the market)
_KNOWN_ASSETS: dict[str, tuple[float, float, float]] = {
    "BTC": (62_000.0, 0.55, 30e9),
    "XBT": (62_000.0, 0.55, 30e9),
    "ETH": (3_100.0, 0.65, 15e9),
    "SOL": (150.0, 0.85, 3e9),
    "BNB": (560.0, 0.55, 1.5e9),
    "XRP": (0.55, 0.75, 1.5e9),
    "DOGE": (0.12, 0.95, 1.2e9),
    "ADA": (0.42, 0.8, 4e8),
    "AVAX": (28.0, 0.9, 4e8),
    "LINK": (13.5, 0.85, 5e8),
    "DOT": (6.2, 0.8, 2e8),
    "MATIC": (0.55, 0.85, 2e8),
    "POL": (0.45, 0.85, 1.5e8),
    "LTC": (72.0, 0.7, 4e8),
    "BCH": (380.0, 0.75, 3e8),
    "TRX": (0.13, 0.45, 3e8),
    "TON": (6.5, 0.8, 3e8),
    "SHIB": (0.000018, 0.95, 3e8),
    "PEPE": (0.0000095, 1.2, 7e8),
    "BONK": (0.000022, 1.3, 2e8),
    "FLOKI": (0.00015, 1.2, 1e8),
    "WIF": (2.1, 1.4, 5e8),
    "SATS": (0.00000025, 1.1, 5e7),
    "LUNC": (0.00009, 1.0, 5e7),
    "XEC": (0.000035, 0.9, 2e7),
    "ATOM": (6.8, 0.8, 1.5e8),
    "NEAR": (5.2, 0.95, 3e8),
    "APT": (7.5, 0.95, 2e8),
    "ARB": (0.75, 0.95, 3e8),
    "OP": (1.7, 0.95, 2e8),
    "SUI": (1.0, 1.1, 4e8),
    "UNI": (7.5, 0.9, 2e8),
    "AAVE": (110.0, 0.85, 1.5e8),
    "INJ": (22.0, 1.0, 1.5e8),
    "FIL": (4.2, 0.9, 1.5e8),
    "ETC": (21.0, 0.8, 2e8),
    "XLM": (0.1, 0.7, 8e7),
    "XMR": (165.0, 0.6, 6e7),
    "1INCH": (0.3, 0.9, 3e7),
    "RNDR": (6.5, 1.0, 1.5e8),
    "FET": (1.3, 1.1, 2e8),
    "TIA": (6.5, 1.1, 1.5e8),
    "SEI": (0.35, 1.1, 1e8),
    "ORDI": (32.0, 1.2, 2e8),
    "WLD": (2.2, 1.2, 2e8),
    "JUP": (0.9, 1.1, 1e8),
    "USDC": (1.0, 0.01, 5e9),
    "USDT": (1.0, 0.01, 5e10),
    "DAI": (1.0, 0.01, 1e8),
}

# Quote currencies, longest first so that `FDUSD` wins over `USD`; value: USD per unit.
_QUOTES: dict[str, float] = {
    "FDUSD": 1.0,
    "USDT": 1.0,
    "USDC": 1.0,
    "BUSD": 1.0,
    "TUSD": 1.0,
    "USDE": 1.0,
    "EURT": 1.08,
    "USD": 1.0,
    "DAI": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "AUD": 0.66,
    "CAD": 0.73,
    "CHF": 1.13,
    "JPY": 0.0067,
    "KRW": 0.00074,
    "TRY": 0.03,
    "BRL": 0.18,
    "ZAR": 0.055,
    "ILS": 0.27,
    "NGN": 0.00065,
    "IDR": 0.000063,
    "BTC": _KNOWN_ASSETS["BTC"][0],
    "ETH": _KNOWN_ASSETS["ETH"][0],
    "BNB": _KNOWN_ASSETS["BNB"][0],
}
_QUOTE_ORDER = sorted(_QUOTES, key=len, reverse=True)
_MULTIPLIER = re.compile(r"^(1000000|100000|10000|1000|100)(?=[A-Z])")


def _stable_seed(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _seed_fraction(*parts: str) -> float:
    return _stable_seed(*parts) / 2.0**64


@lru_cache(maxsize=4096)
def parse_asset(ticker: str) -> Asset:
    """Split a ticker into base and quote and give it a realistic price and volatility."""
    name = ticker.upper()
    # A contract suffix (`.P`, `-PERPETUAL`) says how it trades, not what: prices ignore it.
    core = re.sub(r"[^A-Z0-9]", "", re.sub(r"(\.[A-Z]+|-PERPETUAL)$", "", name))
    quote = next((q for q in _QUOTE_ORDER if core.endswith(q) and len(core) > len(q)), "USD")
    base = core.removesuffix(quote) if core.endswith(quote) else core
    multiplier = 1
    prefix = _MULTIPLIER.match(base)
    if prefix is not None:
        multiplier = int(prefix.group(1))
        base = base[prefix.end() :]
    usd_price, volatility, volume = _KNOWN_ASSETS.get(base) or _unknown_asset(base)
    quote_usd = _QUOTES.get(quote, 1.0)
    return Asset(
        base=base,
        quote=quote,
        multiplier=multiplier,
        price=usd_price * multiplier / quote_usd,
        annual_volatility=volatility,
        daily_volume_usd=volume,
        quote_usd=quote_usd,
    )


def _unknown_asset(base: str) -> tuple[float, float, float]:
    """A stable made-up profile: a price from $0.001 to $100, a small-cap's volatility."""
    price = 10.0 ** (-3.0 + 5.0 * _seed_fraction("price", base))
    volatility = 0.8 + 0.6 * _seed_fraction("volatility", base)
    volume = 10.0 ** (6.5 + 2.0 * _seed_fraction("volume", base))
    return price, volatility, volume


# --------------------------------------------------------------------------- noise

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _uniform(seed: int, indices: IntArray) -> FloatArray:
    """Counter-based uniforms in (0, 1): splitmix64 of (seed, index), vectorised."""
    with np.errstate(over="ignore"):
        z = indices.astype(np.uint64) * _GOLDEN + np.uint64(seed)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _normal(seed: int, indices: IntArray) -> FloatArray:
    """Counter-based standard normals (Box-Muller on two independent uniform streams)."""
    radius = np.sqrt(-2.0 * np.log(_uniform(seed, indices)))
    angle = 2.0 * np.pi * _uniform(seed ^ 0x5DEECE66D, indices)
    return radius * np.cos(angle)


def _ar1(seed: int, indices: IntArray, persistence: float) -> FloatArray:
    """A stationary AR(1) of unit variance at these consecutive bar indices.

    Each value is the exponentially weighted sum of the innovations before it (truncated
    where the weight is negligible), so it depends only on its own index, not on the window.
    """
    memory = 1 if persistence <= 0 else math.ceil(math.log(1e-5) / math.log(persistence))
    memory = max(1, min(memory, 8192))
    first = int(indices[0]) - memory + 1
    innovations = _normal(seed, np.arange(first, int(indices[-1]) + 1, dtype=np.int64))
    kernel = persistence ** np.arange(memory, dtype=np.float64)
    size = 1 << (len(innovations) + memory - 1).bit_length()
    spectrum = np.fft.rfft(innovations, size) * np.fft.rfft(kernel, size)
    values = np.fft.irfft(spectrum, size)[memory - 1 : len(innovations)]
    return values * math.sqrt(1.0 - persistence * persistence)


# --------------------------------------------------------------------------- bars


@dataclass(frozen=True, slots=True)
class Bars:
    """OHLCV bars, oldest first; `time` holds each bar's opening instant in Unix seconds."""

    symbol: str
    interval: Interval
    asset: Asset
    index: IntArray
    time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.time)

    @property
    def bar_volatility(self) -> float:
        return _bar_volatility(self.asset, self.interval)


def _bar_volatility(asset: Asset, interval: Interval) -> float:
    return min(0.25, asset.annual_volatility * math.sqrt(interval.seconds / _YEAR_SECONDS))


# The price is one function of time per asset, so that its 1m, 1h and 1D charts agree and
# the last price is the same on all of them. Fast moves come from octaves of value noise
# (grid steps of 1 minute times powers of 4, each with variance proportional to its step,
# which makes returns scale like a random walk up to ~45 days); slower moves come from
# cycles of a few months to a few years, which keep the level bounded.
_OCTAVE_STEPS = tuple(60.0 * 4.0**j for j in range(9))
_WALK_CALIBRATION = 2.4  # variance of a lag-t increment is ~2.4 * t * per-second variance
_CYCLES = ((3.3, 0.5), (1.1, 0.25), (0.31, 0.1))  # (period in years, amplitude per unit vol)


def _log_price(asset: Asset, exchange: str, seconds: FloatArray) -> FloatArray:
    per_second_variance = asset.annual_volatility**2 / _YEAR_SECONDS / _WALK_CALIBRATION
    log_price = np.full(len(seconds), math.log(asset.price))
    for octave, step in enumerate(_OCTAVE_STEPS):
        seed = _stable_seed("octave", asset.base, str(octave))
        position = seconds / step
        cell = np.floor(position).astype(np.int64)
        weight = position - cell
        left, right = _normal(seed, cell), _normal(seed, cell + 1)
        log_price += math.sqrt(per_second_variance * step) * (left + weight * (right - left))
    years = seconds / _YEAR_SECONDS
    for period, amplitude in _CYCLES:
        phase = 2.0 * np.pi * _seed_fraction("cycle", asset.base, str(period))
        swing = amplitude * asset.annual_volatility
        log_price += swing * np.sin(2.0 * np.pi * years / period + phase)
    basis = 0.0006 * (_seed_fraction("basis", exchange) - 0.5)
    return log_price + basis


def bars_for(symbol: str, interval: str, now: datetime.datetime, count: int) -> Bars:
    """`count` bars of `symbol` (`EXCHANGE:TICKER`), the last one containing `now`.

    The last bar is still forming: it closes at the price of `now`.
    """
    return _bars(symbol.upper(), interval, math.floor(now.timestamp()), max(1, count))


@lru_cache(maxsize=256)
def _bars(symbol: str, interval_text: str, now: int, count: int) -> Bars:
    interval = Interval.parse(interval_text)
    exchange, _, ticker = symbol.rpartition(":")
    asset = parse_asset(ticker)
    moment = datetime.datetime.fromtimestamp(now, datetime.UTC)
    last = interval.index_at(moment)
    index = np.arange(last - count + 1, last + 2, dtype=np.int64)
    edges = interval.open_times(index)
    edges[-1] = min(int(edges[-1]), now)
    path = np.exp(_log_price(asset, exchange, edges.astype(np.float64)))
    open_, close = path[:-1], path[1:]
    index, time = index[:-1], edges[:-1]
    sigma = _bar_volatility(asset, interval)
    seed = _stable_seed("bars", symbol, interval.label)
    high = np.maximum(open_, close) * np.exp(np.abs(_normal(seed + 1, index)) * sigma * 0.4)
    low = np.minimum(open_, close) * np.exp(-np.abs(_normal(seed + 2, index)) * sigma * 0.4)
    move = np.abs(np.log(close / open_)) / max(sigma, 1e-9)
    activity = np.exp(0.35 * _normal(seed + 3, index))
    volume_usd = asset.daily_volume_usd * 0.1 * (interval.seconds / 86400.0) * activity
    volume = volume_usd * (0.6 + 0.5 * move) / (close * asset.quote_usd)
    for array in (index, time, open_, high, low, close, volume):
        array.flags.writeable = False
    return Bars(symbol, interval, asset, index, time, open_, high, low, close, volume)


# --------------------------------------------------------------------------- studies


class Side(Enum):
    """Which colour a series takes: rising/buying/shorts-squeezed or falling/selling/longs."""

    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Line:
    """A line in its own pane; `baseline` draws a reference level (1 for ratios, 0 for ...)."""

    name: str
    values: FloatArray
    unit: str = ""
    baseline: float | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """Signed columns from zero, coloured by sign (funding, open-interest delta)."""

    name: str
    values: FloatArray
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Mirrored:
    """Two non-negative series, `above` drawn upwards and `below` downwards from zero.

    With `below` empty it is a single one-sided series, coloured by `above_side`.
    """

    name: str
    above: FloatArray
    below: FloatArray | None
    above_side: Side
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Candles:
    """An OHLC series of the study itself (funding-rate candles)."""

    name: str
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """A horizontal profile over the visible price range, drawn on the price pane.

    `edges` are the price bin edges (len(first) + 1); `first` and `second` the two stacked
    parts of each bin (longs/shorts liquidated, open interest added/removed).
    """

    name: str
    edges: FloatArray
    first: FloatArray
    second: FloatArray
    first_side: Side
    unit: str = "USD"


StudySeries = Line | Columns | Mirrored | Candles | Profile


class UnknownStudyError(ValueError):
    """A study name that no shape rule recognises."""


def study_series(name: str, bars: Bars) -> StudySeries:
    """The series of study `name` over `bars`, its shape taken from the name."""
    builder = _builder_for(name)
    if builder is None:
        raise UnknownStudyError(f"no series shape for study {name!r}")
    return builder(name, bars)


def study_is_known(name: str) -> bool:
    return _builder_for(name) is not None


def _scale(name: str) -> float:
    """Aggregated studies sum many markets; coin-margined contracts are the smaller share."""
    scale = 3.5 if name.startswith("Aggregated") else 1.0
    if "STABLECOIN+COIN" in name:
        return scale
    if "STABLECOIN" in name:
        return scale * 0.8
    if "COIN-margined" in name:
        return scale * 0.2
    return scale


def _seed(name: str, bars: Bars) -> int:
    return _stable_seed("study", name, bars.symbol, bars.interval.label)


def _returns(bars: Bars) -> FloatArray:
    return np.log(bars.close / bars.open) / max(bars.bar_volatility, 1e-9)


def _volume_usd(bars: Bars) -> FloatArray:
    return bars.volume * bars.close * bars.asset.quote_usd


def _open_interest(name: str, bars: Bars) -> FloatArray:
    """Open interest in USD: about a third of a day's volume, drifting with price."""
    level = bars.asset.daily_volume_usd * 0.35 * _scale(name)
    drift = _ar1(_seed(name, bars), bars.index, 0.97) * 0.08
    relative_price = bars.close / float(bars.close.mean())
    interest: FloatArray = level * relative_price * np.exp(drift)
    return interest


def _open_interest_line(name: str, bars: Bars) -> StudySeries:
    return Line(name, _open_interest(name, bars), unit="USD")


def _open_interest_delta(name: str, bars: Bars) -> StudySeries:
    interest = _open_interest(name, bars)
    delta = np.diff(interest, prepend=2.0 * interest[0] - interest[min(1, len(interest) - 1)])
    return Columns(name, delta, unit="USD")


def _market_cap_ratio(name: str, bars: Bars) -> StudySeries:
    interest = _open_interest(name, bars)
    market_cap = bars.asset.daily_volume_usd * 40.0 * bars.close / bars.close.mean()
    return Line(name, 100.0 * interest / market_cap, unit="%")


def _cvd(name: str, bars: Bars) -> StudySeries:
    """Cumulative volume delta: taker buys minus sells, summed over the window."""
    noise = _normal(_seed(name, bars), bars.index)
    imbalance = np.tanh(0.6 * _returns(bars) + 0.4 * noise) * 0.25
    delta = _volume_usd(bars) * _scale(name) * imbalance
    return Line(name, np.cumsum(delta), unit="USD")


def _buy_sell_split(name: str, bars: Bars) -> tuple[FloatArray, FloatArray]:
    noise = _normal(_seed(name, bars), bars.index)
    buy_share = 0.5 + 0.18 * np.tanh(0.5 * _returns(bars) + 0.3 * noise)
    total = _volume_usd(bars) * _scale(name)
    if "Count" in name:
        total = np.round(total / (bars.asset.daily_volume_usd * 2e-6) + 1.0)
        return np.round(total * buy_share), np.round(total * (1.0 - buy_share))
    return total * buy_share, total * (1.0 - buy_share)


def _buy_sell(name: str, bars: Bars) -> StudySeries:
    buys, sells = _buy_sell_split(name, bars)
    return Mirrored(name, buys, sells, Side.UP, unit="" if "Count" in name else "USD")


def _pressure(name: str, bars: Bars) -> StudySeries:
    """Buy/sell pressure: the smoothed taker imbalance, an oscillator around zero."""
    buys, sells = _buy_sell_split(name, bars)
    imbalance = (buys - sells) / np.maximum(buys + sells, 1e-12)
    smooth = np.convolve(imbalance, np.ones(3) / 3.0, mode="same")
    return Line(name, 100.0 * smooth, unit="%", baseline=0.0)


def _liquidation_sides(name: str, bars: Bars) -> tuple[FloatArray, FloatArray]:
    """Longs are liquidated on sharp falls, shorts on sharp rises; both are spiky."""
    seed = _seed(name, bars)
    moves = _returns(bars)
    base = _volume_usd(bars) * 0.004 * _scale(name)
    spikes_long = np.exp(0.6 * _normal(seed, bars.index))
    spikes_short = np.exp(0.6 * _normal(seed + 1, bars.index))
    # Moves are in standard deviations; capping them keeps one crash from flattening the pane.
    longs = base * spikes_long * (0.3 + np.clip(-moves, 0.0, 3.0) ** 1.5)
    shorts = base * spikes_short * (0.3 + np.clip(moves, 0.0, 3.0) ** 1.5)
    return longs, shorts


def _liquidations(name: str, bars: Bars) -> StudySeries:
    longs, shorts = _liquidation_sides(name, bars)
    if name.startswith("Longs"):
        return Mirrored(name, longs, None, Side.DOWN, unit="USD")
    if name.startswith("Shorts"):
        return Mirrored(name, shorts, None, Side.UP, unit="USD")
    return Mirrored(name, longs, shorts, Side.DOWN, unit="USD")


def _funding(name: str, bars: Bars) -> FloatArray:
    """Funding in percent per 8 hours: 0.01 % baseline, leaning with recent momentum."""
    momentum = np.convolve(_returns(bars), np.ones(8) / 8.0, mode="full")[: len(bars)]
    noise = _ar1(_seed(name.removeprefix("Aggregated "), bars), bars.index, 0.8)
    lean = 1.15 if "Predicted" in name else 1.0
    return 0.01 + lean * (0.012 * momentum + 0.006 * noise)


def _funding_columns(name: str, bars: Bars) -> StudySeries:
    return Columns(name, _funding(name, bars), unit="%")


def _funding_candles(name: str, bars: Bars) -> StudySeries:
    close = _funding(name, bars)
    open_ = np.concatenate([close[:1], close[:-1]])
    seed = _seed(name, bars)
    reach = 0.003 + 0.004 * np.abs(_normal(seed, bars.index))
    high = np.maximum(open_, close) + reach * _uniform(seed + 1, bars.index)
    low = np.minimum(open_, close) - reach * _uniform(seed + 2, bars.index)
    return Candles(name, open_, high, low, close, unit="%")


def _long_short_ratio(name: str, bars: Bars) -> StudySeries:
    """Long/short ratios: around 1, top traders' more extreme, drifting slowly."""
    spread = 0.22 if "Top Traders" in name else 0.12
    wander = _ar1(_seed(name, bars), bars.index, 0.96)
    momentum = np.convolve(_returns(bars), np.ones(12) / 12.0, mode="full")[: len(bars)]
    return Line(name, np.exp(spread * wander + 0.05 * momentum), baseline=1.0)


def _profile_edges(bars: Bars, rows: int = 48) -> FloatArray:
    return np.linspace(float(bars.low.min()), float(bars.high.max()), rows + 1)


def _profile(
    name: str, bars: Bars, first: FloatArray, second: FloatArray
) -> tuple[FloatArray, ...]:
    """Distribute per-bar amounts over the price bins each bar's range covers."""
    edges = _profile_edges(bars)
    centres = (edges[:-1] + edges[1:]) / 2.0
    covers = (centres[None, :] >= bars.low[:, None]) & (centres[None, :] <= bars.high[:, None])
    share = covers / np.maximum(covers.sum(axis=1, keepdims=True), 1)
    return edges, first @ share, second @ share


def _liquidation_profile(name: str, bars: Bars) -> StudySeries:
    longs, shorts = _liquidation_sides(name, bars)
    edges, first, second = _profile(name, bars, longs, shorts)
    return Profile(name, edges, first, second, Side.DOWN)


def _open_interest_delta_profile(name: str, bars: Bars) -> StudySeries:
    series = _open_interest_delta(name.replace(" Profile Visible Range", ""), bars)
    assert isinstance(series, Columns)
    added = np.maximum(series.values, 0.0)
    removed = np.maximum(-series.values, 0.0)
    edges, first, second = _profile(name, bars, added, removed)
    return Profile(name, edges, first, second, Side.UP)


_Builder = Callable[[str, Bars], StudySeries]

# Rules in order, first match wins: the more specific names come first.
_RULES: tuple[tuple[tuple[str, ...], _Builder], ...] = (
    (("Liquidations Profile Visible Range",), _liquidation_profile),
    (("Open Interest Delta Profile Visible Range",), _open_interest_delta_profile),
    (("Funding Rate OHLC",), _funding_candles),
    (("Funding Rate",), _funding_columns),
    (("Long/Short", "Ratio"), _long_short_ratio),
    (("Open Interest/Market Cap Ratio",), _market_cap_ratio),
    (("Open Interest Delta",), _open_interest_delta),
    (("Open Interest",), _open_interest_line),
    (("CVD",), _cvd),
    (("Buy Sell Pressure",), _pressure),
    (("Buy / Sell",), _buy_sell),
    (("Liquidation",), _liquidations),
)


def _builder_for(name: str) -> _Builder | None:
    for words, builder in _RULES:
        if all(word in name for word in words):
            return builder
    return None
