"""`UsageError`: a command line that cannot work, refused before any request is sent."""

from __future__ import annotations

from ._exceptions import ChartImgError

__all__ = ["UsageError"]


class UsageError(ChartImgError, ValueError):
    """A bad option value, output path or batch file; the message names what to change."""
