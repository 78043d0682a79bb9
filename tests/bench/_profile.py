"""A pyinstrument profile of the renderer on the 800x600 two-study PNG, for finding hot spots."""

from __future__ import annotations

from pathlib import Path

from chart_img_server.rendering import draw_synthetic
from pyinstrument import Profiler

from .bench_render import SCENARIOS, _at

RENDERS = 300


def profile_render(directory: Path, renders: int = RENDERS) -> Path:
    scenario = next(s for s in SCENARIOS if s.speedup_target is not None)
    request = scenario.request()
    draw_synthetic(request, _at(-1))
    profiler = Profiler(interval=0.0005)
    with profiler:
        for i in range(renders):
            draw_synthetic(request, _at(i))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "render-profile.html"
    path.write_text(profiler.output_html())
    (directory / "render-profile.txt").write_text(profiler.output_text(unicode=True))
    return path
