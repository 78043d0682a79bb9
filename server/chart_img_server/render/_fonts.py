"""The typeface, loaded once: DejaVu Sans shipped in the package, else a system sans-serif.

Characters DejaVu lacks (CJK, emoji, ...) fall back, one character at a time, to the first font
installed on the system that has a glyph for them; the lookup is made once per character and
kept. The system fonts are read by skia's own directory scanner, never through fontconfig, so
that its warnings about newer configuration files are never printed.
"""

from __future__ import annotations

import importlib.resources
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import skia

__all__ = ["FALLBACK_DIRS", "Fonts", "fonts"]

_FONT_FILE = "DejaVuSans.ttf"

# Where the fallback fonts are looked for (recursively), in this order.
FALLBACK_DIRS: tuple[str, ...] = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
)

# Families tried first, in this order, when several have a glyph: sans-serif faces that sit well
# next to DejaVu Sans (Debian's fonts-noto-cjk and fonts-noto-color-emoji install the first two).
_PREFERRED = (
    "Noto Sans CJK JP",
    "Noto Color Emoji",
    "Noto Sans",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Droid Sans Fallback",
    "WenQuanYi Micro Hei",
)
_FONTS_KEPT = 256
_LAST = ("Serif", "Mono", "Math")  # families with these words only when nothing else has it


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


def _family_order(name: str) -> tuple[int, int, str]:
    if name in _PREFERRED:
        return 0, _PREFERRED.index(name), name
    return (2 if any(word in name for word in _LAST) else 1), 0, name


def system_typefaces(directories: Sequence[str] = FALLBACK_DIRS) -> list[skia.Typeface]:
    """One regular face per family found under `directories`, in fallback order."""
    faces: dict[str, skia.Typeface] = {}
    for directory in directories:
        if not os.path.isdir(directory):
            continue
        manager = skia.FontMgr.New_Custom_Directory(directory)
        for i in range(manager.countFamilies()):
            name = manager.getFamilyName(i)
            if name in faces:
                continue
            typeface = manager.matchFamilyStyle(name, skia.FontStyle.Normal())
            if typeface is not None:
                faces[name] = typeface
    return [faces[name] for name in sorted(faces, key=_family_order)]


@dataclass(slots=True)
class _Fallback:
    """Per character, the typeface that draws it: the primary one, or a system font."""

    primary: skia.Typeface
    directories: Sequence[str] = FALLBACK_DIRS
    _faces: list[skia.Typeface] | None = None
    _by_char: dict[str, skia.Typeface] = field(default_factory=dict)
    _fonts: dict[tuple[int, float, bool], skia.Font] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def typeface(self, char: str) -> skia.Typeface:
        found = self._by_char.get(char)
        if found is None:
            found = self._by_char[char] = self._lookup(ord(char))
        return found

    def _lookup(self, code: int) -> skia.Typeface:
        if self.primary.unicharToGlyph(code) or code < 0x20:
            return self.primary
        with self._lock:  # the system fonts are scanned once, on the first character missing
            if self._faces is None:
                self._faces = system_typefaces(self.directories)
        for face in self._faces:
            if face.unicharToGlyph(code):
                return face
        return self.primary  # nothing has it: the primary face's missing-glyph box

    def font(self, like: skia.Font, typeface: skia.Typeface) -> skia.Font:
        """`like` (its size and weight) in another typeface."""
        key = (typeface.uniqueID(), like.getSize(), like.isEmbolden())
        found = self._fonts.get(key)
        if found is None:
            if len(self._fonts) >= _FONTS_KEPT:  # watermarks shrunk to fit take any size
                self._fonts.clear()
            found = self._fonts[key] = _font(typeface, like.getSize(), bold=like.isEmbolden())
        return found

    def runs(self, text: str, font: skia.Font) -> Iterator[tuple[str, skia.Font]]:
        """`text` cut where the typeface changes, each piece with the font that draws it."""
        start, current = 0, self.typeface(text[0]) if text else self.primary
        for i in range(1, len(text)):
            face = self.typeface(text[i])
            if face is not current:
                yield text[start:i], self._font_for(font, current)
                start, current = i, face
        yield text[start:], self._font_for(font, current)

    def _font_for(self, font: skia.Font, typeface: skia.Typeface) -> skia.Font:
        return font if typeface is self.primary else self.font(font, typeface)


@dataclass(frozen=True, slots=True)
class Fonts:
    """The few sizes a chart uses; skia fonts are immutable values once built."""

    axis: skia.Font
    legend: skia.Font
    legend_bold: skia.Font
    title: skia.Font
    typeface: skia.Typeface
    fallback: _Fallback

    def sized(self, size: float) -> skia.Font:
        return _font(self.typeface, size)

    def measure(self, text: str, font: skia.Font) -> float:
        """The advance width of `text`, each character in the font that has it."""
        if text.isascii():
            return float(font.measureText(text))
        return sum(float(f.measureText(piece)) for piece, f in self.fallback.runs(text, font))

    def draw(
        self, canvas: skia.Canvas, text: str, x: float, y: float, font: skia.Font, paint: skia.Paint
    ) -> float:
        """Draws `text` with its baseline at `y`; returns the x where it ends."""
        if text.isascii():
            canvas.drawString(text, x, y, font, paint)
            return x + float(font.measureText(text))
        for piece, piece_font in self.fallback.runs(text, font):
            canvas.drawString(piece, x, y, piece_font, paint)
            x += float(piece_font.measureText(piece))
        return x


@cache
def fonts() -> Fonts:
    typeface = _load_typeface()
    return Fonts(
        axis=_font(typeface, 11),
        legend=_font(typeface, 12),
        legend_bold=_font(typeface, 13, bold=True),
        title=_font(typeface, 11),
        typeface=typeface,
        fallback=_Fallback(typeface),
    )
