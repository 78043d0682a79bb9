"""A chart request after validation, with every default applied."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChartRequest:
    exchange: str
    ticker: str
    interval: str
    width: int
    height: int
    theme: str
    timezone: str
    format: str
    studies: tuple[str, ...]
    watermark: str | None
    watermark_size: int
    watermark_opacity: float

    @property
    def symbol(self) -> str:
        return f"{self.exchange}:{self.ticker}"
