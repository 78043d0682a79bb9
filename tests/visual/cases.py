"""The visual regression grid: chart requests, how each is stored, and how two images compare.

Each case is a request drawn from the synthetic market at a fixed moment. Its reference image is
the render in RGB, halved for charts wider than 1024 pixels and reduced to at most 256 colours
(charts have few), so that the references stay small; the test reduces each fresh render the same
way before comparing. `make visual-update` redraws the references on purpose.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from chart_img_server import market
from chart_img_server.chart import ChartRequest
from chart_img_server.rendering import draw_synthetic
from PIL import Image

from tests.server.conftest import DEFAULT_CHART

NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
REFERENCES = Path(__file__).parent / "references"

# A pixel differs when a channel moves by more than TOLERANCE; a case fails when more than
# MAX_DIFFERING of its pixels do (one word of 16-pixel text behind the candles is ~0.03 %).
TOLERANCE = 24
MAX_DIFFERING = 0.0002
_HALVE_ABOVE = 1024  # pixels wide
_COLOURS = 256

BASE = DEFAULT_CHART  # every default of the spec

EIGHT = (
    "Open Interest",
    "Liquidations",
    "Buy / Sell Count",
    "Open Interest Delta",
    "Funding Rate",
    "Long/Short Accounts Ratio",
    "Buy / Sell Volume",
    "Funding Rate OHLC",
)
THREE = EIGHT[:3]
SCRIPTS = "Ünïcödé 📈 テスト"


def _spec_studies() -> list[str]:
    import importlib.resources

    text = importlib.resources.files("chart_img_api").joinpath("openapi.yaml").read_text("utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return list(spec["components"]["schemas"]["Study"]["enum"])


def _one_per_family() -> dict[str, str]:
    """The first study of the spec in each family, by family name."""
    found: dict[str, str] = {}
    for name in _spec_studies():
        found.setdefault(market.recipe(name).family.name.lower(), name)
    return found


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    request: ChartRequest


def _case(name: str, **changes: Any) -> Case:
    if "studies" in changes:
        changes["studies"] = tuple(changes["studies"])
    return Case(name, dataclasses.replace(BASE, **changes))


def cases() -> list[Case]:
    grid = [
        # Themes, sizes and 0/1/3/8 studies.
        _case("light-400x300-0", width=400, height=300),
        _case("dark-400x300-0", width=400, height=300, theme="dark"),
        _case("light-400x300-3", width=400, height=300, studies=THREE),
        _case("dark-400x300-3", width=400, height=300, theme="dark", studies=THREE),
        _case("light-800x600-1", studies=["Open Interest"]),
        _case("dark-800x600-1", theme="dark", studies=["Open Interest"]),
        _case("light-800x600-3", studies=THREE, interval="4h"),
        _case("light-800x600-8", studies=EIGHT),
        _case("dark-800x600-8", theme="dark", studies=EIGHT),
        _case("dark-1280x720-3", width=1280, height=720, theme="dark", studies=THREE),
        _case("light-2048x300-1", width=2048, height=300, studies=["Liquidations"], interval="1h"),
        _case("light-400x1920-8", width=400, height=1920, studies=EIGHT, interval="15m"),
        # Watermarks: sizes, with studies, translucent, on the dark theme.
        _case("watermark-16", watermark="chart-img-kit"),
        _case("watermark-64-3", studies=THREE, watermark="chart-img-kit", watermark_size=64),
        _case("watermark-128-3", studies=THREE, watermark="chart-img-kit", watermark_size=128),
        _case(
            "watermark-128-400x300",
            width=400,
            height=300,
            watermark="chart-img-kit",
            watermark_size=128,
        ),
        _case(
            "watermark-dark-faint",
            theme="dark",
            studies=["Funding Rate"],
            watermark="chart-img-kit",
            watermark_size=64,
            watermark_opacity=0.3,
        ),
        # Scripts beyond Latin, through the fallback fonts.
        _case("scripts-light", watermark=SCRIPTS, watermark_size=64),
        _case("scripts-dark", theme="dark", watermark=SCRIPTS, watermark_size=32),
        _case(
            "scripts-cjk-greek-cyrillic",
            watermark="比特币 비트코인 Δ Биткоин 🚀",
            watermark_size=48,
        ),
    ]
    grid += [
        _case(f"family-{family}", width=400, height=300, studies=[study], interval="4h")
        for family, study in sorted(_one_per_family().items())
    ]
    return grid


Pixels = npt.NDArray[np.uint8]


def reduce(png: bytes) -> Image.Image:
    """A render as stored: RGB, halved when wide, at most 256 colours."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > _HALVE_ABOVE:
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.BOX)
    return image.quantize(_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def render(case: Case) -> Image.Image:
    return reduce(draw_synthetic(case.request, NOW))


def reference_path(case: Case) -> Path:
    return REFERENCES / f"{case.name}.png"


def save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def differing_share(expected: Image.Image, actual: Image.Image) -> float:
    """The share of pixels where some channel differs by more than TOLERANCE (1 on a size
    mismatch)."""
    if expected.size != actual.size:
        return 1.0
    a = np.asarray(expected.convert("RGB"), dtype=np.int16)
    b = np.asarray(actual.convert("RGB"), dtype=np.int16)
    return float((np.abs(a - b) > TOLERANCE).any(axis=2).mean())


def diff_image(expected: Image.Image, actual: Image.Image) -> Image.Image:
    """The actual render, with the pixels that differ in magenta."""
    a = np.asarray(expected.convert("RGB"), dtype=np.int16)
    b = np.asarray(actual.convert("RGB"), dtype=np.int16)
    shown = np.asarray(actual.convert("RGB")).copy()
    shown[(np.abs(a - b) > TOLERANCE).any(axis=2)] = (255, 0, 255)
    return Image.fromarray(shown)
