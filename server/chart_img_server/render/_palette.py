"""Light and dark palettes in TradingView's colours (ARGB integers, as skia takes them)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DARK", "LIGHT", "Palette", "palette", "with_alpha"]


def with_alpha(color: int, alpha: float) -> int:
    """`color` with its alpha channel set to `alpha` (0..1)."""
    return (round(max(0.0, min(1.0, alpha)) * 255) << 24) | (color & 0xFFFFFF)


@dataclass(frozen=True, slots=True)
class Palette:
    background: int
    grid: int
    border: int
    text: int
    muted_text: int
    up: int
    down: int
    watermark: int
    last_price_text: int
    reference_line: int
    series: tuple[int, ...]


_SERIES = (0xFF2962FF, 0xFFFF9800, 0xFF9C27B0, 0xFF00BCD4, 0xFFE91E63, 0xFF4CAF50, 0xFF795548)

LIGHT = Palette(
    background=0xFFFFFFFF,
    grid=0xFFF0F3FA,
    border=0xFFE0E3EB,
    text=0xFF131722,
    muted_text=0xFF787B86,
    up=0xFF089981,
    down=0xFFF23645,
    watermark=0xFF9598A1,
    last_price_text=0xFFFFFFFF,
    reference_line=0xFF9598A1,
    series=_SERIES,
)

DARK = Palette(
    background=0xFF131722,
    grid=0xFF1E222D,
    border=0xFF2A2E39,
    text=0xFFD1D4DC,
    muted_text=0xFF787B86,
    up=0xFF089981,
    down=0xFFF23645,
    watermark=0xFF4A4E59,
    last_price_text=0xFFFFFFFF,
    reference_line=0xFF5D606B,
    series=(0xFF2962FF, 0xFFFF9800, 0xFFCE93D8, 0xFF26C6DA, 0xFFF06292, 0xFF81C784, 0xFFBCAAA4),
)

_PALETTES = {"light": LIGHT, "dark": DARK}


def palette(theme: str) -> Palette:
    return _PALETTES.get(theme, LIGHT)
