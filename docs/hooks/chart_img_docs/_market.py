"""The studies and the raw market series they read, as tables read from the server's code.

Each study's recipe comes from `chart_img_server.market.recipe`, the function the server draws
with; the Coinalyze endpoint of each raw series comes from the Coinalyze source's own table of
calls, and its path from the upstream contract that the `coinalyze_api` client was generated
from. Nothing here restates which study reads what.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

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

from ._markdown import table
from ._openapi import Spec

__all__ = [
    "NOT_FROM_COINALYZE",
    "coinalyze_paths",
    "cold_cost_table",
    "intervals_table",
    "series_table",
    "studies_table",
]

NOT_FROM_COINALYZE = "not available from Coinalyze"


def coinalyze_paths() -> dict[SeriesKind, str]:
    """The Coinalyze path that serves each raw series the Coinalyze source fetches."""
    contract = Spec.load(Path(str(resources.files("coinalyze_api") / "openapi.yaml")))
    paths = {_snake(op.operation_id): op.path for op in contract.operations()}
    missing = sorted(set(ENDPOINT_OPERATIONS.values()) - set(paths))
    if missing:
        raise ValueError(f"the Coinalyze contract has no operation {', '.join(missing)}")
    return {kind: paths[operation] for kind, operation in ENDPOINT_OPERATIONS.items()}


def studies_table(studies: Iterable[str], paths: Mapping[SeriesKind, str]) -> str:
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
                _coinalyze_endpoints(recipe.kinds, paths),
            ]
        )
    headers = ["Study", "Derived as", "Markets read", "Raw series", "Coinalyze endpoints"]
    quotes = " or ".join(", ".join(sorted(AGGREGATE_QUOTES)).rsplit(", ", 1))
    return (
        table(headers, rows)
        + f"\nAn aggregate reads the coin's markets quoted in {quotes} on every exchange.\n"
    )


def series_table(paths: Mapping[SeriesKind, str]) -> str:
    """One row per raw series: its columns, and the Coinalyze endpoint that serves it."""
    rows = [
        [
            f"`{kind}`",
            ", ".join(f"`{column}`" for column in COLUMNS[kind]),
            f"`{paths[kind]}`" if kind in paths else NOT_FROM_COINALYZE,
        ]
        for kind in SeriesKind
    ]
    return table(["Raw series", "Columns", "Coinalyze endpoint"], rows)


def cold_cost_table(symbol: str, studies: Iterable[str], paths: Mapping[SeriesKind, str]) -> str:
    """What a chart of `symbol` with one aggregate study costs Coinalyze with nothing cached.

    Counted on the synthetic source's catalogue, as the Coinalyze source would plan it: one
    symbol-call for each market and series the chart reads (its own candles included), in
    requests of at most `MAX_SYMBOLS_PER_CALL` symbols.
    """
    exchange, _, ticker = symbol.partition(":")
    catalog = synthetic_catalog()
    chart = catalog.market(exchange, ticker)
    if chart is None:
        raise ValueError(f"the synthetic catalogue has no symbol {symbol}")
    rows = []
    for study in studies:
        recipe = study_recipe(study)
        if recipe.scope is Scope.CHART or not all(kind in paths for kind in recipe.kinds):
            continue
        plan = plan_chart(chart, [study], catalog, paths.__contains__, COINALYZE)
        symbols_per_kind = Counter(need.kind for need in plan.needs)
        requests = sum(
            math.ceil(count / MAX_SYMBOLS_PER_CALL) for count in symbols_per_kind.values()
        )
        rows.append(
            [f"`{study}`", str(len(plan.studies[0].markets)), str(len(plan.needs)), str(requests)]
        )
    return table(["Study", "Markets read", "Symbol-calls", "Requests"], rows)


def intervals_table(intervals: Iterable[str]) -> str:
    """One row per chart interval: the Coinalyze interval its bars are fetched at."""
    rows = []
    for label in intervals:
        interval = Interval.parse(label)
        fetched = f"`{upstream_interval(interval)}`"
        if interval.is_calendar:
            fetched += ", combined into the chart's bars"
        rows.append([f"`{label}`", fetched])
    return table(["Chart interval", "Coinalyze interval"], rows)


def _markets(recipe: Recipe) -> str:
    markets = str(recipe.scope.value)
    if recipe.scope is not Scope.PERPETUALS:
        return markets
    margins = [margin.value for margin in Margin if margin in recipe.margins]
    return f"{markets}, {'- and '.join(margins)}-margined"


def _coinalyze_endpoints(kinds: Iterable[SeriesKind], paths: Mapping[SeriesKind, str]) -> str:
    kinds = tuple(kinds)
    unserved = [kind for kind in kinds if kind not in paths]
    if unserved:
        return f"{NOT_FROM_COINALYZE} (no {', '.join(f'`{kind}`' for kind in unserved)})"
    return ", ".join(dict.fromkeys(f"`{paths[kind]}`" for kind in kinds))


def _snake(operation_id: str) -> str:
    """`getOhlcvHistory` as the generator names its module: `get_ohlcv_history`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
