"""Market sources: a chart through the Coinalyze source over the fake upstream, and its calls.

The Coinalyze source runs in process over `tests.fakes.coinalyze.FakeCoinalyze` (an ASGI
transport, no socket), with the server's default budget, cache and refresh period. Both of its
clocks, and the fake's, are the benchmark's: the instant is the same for every chart, and the
monotonic clock moves only when the benchmark moves it.

A chart is timed whole, as the server's pipeline makes it: the catalogue, the plan, the window,
the source's fetch, then `render_chart`. The synthetic baseline is timed the same way, so its
generation of the bars is in it: that is the synthetic source's data cost, as the cache lookup
is the Coinalyze source's. The two alternate, so that the machine's noise falls on both.
"""

from __future__ import annotations

import datetime
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import httpx
from chart_img_server import Settings
from chart_img_server.chart import ChartRequest
from chart_img_server.market import MarketData, MarketSource, SyntheticSource, plan_chart
from chart_img_server.market._bar_cache import BarCache
from chart_img_server.market._budget import CallBudget
from chart_img_server.market.coinalyze import CoinalyzeSource
from chart_img_server.rendering import chart_window, render_chart
from coinalyze_api import AuthenticatedClient

from tests.fakes.coinalyze import CATALOGUE_PATHS, CallRecord, FakeCoinalyze

from ._common import BENCH_INTERVAL, BENCH_NOW, BENCH_SYMBOL, TWO_STUDIES, Scale
from ._report import Result
from ._stats import median, ms, percentile

SECTION = "market"
RATIO_TARGET = 1.2
WARMUP = 2
CHARTS_IN_A_MINUTE = 100
MINUTE = 60.0
MAX_SYMBOLS_PER_REQUEST = 20
UNLIMITED = 1_000_000
AGGREGATED_STUDIES = (
    "Aggregated Open Interest STABLECOIN+COIN-margined Contracts",
    "Aggregated Funding Rate",
)


class Clocks:
    """The upstream's and the source's clocks: the wall clock runs with the monotonic one."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def monotonic(self) -> float:
        return 1000.0 + self.elapsed

    def now(self) -> datetime.datetime:
        return BENCH_NOW + datetime.timedelta(seconds=self.elapsed)


@dataclass(frozen=True, slots=True)
class Upstream:
    fake: FakeCoinalyze
    client: AuthenticatedClient
    source: CoinalyzeSource
    budget: int
    refresh: float

    def history_calls(self) -> list[CallRecord]:
        return [call for call in self.fake.calls if call.path not in CATALOGUE_PATHS]


def run(scale: Scale) -> list[Result]:
    results = [anyio.run(_warm_chart, scale.render_iterations)]
    standard = anyio.run(_charts_in_a_minute)
    results.append(standard.result)
    results += [anyio.run(_cold_aggregated, study, standard.first) for study in AGGREGATED_STUDIES]
    return results


def chart(studies: tuple[str, ...] = TWO_STUDIES) -> ChartRequest:
    """The bench's standard chart: 800x600 PNG, dark, with `studies`."""
    exchange, _, ticker = BENCH_SYMBOL.partition(":")
    return ChartRequest(
        exchange=exchange,
        ticker=ticker,
        interval=BENCH_INTERVAL,
        width=800,
        height=600,
        theme="dark",
        timezone="Etc/UTC",
        format="png",
        studies=studies,
        watermark=None,
        watermark_size=16,
        watermark_opacity=1.0,
    )


def upstream(clocks: Clocks, budget: int | None = None) -> Upstream:
    """The fake and a Coinalyze source over it, with the server's default settings."""
    defaults = Settings()
    calls = budget or defaults.coinalyze_calls_per_minute
    fake = FakeCoinalyze(calls_per_minute=calls, now=clocks.now, monotonic=clocks.monotonic)
    client = AuthenticatedClient(
        base_url=fake.base_url,
        token=fake.api_key,
        prefix="",
        auth_header_name="api_key",
        httpx_args={"transport": httpx.ASGITransport(app=fake.app)},
    )
    source = CoinalyzeSource(
        client,
        CallBudget("coinalyze", calls, monotonic=clocks.monotonic),
        BarCache(defaults.market_cache_bars, defaults.market_refresh),
        clocks.now,
        monotonic=clocks.monotonic,
    )
    return Upstream(fake, client, source, calls, defaults.market_refresh)


async def chart_data(
    source: MarketSource, request: ChartRequest, now: datetime.datetime
) -> MarketData:
    """The chart's data as the server's pipeline fetches it."""
    catalog = await source.catalog()
    market = catalog.market(request.exchange, request.ticker)
    if market is None:
        raise ValueError(f"{request.symbol} is not in the {source.name} catalogue")
    plan = plan_chart(market, request.studies, catalog, source.serves, source.name)
    window = chart_window(request, now)
    return MarketData(source.mark, window, plan, await source.fetch(plan.needs, window))


# --------------------------------------------------------------------------- warm cache


@dataclass(slots=True)
class Samples:
    """Seconds per chart, and the data's share of it."""

    chart: list[float]
    data: list[float]


async def _warm_chart(iterations: int) -> Result:
    clocks = Clocks()
    coinalyze = upstream(clocks)
    synthetic = SyntheticSource()
    request = chart()
    async with coinalyze.client:
        await coinalyze.source.refresh_catalog()
        await chart_data(coinalyze.source, request, clocks.now())  # fills the cache
        before = coinalyze.fake.symbol_calls
        timed = {coinalyze.source.name: Samples([], []), synthetic.name: Samples([], [])}
        for i in range(-WARMUP, iterations):
            order: Sequence[MarketSource] = (coinalyze.source, synthetic)
            for source in order if i % 2 else reversed(order):
                chart_seconds, data_seconds = await _timed_chart(source, request, clocks.now())
                if i >= 0:
                    timed[source.name].chart.append(chart_seconds)
                    timed[source.name].data.append(data_seconds)
        while_timed = coinalyze.fake.symbol_calls - before
    return _warm_result(timed[coinalyze.source.name], timed[synthetic.name], while_timed)


async def _timed_chart(
    source: MarketSource, request: ChartRequest, now: datetime.datetime
) -> tuple[float, float]:
    """Seconds for the whole chart, and for its data alone."""
    started = time.perf_counter()
    data = await chart_data(source, request, now)
    fetched = time.perf_counter()
    render_chart(request, data)
    return time.perf_counter() - started, fetched - started


def _warm_result(coinalyze: Samples, synthetic: Samples, while_timed: int) -> Result:
    ours, ours_p95 = ms(median(coinalyze.chart)), ms(percentile(coinalyze.chart, 95))
    ours_data = ms(median(coinalyze.data))
    baseline, baseline_data = ms(median(synthetic.chart)), ms(median(synthetic.data))
    ratio = ours / baseline
    return Result(
        section=SECTION,
        case="warm-cache chart via Coinalyze over the fake (800x600 PNG, 2 studies)",
        figure=(
            f"median {ours:.1f} ms (data {ours_data:.2f} ms), p95 {ours_p95:.1f} ms; "
            f"{ratio:.2f}x synthetic; {while_timed} upstream calls"
        ),
        baseline=f"synthetic source {baseline:.1f} ms (data, generated each time, "
        f"{baseline_data:.2f} ms)",
        target=f"≤ {RATIO_TARGET:g}x synthetic, no upstream call",
        met=ratio <= RATIO_TARGET and while_timed == 0,
        numbers={
            "median_ms": ours,
            "p95_ms": ours_p95,
            "data_median_ms": ours_data,
            "samples": len(coinalyze.chart),
            "synthetic_median_ms": baseline,
            "synthetic_data_median_ms": baseline_data,
            "ratio_vs_synthetic": ratio,
            "upstream_symbol_calls_while_timed": while_timed,
        },
    )


# --------------------------------------------------------------------------- calls


@dataclass(frozen=True, slots=True)
class Minute:
    result: Result
    first: int  # symbol-calls of the first chart


async def _charts_in_a_minute() -> Minute:
    """100 identical charts, spread evenly over a minute, the last at its end."""
    clocks = Clocks()
    coinalyze = upstream(clocks)
    request = chart()
    async with coinalyze.client:
        await coinalyze.source.refresh_catalog()
        catalogue = coinalyze.fake.symbol_calls
        await chart_data(coinalyze.source, request, clocks.now())
        first = coinalyze.fake.symbol_calls - catalogue
        first_requests = len(coinalyze.history_calls())
        step = MINUTE / (CHARTS_IN_A_MINUTE - 1)
        for i in range(1, CHARTS_IN_A_MINUTE):
            clocks.elapsed = i * step
            await chart_data(coinalyze.source, request, clocks.now())
        after = coinalyze.fake.symbol_calls - catalogue - first
        refreshed = coinalyze.history_calls()[first_requests:]
    # Cold, each series cost one symbol-call; each may be refreshed once a refresh period.
    refreshes = first * math.floor(clocks.elapsed / coinalyze.refresh)
    forming = chart_window(request, clocks.now()).forming_open
    forming_only = all(call.from_ == forming for call in refreshed)
    result = Result(
        section=SECTION,
        case=f"{CHARTS_IN_A_MINUTE} identical charts over {MINUTE:g} s (4h, 2 studies)",
        figure=(
            f"first chart {first} symbol-calls, the {CHARTS_IN_A_MINUTE - 1} after it {after} "
            f"({len(refreshed)} requests, forming bar only: {_yes(forming_only)})"
        ),
        baseline=(
            f"first fetch {first} + forming-bar refreshes {refreshes} "
            f"(refresh every {coinalyze.refresh:g} s, budget {coinalyze.budget} a minute)"
        ),
        target="≤ first + refreshes",
        met=after <= refreshes and forming_only,
        numbers={
            "first_symbol_calls": first,
            "later_symbol_calls": after,
            "refresh_symbol_calls_allowed": refreshes,
            "refresh_requests": len(refreshed),
            "charts": CHARTS_IN_A_MINUTE,
            "seconds": clocks.elapsed,
            "refresh_seconds": coinalyze.refresh,
        },
    )
    return Minute(result, first)


async def _cold_aggregated(study: str, standard_first: int) -> Result:
    """A cold chart of one aggregated study: what it costs upstream, budget aside."""
    clocks = Clocks()
    coinalyze = upstream(clocks, budget=UNLIMITED)
    async with coinalyze.client:
        await coinalyze.source.refresh_catalog()
        catalogue = coinalyze.fake.symbol_calls
        await chart_data(coinalyze.source, chart((study,)), clocks.now())
        symbol_calls = coinalyze.fake.symbol_calls - catalogue
        calls = coinalyze.history_calls()
    largest = max(len(call.symbols) for call in calls)
    per_endpoint = Counter[str]()
    for call in calls:
        per_endpoint[call.path.removeprefix("/")] += len(call.symbols)
    minute_budget = Settings().coinalyze_calls_per_minute
    return Result(
        section=SECTION,
        case=f"cold {BENCH_SYMBOL} {BENCH_INTERVAL}, {study}",
        figure=(
            f"{symbol_calls} symbol-calls in {len(calls)} requests (largest {largest} symbols): "
            + ", ".join(f"{path} {count}" for path, count in sorted(per_endpoint.items()))
        ),
        baseline=(
            f"standard chart {standard_first} symbol-calls; "
            f"{symbol_calls / minute_budget:.0%} of a minute's budget ({minute_budget})"
        ),
        target=f"≤ {MAX_SYMBOLS_PER_REQUEST} symbols a request",
        met=largest <= MAX_SYMBOLS_PER_REQUEST,
        numbers={
            "symbol_calls": symbol_calls,
            "requests": len(calls),
            "largest_request_symbols": largest,
            "minute_budget": minute_budget,
            **{f"symbol_calls_{path}": count for path, count in per_endpoint.items()},
        },
    )


def _yes(value: bool) -> str:
    return "yes" if value else "no"
