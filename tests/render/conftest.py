"""Chart requests built from the spec's defaults, and image helpers for the renderer tests."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.resources
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import yaml
from chart_img_server.chart import ChartRequest
from chart_img_server.rendering import draw_synthetic
from PIL import Image

NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)

Pixels = npt.NDArray[np.uint8]
MakeRequest = Callable[..., ChartRequest]


def load_spec() -> dict[str, Any]:
    text = importlib.resources.files("chart_img_api").joinpath("openapi.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def study_names(spec: dict[str, Any]) -> list[str]:
    return list(spec["components"]["schemas"]["Study"]["enum"])


@pytest.fixture(scope="session")
def default_request(spec: dict[str, Any]) -> ChartRequest:
    """The request an empty body means, every field at the spec's default."""
    defaults = {
        name: schema["default"]
        for name, schema in spec["components"]["schemas"]["AdvancedChartRequest"][
            "properties"
        ].items()
        if "default" in schema
    }
    exchange, _, ticker = str(defaults["symbol"]).partition(":")
    return ChartRequest(
        exchange=exchange,
        ticker=ticker,
        interval=defaults["interval"],
        width=defaults["width"],
        height=defaults["height"],
        theme=defaults["theme"],
        timezone=defaults["timezone"],
        format=defaults["format"],
        studies=tuple(defaults["studies"]),
        watermark=None,
        watermark_size=defaults["watermarkSize"],
        watermark_opacity=float(defaults["watermarkOpacity"]),
    )


@pytest.fixture(scope="session")
def make_request(default_request: ChartRequest) -> MakeRequest:
    def make(**changes: Any) -> ChartRequest:
        if "studies" in changes:
            changes["studies"] = tuple(changes["studies"])
        return dataclasses.replace(default_request, **changes)

    return make


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixels(request: ChartRequest, now: datetime.datetime = NOW) -> Pixels:
    """The rendered chart as an RGB array (height x width x 3)."""
    return np.asarray(decode(draw_synthetic(request, now)).convert("RGB"))


def rgb(color: int) -> tuple[int, int, int]:
    return (color >> 16) & 0xFF, (color >> 8) & 0xFF, color & 0xFF
