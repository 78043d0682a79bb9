"""`chart-img batch`: many chart requests, a few at a time, into a directory of images."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._client import AsyncChartImg
from ._exceptions import ChartImgError
from ._usage import UsageError

__all__ = ["NAME_KEY", "BatchItem", "BatchResult", "read_batch", "run_batch", "summary_table"]

_YAML_SUFFIXES = {".yaml", ".yml"}
NAME_KEY = "name"
"""The key of a batch item that names its output file; every other key is a request field."""


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One request of a batch file: its line (JSON Lines) or position (YAML), from 1.

    Parameters:
        number: the line or position, from 1.
        request: the request fields, or None when the item cannot be sent.
        problem: why it cannot be sent.
        name: the output file's name without its extension, when the item gives one.
    """

    number: int
    request: Mapping[str, Any] | None
    problem: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    number: int
    seconds: float
    file: Path | None = None
    size: int = 0
    width: int = 0
    height: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "ok": self.ok,
            "file": None if self.file is None else str(self.file),
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def read_batch(path: Path) -> list[BatchItem]:
    """The requests of a JSON Lines file, or of a YAML file holding a list.

    Raises:
        UsageError: the file holds no request, or YAML that is not a list.
    """
    text = path.read_text(encoding="utf-8")
    items = _read_yaml(path, text) if path.suffix.lower() in _YAML_SUFFIXES else _read_lines(text)
    if not items:
        raise UsageError(f"{path} holds no requests; {_EXPECTED}")
    return _without_repeated_names(items)


_EXPECTED = "expected one JSON object a line, or a YAML list of objects"


def _read_yaml(path: Path, text: str) -> list[BatchItem]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    if loaded is None:
        return []
    if isinstance(loaded, Mapping):
        raise UsageError(
            f"{path} holds a YAML mapping, not a list of requests; start each request with '- '"
        )
    if not isinstance(loaded, list):
        raise UsageError(f"{path} holds a YAML {type(loaded).__name__}; {_EXPECTED}")
    return [_item(number, value) for number, value in enumerate(loaded, start=1)]


def _read_lines(text: str) -> list[BatchItem]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(_item(number, json.loads(line)))
        except json.JSONDecodeError as exc:
            items.append(BatchItem(number, None, f"not JSON: {exc.msg}"))
    return items


def _without_repeated_names(items: list[BatchItem]) -> list[BatchItem]:
    """Items whose `name` an earlier item took become problems, so no file is overwritten."""
    first: dict[str, int] = {}
    checked = []
    for item in items:
        key = None if item.name is None else item.name.casefold()
        if key is not None and key in first:
            problem = f"name {item.name!r} is already used by item {first[key]}"
            item = BatchItem(item.number, None, problem, item.name)
        elif key is not None:
            first[key] = item.number
        checked.append(item)
    return checked


def run_batch(
    make_client: Callable[[], AsyncChartImg],
    items: list[BatchItem],
    out_dir: Path,
    concurrency: int,
    console: Console,
) -> list[BatchResult]:
    """Capture every item, `concurrency` at a time, with a progress bar on `console`."""
    return asyncio.run(_run(make_client, items, out_dir, concurrency, console))


def summary_table(results: list[BatchResult]) -> Table:
    failed = sum(not result.ok for result in results)
    table = Table(title=f"{len(results) - failed} captured, {failed} failed")
    for column in ("#", "result", "size", "dimensions", "time"):
        table.add_column(column, justify="right" if column in {"#", "size", "time"} else "left")
    for result in results:
        if result.ok:
            cells = (str(result.file), f"{result.size:,} B", f"{result.width}x{result.height}")
        else:
            cells = (f"[red]{result.error}[/red]", "", "")
        table.add_row(str(result.number), *cells, f"{result.seconds:.2f} s")
    return table


async def _run(
    make_client: Callable[[], AsyncChartImg],
    items: list[BatchItem],
    out_dir: Path,
    concurrency: int,
    console: Console,
) -> list[BatchResult]:
    limit = asyncio.Semaphore(concurrency)
    columns = (TextColumn("charts"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("charts", total=len(items))
        async with make_client() as client:

            async def capture(item: BatchItem) -> BatchResult:
                async with limit:
                    result = await _capture(client, item, out_dir)
                progress.advance(task)
                return result

            return list(await asyncio.gather(*(capture(item) for item in items)))


async def _capture(client: AsyncChartImg, item: BatchItem, out_dir: Path) -> BatchResult:
    started = time.perf_counter()
    if item.request is None:
        return BatchResult(item.number, 0.0, error=item.problem)
    try:
        image = await client.chart(item.request)
        path = image.save(out_dir / _file_name(item, image.extension))
    except (ChartImgError, OSError) as exc:
        return BatchResult(item.number, time.perf_counter() - started, error=str(exc))
    return BatchResult(
        item.number,
        time.perf_counter() - started,
        file=path,
        size=image.size,
        width=image.width,
        height=image.height,
    )


def _item(number: int, value: Any) -> BatchItem:
    if not isinstance(value, Mapping):
        return BatchItem(number, None, "must be an object of request fields")
    request = {key: field for key, field in value.items() if key != NAME_KEY}
    name = value.get(NAME_KEY)
    if name is None:
        return BatchItem(number, request)
    problem = _name_problem(name)
    if problem is not None:
        return BatchItem(number, None, f"{NAME_KEY} {name!r} {problem}")
    return BatchItem(number, request, name=name)


def _name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "must be a non-empty string"
    if any(separator in name for separator in ("/", "\\", "\0")) or name.startswith("."):
        return "must be a file name, without a directory or a leading dot"
    return None


def _file_name(item: BatchItem, extension: str) -> str:
    """`name` plus the image's extension (unless it has it), else `NNN-symbol.ext`."""
    if item.name is not None:
        has_extension = item.name.lower().endswith(extension)
        return item.name if has_extension else f"{item.name}{extension}"
    symbol = None if item.request is None else item.request.get("symbol")
    return f"{item.number:03d}-{_slug(symbol)}{extension}"


def _slug(symbol: Any) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", str(symbol)).strip("-") if symbol else "chart"
