"""The build hooks' pieces on their own: markers, type labels, samples, assets."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any, cast

import pytest
from chart_img_docs import (
    HIDDEN_DEFAULT,
    Endpoint,
    Links,
    MarkerError,
    SampleRequest,
    SchemaText,
    Site,
    Spec,
    coin_id_endpoints,
    coinalyze_paths,
    cold_cost_table,
    curl_sample,
    error_classes_table,
    intervals_table,
    limits_table,
    python_sample,
    series_table,
    settings_table,
    studies_table,
    upstream_endpoints,
    upstreams_table,
)
from chart_img_server.market import SeriesKind
from chart_img_server.market._composite import CompositeSource
from chart_img_server.market.coinalyze._source import CoinalyzeSource
from chart_img_server.market.coingecko._source import HISTORY as COINGECKO_HISTORY
from chart_img_server.market.coingecko._source import CoinGeckoSource
from chart_img_server.market.toptraders._source import (
    BINANCE_HISTORY,
    BINANCE_MAX_POINTS,
    OKX_MAX_POINTS,
    TopTraderSource,
)
from chart_img_server.settings import ENV_NAME, ENV_PREFIX

from .conftest import ROOT


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec.load(ROOT / "openapi.yaml")


@pytest.fixture(scope="module")
def site(spec: Spec) -> Site:
    return Site(spec, ROOT / "node_modules" / "swagger-ui-dist")


def test_unknown_markers_fail_the_build(site: Site) -> None:
    with pytest.raises(MarkerError, match="unknown spec marker 'studys'"):
        site.expand("<!-- spec:studys -->\n", "guides/charts.md", "guides/charts/")
    with pytest.raises(MarkerError, match="not JSON"):
        site.expand('<!-- chart: {"interval": } -->\n', "index.md", "")
    with pytest.raises(MarkerError, match="no request example named 'nope'"):
        site.expand("<!-- chart-example: nope -->\n", "index.md", "")


def test_markers_inside_tabs_keep_their_indentation(site: Site) -> None:
    markdown = '=== "Tab"\n\n    <!-- spec:enum Theme -->\n'
    expanded = site.expand(markdown, "guides/charts.md", "guides/charts/")
    table_lines = [line for line in expanded.splitlines() if "|" in line]
    assert table_lines
    assert all(line.startswith("    |") for line in table_lines)


def test_links_are_relative_to_the_page(site: Site) -> None:
    guide = site.expand("<!-- spec:fields AdvancedChartRequest -->", "guides/charts.md", "x/")
    assert "(../reference/index.md#study)" in guide
    reference = site.expand("<!-- spec:fields AdvancedChartRequest -->", "reference/index.md", "x/")
    assert "(../reference/index.md#study)" in reference
    home = site.expand("<!-- spec:fields AdvancedChartRequest -->", "index.md", "")
    assert "(./reference/index.md#study)" in home


def test_type_labels_and_allowed_values(spec: Spec) -> None:
    text = SchemaText(spec, Links(".."))
    listing = spec.schema("ExchangeList")["properties"]
    assert text.type_label(listing["updatedAt"]) == "string (date-time) or null"
    assert text.type_label(listing["payload"]) == "array of string or null"
    request = spec.schema("AdvancedChartRequest")["properties"]
    assert text.type_label(request["studies"]) == "array of [`Study`](../reference/index.md#study)"
    assert text.allowed(request["width"]) == "from 400 to 2048"
    most = request["studies"]["maxItems"]
    assert text.allowed(request["studies"]).startswith(
        f"at most {most} items; no repeats; each item:"
    )
    assert text.default(request["interval"]) == "`1D`"
    assert text.allowed(request["interval"]) == ", ".join(
        f"`{value}`" for value in spec.enum("Interval")
    )


def test_samples_use_snake_case_keywords_and_the_image_extension(spec: Spec) -> None:
    chart = next(op for op in spec.operations() if op.operation_id == "captureAdvancedChart")
    body = {"format": "jpeg", "watermarkSize": 64}
    request = SampleRequest(chart, "http://127.0.0.1:8000", {}, body, "jpg")
    python = python_sample(request)
    assert 'client.chart(format="jpeg", watermark_size=64)' in python
    assert 'image.save("chart.jpg")' in python
    curl = curl_sample(request)
    assert curl.startswith(
        'curl --fail -sS -X POST "${CHART_IMG_BASE_URL:-http://127.0.0.1:8000}'
        '/v3/coinalyze/advanced-chart"'
    )
    assert "-o chart.jpg" in curl


def test_curl_samples_fail_on_errors_and_read_the_base_url(spec: Spec) -> None:
    listing = next(op for op in spec.operations() if op.operation_id == "listExchanges")
    curl = curl_sample(SampleRequest(listing, "http://127.0.0.1:8000/", {}, None, None))
    # A JSON answer: an error status exits non-zero and still shows the API's message.
    assert curl.startswith(
        'curl --fail-with-body -sS "${CHART_IMG_BASE_URL:-http://127.0.0.1:8000}'
        '/v3/coinalyze/exchange/list"'
    )
    chart = next(op for op in spec.operations() if op.operation_id == "captureAdvancedChart")
    image = curl_sample(SampleRequest(chart, "http://127.0.0.1:8000", {}, {}, "png"))
    # An image: `--fail` writes nothing on an error, so chart.png is never JSON.
    assert image.split()[:2] == ["curl", "--fail"]
    assert "--fail-with-body" not in image


def test_missing_swagger_ui_is_a_clear_error(spec: Spec, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="npm ci"):
        Site(spec, tmp_path).swagger_ui_assets()


def test_every_error_status_of_the_spec_has_a_client_exception(spec: Spec) -> None:
    statuses = {
        str(status)
        for op in spec.operations()
        for status in op.node["responses"]
        if str(status).startswith(("4", "5"))
    }
    rendered = error_classes_table()
    assert sorted(s for s in statuses if f"| `{s}` |" not in rendered) == []


def test_response_examples_come_from_the_spec(site: Site, spec: Spec) -> None:
    expanded = site.expand("<!-- spec:response-examples Forbidden -->", "guides/x.md", "x/")
    examples = spec.components["responses"]["Forbidden"]["content"]["application/json"]["examples"]
    for name, example in examples.items():
        assert f"`{name}`" in expanded
        assert example["value"]["message"] in expanded


def test_chosen_response_examples_only(site: Site) -> None:
    chosen = site.expand(
        "<!-- spec:response-examples TooManyRequests marketDataRateLimited -->", "x.md", "x/"
    )
    assert "Market Data Rate Limited" in chosen
    assert "`tooManyRequests`" not in chosen
    with pytest.raises(ValueError, match="no example nope"):
        site.expand("<!-- spec:response-examples TooManyRequests nope -->", "x.md", "x/")


def _table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the first Markdown table, as cells."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


@pytest.fixture(scope="module")
def paths() -> dict[SeriesKind, str]:
    return coinalyze_paths()


def test_coinalyze_paths_come_from_the_upstream_contract(paths: dict[SeriesKind, str]) -> None:
    assert paths[SeriesKind.OHLCV] == "/ohlcv-history"
    assert paths[SeriesKind.FUNDING] == "/funding-rate-history"
    assert SeriesKind.MARKET_CAP not in paths  # CoinGecko's
    assert SeriesKind.TOP_TRADER_ACCOUNTS not in paths  # Binance's and OKX's


@pytest.fixture(scope="module")
def endpoints() -> dict[SeriesKind, tuple[Endpoint, ...]]:
    return upstream_endpoints()


def test_every_series_has_an_upstream_read_from_the_contracts(
    endpoints: dict[SeriesKind, tuple[Endpoint, ...]],
) -> None:
    assert list(endpoints) == list(SeriesKind)
    assert all(endpoints[kind] for kind in SeriesKind)
    upstreams = {k: {(e.package, e.base_url) for e in where} for k, where in endpoints.items()}
    assert upstreams[SeriesKind.OHLCV] == {("coinalyze_api", "https://api.coinalyze.net/v1")}
    assert upstreams[SeriesKind.TOP_TRADER_ACCOUNTS] == {
        ("binance_futures_api", "https://fapi.binance.com"),
        ("binance_coin_futures_api", "https://dapi.binance.com"),
        ("okx_api", "https://www.okx.com"),
    }
    assert upstreams[SeriesKind.MARKET_CAP] == {
        ("coingecko_api", "https://api.coingecko.com/api/v3")
    }
    (market_cap,) = endpoints[SeriesKind.MARKET_CAP]
    assert market_cap.upstream == "CoinGecko API v3"  # the contract's title, without its note
    assert market_cap.path == "/coins/{id}/market_chart/range"
    okx = {e.path for e in endpoints[SeriesKind.TOP_TRADER_POSITIONS] if e.package == "okx_api"}
    assert okx == {"/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader"}
    assert [e.path for e in coin_id_endpoints()] == ["/coins/list", "/coins/markets"]


def test_studies_table_has_a_row_per_study_of_the_spec(
    spec: Spec, endpoints: dict[SeriesKind, tuple[Endpoint, ...]]
) -> None:
    rows = _table_rows(studies_table(spec.enum("Study"), endpoints))
    assert [row[0] for row in rows] == [f"`{study}`" for study in spec.enum("Study")]
    assert all(row[4] for row in rows)  # every study has a source
    by_study = {row[0].strip("`"): row for row in rows}
    assert by_study["Open Interest"][1:] == [
        "open interest",
        "the chart's market",
        "`open-interest`",
        "Coinalyze API: `/open-interest-history`",
    ]
    funding = by_study["Aggregated Funding Rate"]
    assert funding[2] == "the coin's perpetual contracts, STABLE- and COIN-margined"
    assert funding[4] == "Coinalyze API: `/funding-rate-history`, `/open-interest-history`"
    coin_margined = by_study["Aggregated Open Interest COIN-margined Contracts"]
    assert coin_margined[2] == "the coin's perpetual contracts, COIN-margined"
    assert by_study["Aggregated CVD Spot"][2] == "the coin's spot markets"


def test_the_three_studies_name_their_upstreams(
    spec: Spec, endpoints: dict[SeriesKind, tuple[Endpoint, ...]]
) -> None:
    rows = _table_rows(studies_table(spec.enum("Study"), endpoints))
    not_coinalyze = {row[0].strip("`") for row in rows if not row[4].startswith("Coinalyze API:")}
    assert not_coinalyze == {
        "Long/Short Accounts Ratio Top Traders",
        "Long/Short Positions Ratio Top Traders",
    }
    by_study = {row[0].strip("`"): row[4] for row in rows}
    assert by_study["Long/Short Accounts Ratio Top Traders"] == (
        "Binance USDⓈ-M Futures data, Binance COIN-M Futures data:"
        " `/futures/data/topLongShortAccountRatio` <br>OKX public trading statistics:"
        " `/api/v5/rubik/stat/contracts/long-short-account-ratio-contract-top-trader`"
    )
    assert by_study["Open Interest/Market Cap Ratio"] == (
        "Coinalyze API: `/open-interest-history` <br>"
        "CoinGecko API v3: `/coins/{id}/market_chart/range`"
    )


def test_series_table_names_each_series_once(
    endpoints: dict[SeriesKind, tuple[Endpoint, ...]],
) -> None:
    rows = _table_rows(series_table(endpoints))
    assert [row[0] for row in rows] == [f"`{kind}`" for kind in SeriesKind]
    served = {row[0]: row[2] for row in rows}
    assert served["`liquidations`"] == "Coinalyze API: `/liquidation-history`"
    assert served["`market-cap`"] == "CoinGecko API v3: `/coins/{id}/market_chart/range`"
    assert served["`top-trader-positions`"].startswith("Binance USDⓈ-M Futures data, Binance")


def test_upstreams_table_reads_each_upstreams_settings(
    endpoints: dict[SeriesKind, tuple[Endpoint, ...]],
) -> None:
    rows = {row[0]: row[1:] for row in _table_rows(upstreams_table(endpoints))}
    assert list(rows) == [
        "Coinalyze API",
        "Binance USDⓈ-M Futures data",
        "Binance COIN-M Futures data",
        "OKX public trading statistics",
        "CoinGecko API v3",
    ]
    assert rows["Binance COIN-M Futures data"] == [
        "`top-trader-accounts`, `top-trader-positions`",
        f"`{ENV_PREFIX}BINANCE_COIN_FUTURES_URL` <br>default `https://dapi.binance.com`",
        f"`{ENV_PREFIX}BINANCE_CALLS_PER_MINUTE` <br>default `200`",
        "none",
    ]
    assert rows["CoinGecko API v3"][2:] == [
        f"`{ENV_PREFIX}COINGECKO_CALLS_PER_MINUTE` <br>default `30`",
        "`COINGECKO_API_KEY`",
    ]
    assert rows["Coinalyze API"][3] == "`COINALYZE_API_KEY`"
    assert rows["OKX public trading statistics"][3] == "none"


def test_limits_table_renders_the_spec_and_checks_it_against_the_source(spec: Spec) -> None:
    rows = _table_rows(limits_table(spec))
    assert rows == [
        ["`Long/Short Accounts Ratio Top Traders`", "`BINANCE`, `OKX`", "`5m` to `1D`"],
        ["`Long/Short Positions Ratio Top Traders`", "`BINANCE`, `OKX`", "`5m` to `1D`"],
    ]
    document = copy.deepcopy(dict(spec.document))
    study = document["components"]["schemas"]["Study"]
    study["x-max-interval"]["Long/Short Accounts Ratio Top Traders"] = "1W"
    with pytest.raises(ValueError, match="Long/Short Accounts Ratio Top Traders"):
        limits_table(Spec(document, spec.text))
    document = copy.deepcopy(dict(spec.document))
    document["components"]["schemas"]["Study"]["x-exchanges"].pop(
        "Long/Short Positions Ratio Top Traders"
    )
    with pytest.raises(ValueError, match="Long/Short Positions Ratio Top Traders"):
        limits_table(Spec(document, spec.text))


def test_cold_cost_counts_every_market_and_series(spec: Spec, paths: dict[SeriesKind, str]) -> None:
    rows = _table_rows(cold_cost_table("BINANCE:BTCUSDT.P", spec.enum("Study"), paths))
    by_study = {row[0].strip("`"): [int(value) for value in row[1:]] for row in rows}
    # The aggregates, and the ratio whose open interest Coinalyze serves for every contract.
    assert all(
        study.startswith("Aggregated") or study == "Open Interest/Market Cap Ratio"
        for study in by_study
    )
    markets, calls, requests = by_study["Open Interest/Market Cap Ratio"]
    assert calls == markets + 1  # their open interest and the chart's candles, no market cap
    # Funding and open interest of each contract, plus the chart's own candles.
    markets, calls, requests = by_study["Aggregated Funding Rate"]
    assert calls == 2 * markets + 1
    assert requests == 2 * math.ceil(markets / 20) + 1  # at most 20 symbols a request
    # The chart's market is one of the contracts its CVD reads: its candles are fetched once.
    markets, calls, _ = by_study["Aggregated CVD Futures"]
    assert calls == markets
    with pytest.raises(ValueError, match="no symbol BINANCE:NOPE"):
        cold_cost_table("BINANCE:NOPE", [], paths)


def test_weeks_and_months_are_fetched_as_days(spec: Spec) -> None:
    rows = {row[0]: row[1:] for row in _table_rows(intervals_table(spec.enum("Interval")))}
    assert list(rows) == [f"`{interval}`" for interval in spec.enum("Interval")]
    assert rows["`1h`"] == ["`1hour`", "`1h`", "`1H`"]
    assert rows["`1D`"] == ["`daily`", "`1d`", "`1D`"]
    assert rows["`1W`"][0].startswith("`daily`, combined")
    assert rows["`1M`"][0].startswith("`daily`, combined")
    # The top traders' ratios have no 1m, weekly or monthly periods.
    assert all("422" in rows[f"`{i}`"][1] and "422" in rows[f"`{i}`"][2] for i in ("1m", "1W"))


def test_market_markers_render_and_unknown_ones_fail(site: Site, spec: Spec) -> None:
    expanded = site.expand("<!-- market:studies -->\n", "guides/real-data.md", "x/")
    assert len(_table_rows(expanded)) == len(spec.enum("Study"))
    for marker in ("series", "upstreams", "limits", "intervals"):
        assert _table_rows(site.expand(f"<!-- market:{marker} -->\n", "x.md", "x/"))
    assert site.expand("<!-- market:coin-ids -->", "x.md", "x/") == (
        "`/coins/list`, `/coins/markets`"
    )
    with pytest.raises(MarkerError, match="unknown market marker 'study'"):
        site.expand("<!-- market:study -->\n", "guides/real-data.md", "x/")


@dataclasses.dataclass(frozen=True)
class _SettingsWithSecrets:
    port: int = 8000
    password: str = dataclasses.field(default="hunter2", repr=False)
    upstream_key: str = dataclasses.field(default="k", metadata={ENV_NAME: "UPSTREAM_KEY"})


def test_settings_table_names_own_variables_and_hides_secrets() -> None:
    rows = {row[1]: row for row in _table_rows(settings_table(_SettingsWithSecrets()))}
    assert rows["`port`"] == [f"`{ENV_PREFIX}PORT`", "`port`", "`8000`"]
    assert rows["`upstream_key`"][0] == "`UPSTREAM_KEY`"
    assert rows["`password`"][2] == HIDDEN_DEFAULT
    assert "hunter2" not in settings_table(_SettingsWithSecrets())


def test_server_settings_table_reads_the_coinalyze_key_from_its_own_variable() -> None:
    rows = {row[1]: row for row in _table_rows(settings_table())}
    assert rows["`coinalyze_api_key`"][0] == "`COINALYZE_API_KEY`"
    assert rows["`coinalyze_api_key`"][2] == HIDDEN_DEFAULT
    assert rows["`market`"] == [f"`{ENV_PREFIX}MARKET`", "`market`", "`synthetic`"]
    # A list is shown as its variable takes it.
    assert rows["`allowed_hosts`"][2] == "`localhost,127.0.0.1,::1,testserver`"


@dataclasses.dataclass(frozen=True)
class _Marked:
    name: str
    mark: str


def test_real_data_guide_states_the_sources_own_limits() -> None:
    guide = " ".join((ROOT / "docs" / "guides" / "real-data.md").read_text("utf-8").split())
    assert f"last {BINANCE_HISTORY.days} days" in guide
    assert f"at most {BINANCE_MAX_POINTS} points a call" in guide
    assert f"{OKX_MAX_POINTS} points a page" in guide
    assert f"reaches **{COINGECKO_HISTORY.days} days** back" in guide
    assert "hourly up to 90 days" in guide
    # The mark the composite of the `coinalyze` mode draws, from each source's own mark.
    coinalyze, top_traders, coingecko = (
        cast(Any, _Marked(source.name, source.mark))
        for source in (CoinalyzeSource, TopTraderSource, CoinGeckoSource)
    )
    others = {
        SeriesKind.TOP_TRADER_ACCOUNTS: top_traders,
        SeriesKind.TOP_TRADER_POSITIONS: top_traders,
        SeriesKind.MARKET_CAP: coingecko,
    }
    mark = CompositeSource(coinalyze, others).mark
    assert mark == "Data: Coinalyze, Binance, OKX, CoinGecko"
    assert guide.count(f'"{mark}"') == 2  # in the sources table and the credit
