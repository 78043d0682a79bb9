"""Rendering in process: the renderer against mplfinance drawing the same data and panes.

Each render is timed as of a new second, so the synthetic bars are computed every time (the
server caches them per second and symbol); mplfinance is handed the data ready-made and timed
drawing and encoding only, which favours the baseline.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from chart_img_server import market
from chart_img_server.chart import ChartRequest
from chart_img_server.render import chart_layout
from chart_img_server.render._encode import encode_png
from chart_img_server.render._layout import bar_count
from chart_img_server.rendering import draw_synthetic, synthetic_data
from PIL import Image

from ._common import BENCH_INTERVAL, BENCH_NOW, BENCH_SYMBOL, FIVE_STUDIES, TWO_STUDIES, Scale
from ._report import Result
from ._stats import median, ms, percentile, time_each

SECTION = "render"
Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Scenario:
    label: str
    width: int
    height: int
    studies: tuple[str, ...]
    image_format: str
    median_target_ms: float | None = None
    speedup_target: float | None = None

    @property
    def large(self) -> bool:
        return self.width * self.height > 800 * 600

    def request(self) -> ChartRequest:
        exchange, _, ticker = BENCH_SYMBOL.partition(":")
        return ChartRequest(
            exchange=exchange,
            ticker=ticker,
            interval=BENCH_INTERVAL,
            width=self.width,
            height=self.height,
            theme="dark",
            timezone="Etc/UTC",
            format=self.image_format,
            studies=self.studies,
            watermark=None,
            watermark_size=16,
            watermark_opacity=1.0,
        )


SCENARIOS = (
    Scenario("800x600, no study", 800, 600, (), "png"),
    Scenario("800x600, no study", 800, 600, (), "jpeg"),
    Scenario("800x600, 2 studies", 800, 600, TWO_STUDIES, "png", 10.0, 50.0),
    Scenario("800x600, 2 studies", 800, 600, TWO_STUDIES, "jpeg", 8.0),
    Scenario("2048x1920, 5 studies", 2048, 1920, FIVE_STUDIES, "png", 50.0),
    Scenario("2048x1920, 5 studies", 2048, 1920, FIVE_STUDIES, "jpeg"),
)


def run(scale: Scale) -> list[Result]:
    results = []
    for scenario in SCENARIOS:
        iterations = scale.render_large_iterations if scenario.large else scale.render_iterations
        baseline_runs = (
            scale.baseline_large_iterations if scenario.large else scale.baseline_iterations
        )
        ours = time_each(_renderer(scenario.request()), iterations)
        baseline = time_each(_mplfinance(scenario), baseline_runs, warmup=1)
        floor_name, floor = _encode_floor(scenario, scale.encode_iterations)
        results.append(_result(scenario, ours, baseline, floor_name, floor))
    return results


def _at(i: int) -> datetime.datetime:
    return BENCH_NOW + datetime.timedelta(seconds=i)


def _renderer(request: ChartRequest) -> Callable[[int], object]:
    return lambda i: draw_synthetic(request, _at(i))


def _result(
    scenario: Scenario, ours: list[float], baseline: list[float], floor_name: str, floor: float
) -> Result:
    ours_median, ours_p95 = ms(median(ours)), ms(percentile(ours, 95))
    baseline_median = ms(median(baseline))
    speedup = baseline_median / ours_median
    targets, met = [], []
    if scenario.median_target_ms is not None:
        targets.append(f"≤ {scenario.median_target_ms:g} ms")
        met.append(ours_median <= scenario.median_target_ms)
    if scenario.speedup_target is not None:
        targets.append(f"≥ {scenario.speedup_target:g}x mplfinance")
        met.append(speedup >= scenario.speedup_target)
    return Result(
        section=SECTION,
        case=f"{scenario.label}, {scenario.image_format.upper()}",
        figure=f"median {ours_median:.1f} ms, p95 {ours_p95:.1f} ms",
        baseline=(
            f"mplfinance {baseline_median:.0f} ms ({speedup:.0f}x slower); "
            f"encode floor {ms(floor):.1f} ms ({floor_name})"
        ),
        target=", ".join(targets),
        met=all(met) if met else None,
        numbers={
            "median_ms": ours_median,
            "p95_ms": ours_p95,
            "samples": len(ours),
            "mplfinance_median_ms": baseline_median,
            "speedup_vs_mplfinance": speedup,
            "encode_floor_ms": ms(floor),
            "encode_floor_encoder": floor_name,
        },
    )


# --------------------------------------------------------------------------- encode floor


def _encode_floor(scenario: Scenario, iterations: int) -> tuple[str, float]:
    """The fastest encoder available on the renderer's own pixels: (name, median seconds)."""
    pixels = _pixels(scenario.request())
    candidates = _png_encoders() if scenario.image_format == "png" else _jpeg_encoders()
    timings = {
        name: median(time_each(_encoding(encoder, pixels), iterations))
        for name, encoder in candidates.items()
    }
    fastest = min(timings, key=timings.__getitem__)
    return fastest, timings[fastest]


def _encoding(encoder: Callable[[Pixels], bytes], pixels: Pixels) -> Callable[[int], object]:
    return lambda _i: encoder(pixels)


def _pixels(request: ChartRequest) -> Pixels:
    png = draw_synthetic(dataclasses.replace(request, format="png"), _at(0))
    with Image.open(io.BytesIO(png)) as image:
        return np.ascontiguousarray(np.asarray(image.convert("RGBA")))


def _png_encoders() -> dict[str, Callable[[Pixels], bytes]]:
    return {
        "renderer's zlib-ng PNG": encode_png,
        "Pillow PNG level 1": lambda p: _pillow(p, "RGBA", "PNG", compress_level=1),
    }


def _jpeg_encoders() -> dict[str, Callable[[Pixels], bytes]]:
    return {"Pillow (libjpeg-turbo) q90": lambda p: _pillow(p, "RGB", "JPEG", quality=90)}


def _pillow(pixels: Pixels, mode: str, image_format: str, **options: int) -> bytes:
    image = Image.fromarray(pixels, "RGBA")
    buffer = io.BytesIO()
    (image if mode == "RGBA" else image.convert(mode)).save(buffer, image_format, **options)
    return buffer.getvalue()


# --------------------------------------------------------------------------- mplfinance


def _mplfinance(scenario: Scenario) -> Callable[[int], object]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplfinance as mpf
    import pandas as pd  # type: ignore[import-untyped]

    request = scenario.request()
    chart_data = synthetic_data(request, BENCH_NOW)
    layout = chart_layout(request, chart_data)
    visible = chart_data.visible(bar_count(request.width, request.width - layout.plot_right))
    bars = market.price_bars(visible)
    frame = pd.DataFrame(
        {"Open": bars.open, "High": bars.high, "Low": bars.low, "Close": bars.close},
        index=pd.to_datetime(bars.time, unit="s"),
    )
    panes = [market.derive_study(plan, bars, visible) for plan in visible.plan.studies]

    def draw(_i: int) -> bytes:
        addplots = _addplots(mpf, pd, frame.index, panes)
        figure, _axes = mpf.plot(
            frame,
            type="candle",
            style="nightclouds",
            figsize=(request.width / 100, request.height / 100),
            returnfig=True,
            warn_too_much_data=len(frame) + 1,
            **({"addplot": addplots} if addplots else {}),
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format=request.format, dpi=100)
        plt.close(figure)
        return buffer.getvalue()

    return draw


def _addplots(
    mpf: object, pd: object, index: object, panes: list[market.StudySeries]
) -> list[object]:
    """Each study in its own panel, drawn as the renderer draws it (line, columns or candles)."""
    make = mpf.make_addplot  # type: ignore[attr-defined]
    plots: list[object] = []
    for panel, series in enumerate(panes, start=1):
        match series:
            case market.Line(values=values):
                plots.append(make(values, panel=panel, type="line"))
            case market.Columns(values=values):
                plots.append(make(values, panel=panel, type="bar"))
            case market.Mirrored(above=above, below=below):
                plots.append(make(above, panel=panel, type="bar"))
                if below is not None:
                    plots.append(make(-below, panel=panel, type="bar"))
            case market.Candles(open=o, high=h, low=lo, close=c):
                ohlc = pd.DataFrame(  # type: ignore[attr-defined]
                    {"Open": o, "High": h, "Low": lo, "Close": c}, index=index
                )
                plots.append(make(ohlc, panel=panel, type="candle"))
    return plots
