"""The chart's typeface is the packaged one, loaded without the system's font configuration."""

from __future__ import annotations

import subprocess
import sys

from chart_img_server.render._fonts import fonts

RENDER_ONE_CHART = """
import datetime
from chart_img_server.chart import ChartRequest
from chart_img_server.rendering import draw_synthetic, synthetic_data
request = ChartRequest("BINANCE", "BTCUSDT.P", "1h", 800, 600, "dark", "Etc/UTC", "png",
                       ("Open Interest",), "chart-img-kit", 32, 0.5)
draw_synthetic(request, datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC))
"""


def test_the_packaged_typeface_is_used() -> None:
    assert fonts().typeface.getFamilyName() == "DejaVu Sans"


def test_rendering_prints_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-c", RENDER_ONE_CHART], capture_output=True, text=True, check=True
    )
    assert result.stdout == ""
    assert result.stderr == ""
