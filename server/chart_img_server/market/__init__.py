"""Market data: sources of raw per-market series, and the one derivation of the studies."""

from ._assets import Asset, parse_asset
from ._catalog import Catalog, Denomination, Margin, Market
from ._intervals import Interval, Window
from ._open import open_market
from ._series import COLUMNS, Series, SeriesKind, build_from_daily
from ._shapes import Candles, Columns, Line, Mirrored, Profile, Side, StudySeries
from ._source import MarketDataError, MarketSource, SeriesSource, UpstreamBusyError
from ._studies import (
    AGGREGATE_QUOTES,
    ChartPlan,
    Family,
    MarketData,
    Need,
    PriceBars,
    Recipe,
    Scope,
    StudyPlan,
    StudyUnavailableError,
    UnknownStudyError,
    derive_study,
    plan_chart,
    price_bars,
    recipe,
)
from ._synthetic import (
    SyntheticSource,
    coin_market_cap,
    generate_synthetic,
    native_series,
    synthetic_catalog,
    synthetic_series,
)

__all__ = [
    "AGGREGATE_QUOTES",
    "COLUMNS",
    "Asset",
    "Candles",
    "Catalog",
    "ChartPlan",
    "Columns",
    "Denomination",
    "Family",
    "Interval",
    "Line",
    "Margin",
    "Market",
    "MarketData",
    "MarketDataError",
    "MarketSource",
    "Mirrored",
    "Need",
    "PriceBars",
    "Profile",
    "Recipe",
    "Scope",
    "Series",
    "SeriesKind",
    "SeriesSource",
    "Side",
    "StudyPlan",
    "StudySeries",
    "StudyUnavailableError",
    "SyntheticSource",
    "UnknownStudyError",
    "UpstreamBusyError",
    "Window",
    "build_from_daily",
    "coin_market_cap",
    "derive_study",
    "generate_synthetic",
    "native_series",
    "open_market",
    "parse_asset",
    "plan_chart",
    "price_bars",
    "recipe",
    "synthetic_catalog",
    "synthetic_series",
]
