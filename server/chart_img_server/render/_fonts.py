"""The typeface, loaded once: DejaVu Sans shipped in the package, else a system sans-serif."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import cache

import skia

__all__ = ["Fonts", "fonts"]

_FONT_FILE = "DejaVuSans.ttf"


@dataclass(frozen=True, slots=True)
class Fonts:
    """The few sizes a chart uses; skia fonts are immutable values once built."""

    axis: skia.Font
    legend: skia.Font
    legend_bold: skia.Font
    title: skia.Font
    typeface: skia.Typeface

    def sized(self, size: float) -> skia.Font:
        return _font(self.typeface, size)


def _load_typeface() -> skia.Typeface:
    resource = importlib.resources.files(__package__).joinpath("fonts", _FONT_FILE)
    with importlib.resources.as_file(resource) as path:
        if path.is_file():
            # An empty custom manager reads just this file: the system fontconfig is never
            # initialised, and with it the warnings its newer config files print.
            typeface = skia.FontMgr.New_Custom_Empty().makeFromFile(str(path))
            if typeface is not None:
                return typeface
    # Without the packaged file, any sans-serif the platform offers; never a crash.
    return skia.Typeface.MakeFromName("sans-serif", skia.FontStyle.Normal())


def _font(typeface: skia.Typeface, size: float, *, bold: bool = False) -> skia.Font:
    font = skia.Font(typeface, size)
    font.setEdging(skia.Font.Edging.kAntiAlias)
    font.setSubpixel(True)
    font.setHinting(skia.FontHinting.kSlight)
    font.setEmbolden(bold)
    return font


@cache
def fonts() -> Fonts:
    typeface = _load_typeface()
    return Fonts(
        axis=_font(typeface, 11),
        legend=_font(typeface, 12),
        legend_bold=_font(typeface, 13, bold=True),
        title=_font(typeface, 11),
        typeface=typeface,
    )
