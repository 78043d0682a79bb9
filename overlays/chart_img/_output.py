"""Where `chart-img chart` writes, checked before the chart is requested."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from chart_img_api.models import ImageFormat

from ._usage import UsageError

__all__ = ["check_output", "media_type"]


def media_type(image_format: ImageFormat) -> str:
    return mimetypes.types_map[f".{image_format.value}"]


def check_output(path: Path, image_format: ImageFormat, *, force: bool) -> Path:
    """`path` if a chart of `image_format` can be written there, else `UsageError`.

    Parameters:
        path: the file to write.
        image_format: the format the chart is requested in.
        force: overwrite an existing file, and accept an extension of another image format.
    """
    problem = _problem(path, image_format, force=force)
    if problem is not None:
        raise UsageError(f"--output {path}: {problem}")
    return path


def _problem(path: Path, image_format: ImageFormat, *, force: bool) -> str | None:
    extension = f".{image_format.value}"
    if path.is_dir():
        return f"is a directory; name a file in it, such as {path / ('chart' + extension)}"
    if not path.parent.is_dir():
        return f"the directory {path.parent} does not exist"
    named = mimetypes.guess_type(path.name)[0] or ""
    if not force and named.startswith("image/") and named != media_type(image_format):
        return _mismatch(named, image_format)
    if path.exists():
        if not force:
            return "the file exists; --force overwrites it"
        return _unwritable(path)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"cannot create a file in {path.parent} (permission denied)"
    return None


def _mismatch(named: str, image_format: ImageFormat) -> str:
    fixes = [f"--format {f.value}" for f in ImageFormat if media_type(f) == named]
    fixes.append(f"a .{image_format.value} name")
    return (
        f"the name says {named} but the chart is {image_format.value};"
        f" use {', '.join(fixes)}, or --force"
    )


def _unwritable(path: Path) -> str | None:
    try:
        with path.open("ab"):
            return None
    except OSError as exc:
        return f"cannot be written ({exc.strerror or exc})"
