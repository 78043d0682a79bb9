"""The studies, the raw market series they read and their upstreams, as tables read from code.

Each study's recipe comes from `chart_img_server.market.recipe`, the function the server draws
with. Which upstream serves each raw series comes from each source's own table of the generated
operations it calls (Coinalyze's `ENDPOINT_OPERATIONS`, the top traders' and CoinGecko's
`ENDPOINT_MODULES`); each operation's path, the upstream's name and its default base URL from
the upstream contract that client was generated from, bundled with it; the settings that point
at an upstream and budget it from the server's `Settings`. Nothing here restates which study
reads what, or from where.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import cast

from chart_img_server.market import (
    AGGREGATE_QUOTES,
    COLUMNS,
    Interval,
    Margin,
    Recipe,
    Scope,
    SeriesKind,
    plan_chart,
    synthetic_catalog,
)
from chart_img_server.market import recipe as study_recipe
from chart_img_server.market.coinalyze._names import upstream_interval
from chart_img_server.market.coinalyze._source import (
    ENDPOINT_OPERATIONS,
    MAX_SYMBOLS_PER_CALL,
)
from chart_img_server.market.coinalyze._source import NAME as COINALYZE
from chart_img_server.market.coingecko._source import ENDPOINT_MODULES as COINGECKO_MODULES
from chart_img_server.market.coingecko._source import ID_MODULES as COINGECKO_ID_MODULES
from chart_img_server.market.toptraders._names import BINANCE, BINANCE_PERIODS, OKX, OKX_PERIODS
from chart_img_server.market.toptraders._source import ENDPOINT_MODULES as TOP_TRADER_MODULES
from chart_img_server.settings import Settings

from ._markdown import code_value, table
from ._openapi import Spec
from ._settings import environment_variable

__all__ = [
    "COINALYZE_PACKAGE",
    "Endpoint",
    "coin_id_endpoints",
    "coinalyze_paths",
    "cold_cost_table",
    "intervals_table",
    "limits_table",
    "series_table",
    "studies_table",
    "upstream_endpoints",
    "upstreams_table",
]

COINALYZE_PACKAGE = "coinalyze_api"
_TITLE_NOTE = re.compile(r"\s*\(upstream[^)]*\)\s*$")


@dataclasses.dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation of an upstream: its generated client, the upstream's name and the path."""

    package: str  # the generated client, e.g. `binance_futures_api`
    upstream: str  # the contract's title, e.g. `Binance USDⓈ-M Futures data`
    base_url: str  # the contract's first server
    path: str


def upstream_endpoints() -> dict[SeriesKind, tuple[Endpoint, ...]]:
    """Each raw series and the upstream operations the `coinalyze` market mode fetches it with.

    Coinalyze serves what the other sources do not; a series served twice, or by none, fails
    the build.
    """
    found: dict[SeriesKind, tuple[Endpoint, ...]] = {
        kind: (_endpoint(f"{COINALYZE_PACKAGE}.{operation}"),)
        for kind, operation in ENDPOINT_OPERATIONS.items()
    }
    for modules in (TOP_TRADER_MODULES, COINGECKO_MODULES):
        for kind, names in modules.items():
            if kind in found:
                raise ValueError(f"two market sources claim the `{kind}` series")
            found[kind] = tuple(_endpoint(name) for name in names)
    unserved = [str(kind) for kind in SeriesKind if kind not in found]
    if unserved:
        raise ValueError(f"no upstream serves {', '.join(unserved)}")
    return {kind: found[kind] for kind in SeriesKind}


def coin_id_endpoints() -> tuple[Endpoint, ...]:
    """The CoinGecko operations that find a coin's id."""
    return tuple(_endpoint(name) for name in COINGECKO_ID_MODULES)


def coinalyze_paths() -> dict[SeriesKind, str]:
    """The Coinalyze path that serves each raw series the Coinalyze source fetches."""
    return {
        kind: _endpoint(f"{COINALYZE_PACKAGE}.{operation}").path
        for kind, operation in ENDPOINT_OPERATIONS.items()
    }


def studies_table(
    studies: Iterable[str], endpoints: Mapping[SeriesKind, Sequence[Endpoint]]
) -> str:
    """One row per study: what it derives, from which markets and series, and from where."""
    rows = []
    for study in studies:
        recipe = study_recipe(study)
        rows.append(
            [
                f"`{study}`",
                recipe.family.value,
                _markets(recipe),
                ", ".join(f"`{kind}`" for kind in recipe.kinds),
                _where(e for kind in recipe.kinds for e in endpoints[kind]),
            ]
        )
    headers = ["Study", "Derived as", "Markets read", "Raw series", "Upstream endpoints"]
    quotes = " or ".join(", ".join(sorted(AGGREGATE_QUOTES)).rsplit(", ", 1))
    return (
        table(headers, rows)
        + f"\nAn aggregate reads the coin's markets quoted in {quotes} on every exchange.\n"
    )


def series_table(endpoints: Mapping[SeriesKind, Sequence[Endpoint]]) -> str:
    """One row per raw series: its columns, and the upstream endpoints that serve it."""
    rows = [
        [
            f"`{kind}`",
            ", ".join(f"`{column}`" for column in COLUMNS[kind]),
            _where(endpoints[kind]),
        ]
        for kind in SeriesKind
    ]
    return table(["Raw series", "Columns", "Upstream endpoints"], rows)


def upstreams_table(
    endpoints: Mapping[SeriesKind, Sequence[Endpoint]], defaults: Settings | None = None
) -> str:
    """One row per upstream: what it serves, where, the settings that point at it and budget it.

    A setting is found by its default: the `..._url` whose default is the contract's server;
    the budget and the key are the `..._calls_per_minute` and `..._api_key` of the longest
    prefix of that name that has one (`binance_coin_futures_url` -> `binance_calls_per_minute`).
    """
    defaults = Settings() if defaults is None else defaults
    fields = {field.name: field for field in dataclasses.fields(defaults)}
    served: dict[Endpoint, list[SeriesKind]] = {}
    for kind, where in endpoints.items():
        for endpoint in where:
            served.setdefault(dataclasses.replace(endpoint, path=""), []).append(kind)
    rows = []
    for upstream, kinds in served.items():
        urls = [
            name
            for name, value in dataclasses.asdict(defaults).items()
            if name.endswith("_url") and value == upstream.base_url
        ]
        if len(urls) != 1:
            raise ValueError(f"no one setting defaults to {upstream.base_url}")
        (url,) = urls
        budget = _by_prefix(fields, url.removesuffix("_url"), "_calls_per_minute")
        key = _by_prefix(fields, url.removesuffix("_url"), "_api_key")
        if budget is None:
            raise ValueError(f"no setting budgets {upstream.upstream} ({url})")
        rows.append(
            [
                upstream.upstream,
                ", ".join(f"`{kind}`" for kind in kinds),
                f"`{environment_variable(fields[url])}` <br>default `{upstream.base_url}`",
                f"`{environment_variable(fields[budget])}` <br>default "
                f"`{getattr(defaults, budget)}`",
                f"`{environment_variable(fields[key])}`" if key else "none",
            ]
        )
    return table(["Upstream", "Serves", "Base URL", "Calls a minute", "Key"], rows)


def limits_table(spec: Spec) -> str:
    """The studies only some exchanges publish, with their exchanges and intervals (the spec's
    `x-exchanges`, `x-min-interval` and `x-max-interval`), checked against what the top traders'
    source fetches: a disagreement fails the build."""
    study = spec.schema("Study")
    exchanges = cast(Mapping[str, list[str]], study.get("x-exchanges", {}))
    least = cast(Mapping[str, str], study.get("x-min-interval", {}))
    most = cast(Mapping[str, str], study.get("x-max-interval", {}))
    order = list(spec.enum("Interval"))
    top_traders = set(TOP_TRADER_MODULES)
    fetched_by = {BINANCE: list(BINANCE_PERIODS), OKX: list(OKX_PERIODS)}
    rows = []
    for name in spec.enum("Study"):
        reads_top_traders = bool(top_traders & set(study_recipe(name).kinds))
        if name not in exchanges and not reads_top_traders:
            continue
        listed = exchanges.get(name, [])
        low, high = least.get(name, order[0]), most.get(name, order[-1])
        intervals = order[order.index(low) : order.index(high) + 1]
        if reads_top_traders and (
            set(listed) != set(fetched_by)
            or any(periods != intervals for periods in fetched_by.values())
        ):
            raise ValueError(
                f"the spec gives {name!r} {listed} from {low} to {high}; the top traders' source"
                f" fetches {', '.join(f'{e} {p}' for e, p in fetched_by.items())}"
            )
        rows.append(
            [
                code_value(name),
                ", ".join(code_value(e) for e in listed),
                f"{code_value(low)} to {code_value(high)}",
            ]
        )
    return table(["Study", "Exchanges", "Intervals"], rows)


def cold_cost_table(symbol: str, studies: Iterable[str], paths: Mapping[SeriesKind, str]) -> str:
    """What a chart of `symbol` with one aggregate study costs Coinalyze with nothing cached.

    Counted on the synthetic source's catalogue, as the Coinalyze source would plan it: one
    symbol-call for each market and Coinalyze series the chart reads (its own candles
    included), in requests of at most `MAX_SYMBOLS_PER_CALL` symbols. Series from other
    upstreams (the market cap) are not Coinalyze's to count.
    """
    exchange, _, ticker = symbol.partition(":")
    catalog = synthetic_catalog()
    chart = catalog.market(exchange, ticker)
    if chart is None:
        raise ValueError(f"the synthetic catalogue has no symbol {symbol}")
    rows = []
    for study in studies:
        recipe = study_recipe(study)
        if recipe.scope is Scope.CHART:
            continue
        plan = plan_chart(chart, [study], catalog, lambda kind: True, COINALYZE)
        symbols_per_kind = Counter(need.kind for need in plan.needs if need.kind in paths)
        requests = sum(
            math.ceil(count / MAX_SYMBOLS_PER_CALL) for count in symbols_per_kind.values()
        )
        rows.append(
            [
                f"`{study}`",
                str(len(plan.studies[0].markets)),
                str(symbols_per_kind.total()),
                str(requests),
            ]
        )
    return table(["Study", "Markets read", "Symbol-calls", "Requests"], rows)


def intervals_table(intervals: Iterable[str]) -> str:
    """One row per chart interval: the interval each upstream's bars are fetched at."""
    rows = []
    for label in intervals:
        interval = Interval.parse(label)
        fetched = f"`{upstream_interval(interval)}`"
        if interval.is_calendar:
            fetched += ", combined into the chart's bars"
        rows.append(
            [f"`{label}`", fetched, _period(BINANCE_PERIODS, label), _period(OKX_PERIODS, label)]
        )
    headers = ["Chart interval", "Coinalyze interval", "Binance period", "OKX period"]
    return table(headers, rows)


def _period(periods: Mapping[str, str], label: str) -> str:
    return f"`{periods[label]}`" if label in periods else "none: the study answers `422`"


def _markets(recipe: Recipe) -> str:
    markets = str(recipe.scope.value)
    if recipe.scope is not Scope.PERPETUALS:
        return markets
    margins = [margin.value for margin in Margin if margin in recipe.margins]
    return f"{markets}, {'- and '.join(margins)}-margined"


def _where(endpoints: Iterable[Endpoint]) -> str:
    """`Upstream: `/path`` per upstream, in order, each path once; upstreams that serve the
    same paths (Binance's USDⓈ-M and COIN-M twins) share a line."""
    paths: dict[str, list[str]] = {}
    for endpoint in endpoints:
        held = paths.setdefault(endpoint.upstream, [])
        if endpoint.path not in held:
            held.append(endpoint.path)
    lines: dict[tuple[str, ...], list[str]] = {}
    for upstream, held in paths.items():
        lines.setdefault(tuple(held), []).append(upstream)
    return " <br>".join(
        f"{', '.join(upstreams)}: {', '.join(f'`{p}`' for p in held)}"
        for held, upstreams in lines.items()
    )


def _by_prefix(fields: Mapping[str, object], prefix: str, suffix: str) -> str | None:
    words = prefix.split("_")
    for end in range(len(words), 0, -1):
        name = "_".join(words[:end]) + suffix
        if name in fields:
            return name
    return None


def _endpoint(module: str) -> Endpoint:
    """The operation a generated module calls (`coingecko_api.api.coins.get_coins_list`)."""
    package, operation = module.partition(".")[0], module.rpartition(".")[2]
    contract = _contract(package)
    info = contract.document["info"]
    upstream = _TITLE_NOTE.sub("", str(info["title"]))
    base_url = str(contract.document["servers"][0]["url"])
    for op in contract.operations():
        if _snake(op.operation_id) == operation:
            return Endpoint(package, upstream, base_url, op.path)
    raise ValueError(f"the {package} contract has no operation {operation}")


@functools.cache
def _contract(package: str) -> Spec:
    """The upstream contract a client was generated from, bundled with it."""
    return Spec.load(Path(str(resources.files(package) / "openapi.yaml")))


def _snake(operation_id: str) -> str:
    """`getOhlcvHistory` as the generator names its module: `get_ohlcv_history`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
