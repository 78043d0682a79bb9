"""The overlay against the reference server: in process (ASGI) and over a real socket."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from chart_img import (
    AsyncChartImg,
    ChartImg,
    ForbiddenError,
    ImageFormat,
    NotFoundError,
    UnprocessableError,
)
from chart_img._spec import request_example, request_properties
from chart_img.cli import app as cli_app
from chart_img_server import RunningServer
from starlette.applications import Starlette
from typer.testing import CliRunner

DOC_EXAMPLES = ("openInterest", "longShortRatio", "liquidations")


@pytest.fixture
def client(live_server: RunningServer) -> ChartImg:
    return ChartImg(api_key=live_server.api_key, base_url=live_server.base_url, max_retries=0)


def test_market_over_a_socket(client: ChartImg) -> None:
    with client:
        exchanges = client.exchanges()
        symbols = client.symbols("binance")
    assert "BINANCE" in exchanges
    assert exchanges.updated_at is not None
    assert "BTCUSDT.P" in symbols


@pytest.mark.parametrize("example", DOC_EXAMPLES)
def test_the_documentation_examples(client: ChartImg, example: str) -> None:
    with client:
        image = client.chart(request_example(example))
    properties = request_properties()
    assert image.format is ImageFormat.PNG
    assert (image.width, image.height) == (
        properties["width"]["default"],
        properties["height"]["default"],
    )
    assert image.to_pil().size == (image.width, image.height)


def test_jpeg_with_a_watermark(client: ChartImg) -> None:
    with client:
        image = client.chart(request_example("watermarked"))
    assert (image.format, image.width, image.height) == (ImageFormat.JPEG, 1280, 720)
    assert image.media_type == "image/jpeg"


def test_store_and_download(client: ChartImg) -> None:
    with client:
        stored = client.store(request_example("newYorkLiquidations"))
        image = stored.download()
    assert image.size == stored.size
    assert stored.expire_at > stored.created_at


def test_server_side_errors(live_server: RunningServer, client: ChartImg) -> None:
    with client:
        with pytest.raises(UnprocessableError, match="Invalid Symbol"):
            client.chart(symbol="BINANCE:NOSUCHCOIN")
        with pytest.raises(NotFoundError):
            client.symbols("nosuchexchange")
    with (
        ChartImg(api_key="wrong-key", base_url=live_server.base_url) as wrong,
        pytest.raises(ForbiddenError),
    ):
        wrong.exchanges()


def test_query_key_over_a_socket(live_server: RunningServer) -> None:
    with ChartImg(
        api_key=live_server.api_key, base_url=live_server.base_url, key_in_query=True
    ) as client:
        assert "BINANCE" in client.exchanges()
        assert client.chart(width=400, height=300).width == 400  # POST: the header still


async def test_async_in_process(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)  # it runs no lifespan: the test does
    async with (
        app.router.lifespan_context(app),
        AsyncChartImg(
            api_key="test-key", base_url="http://testserver", transport=transport
        ) as client,
    ):
        assert "BYBIT" in await client.exchanges()
        image = await client.chart(theme="dark", format="jpeg", width=640, height=480)
        stored = await client.store(interval="4h")
        downloaded = await stored.download()
        with pytest.raises(UnprocessableError) as caught:
            await client.chart(
                {"symbol": "BINANCE:ETHUSDT", "interval": "1h", "studies": ["Buy Sell Pressure"]},
                symbol="BINANCE:NOSUCHCOIN",
            )
    assert (image.format, image.width, image.height) == (ImageFormat.JPEG, 640, 480)
    assert downloaded.size == stored.size
    assert caught.value.message == "Invalid Symbol"


def test_cli_over_a_socket(live_server: RunningServer, tmp_path: Path) -> None:
    runner = CliRunner(
        env={"CHART_IMG_API_KEY": live_server.api_key, "CHART_IMG_BASE_URL": live_server.base_url}
    )
    target = tmp_path / "btc.png"
    result = runner.invoke(
        cli_app,
        ["chart", "--interval", "4h", "--study", "Open Interest", "-o", str(target), "--json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["width"] == 800
    assert target.read_bytes().startswith(b"\x89PNG")
    result = runner.invoke(cli_app, ["symbols", "BINANCE", "--grep", "eth"])
    assert "ETHUSDT" in result.stdout.split()


def test_cli_batch_over_a_socket(live_server: RunningServer, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    requests = [request_example(name) for name in DOC_EXAMPLES] + [{"symbol": "BINANCE:NOSUCHCOIN"}]
    batch.write_text("\n".join(json.dumps(r) for r in requests))
    runner = CliRunner(
        env={"CHART_IMG_API_KEY": live_server.api_key, "CHART_IMG_BASE_URL": live_server.base_url}
    )
    result = runner.invoke(
        cli_app, ["batch", str(batch), "-d", str(tmp_path / "out"), "-c", "2", "--json"]
    )
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert [item["ok"] for item in summary] == [True, True, True, False]
    assert "Invalid Symbol" in summary[3]["error"]
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_demo(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["demo", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == sorted(f"{name}.png" for name in (*DOC_EXAMPLES, "newYorkLiquidations"))
    assert "Reference server stopped" in result.stdout
    assert "verified" in result.stdout


@pytest.mark.parametrize(
    ("market", "environment", "says"),
    [
        ("nope", {}, "must be one of synthetic, coinalyze"),
        ("coinalyze", {"COINALYZE_API_KEY": ""}, "COINALYZE_API_KEY"),
    ],
)
def test_demo_refuses_a_market_it_cannot_use(
    tmp_path: Path, market: str, environment: dict[str, str], says: str
) -> None:
    result = CliRunner(env=environment).invoke(
        cli_app, ["demo", "--market", market, "--out-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert says in result.stderr
    assert list(tmp_path.iterdir()) == []
