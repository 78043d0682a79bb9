"""`chart-img demo` (and `make demo`): the documentation's example charts, end to end.

Starts the reference server on a free loopback port with a key of its own, captures the
spec's three example charts and one stored chart (downloaded and verified against its size and
ETag) into a directory, prints a summary, and stops the server.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chart_img_server import Settings, running_server
from rich.console import Console
from rich.table import Table

from ._client import ChartImg
from ._images import ChartImage
from ._spec import request_example

__all__ = [
    "CHART_EXAMPLES",
    "STORED_EXAMPLE",
    "DemoCapture",
    "DemoSettingsError",
    "how_to_run",
    "run_demo",
]

CHART_EXAMPLES = ("openInterest", "longShortRatio", "liquidations")
STORED_EXAMPLE = "newYorkLiquidations"


@dataclass(frozen=True, slots=True)
class DemoCapture:
    example: str
    file: Path
    image: ChartImage
    seconds: float
    how: str


def run_demo(out_dir: Path, console: Console, market: str = "synthetic") -> list[DemoCapture]:
    """Captures the examples through a reference server drawing from the `market` source.

    The Coinalyze source reads its key and URL from the environment, as the server does.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    captures: list[DemoCapture] = []
    with tempfile.TemporaryDirectory(prefix="chart-img-demo-") as storage:
        settings = _settings(market, key, Path(storage))
        with running_server(settings) as server:
            console.print(f"Reference server listening on {server.base_url}, {market} market data")
            with ChartImg(api_key=server.api_key, base_url=server.base_url) as client:
                for example in CHART_EXAMPLES:
                    started = time.perf_counter()
                    image = client.chart(request_example(example))
                    captures.append(_saved(example, image, out_dir, started, "captured"))
                started = time.perf_counter()
                stored = client.store(request_example(STORED_EXAMPLE))
                image = stored.download()
                how = "stored, downloaded, size and ETag verified"
                captures.append(_saved(STORED_EXAMPLE, image, out_dir, started, how))
        console.print("Reference server stopped")
    console.print(_table(captures))
    total = sum(capture.seconds for capture in captures)
    console.print(f"{len(captures)} charts in {out_dir}/, {total * 1000:.0f} ms of requests")
    console.print(how_to_run(), highlight=False, markup=False)
    return captures


def how_to_run(executable: str = sys.executable, environ: Mapping[str, str] | None = None) -> str:
    """How to run `chart-img` next: by name when the reader's shell finds it, else how.

    Under `make` (`MAKELEVEL`), PATH is the Makefile's own, with `.venv/bin` first: the
    reader's shell does not have it, so the venv is named.
    """
    environ = os.environ if environ is None else environ
    scripts = Path(executable).parent
    command = scripts / "chart-img"
    found = shutil.which("chart-img", path=environ.get("PATH", ""))
    if (
        found is not None
        and Path(found).resolve() == command.resolve()
        and "MAKELEVEL" not in environ
    ):
        return (
            "Next: `chart-img serve` runs the reference server (it prints its key);"
            " `chart-img --help` lists every command."
        )
    return (
        f"chart-img is in {_shown(scripts)}/, which your shell's PATH lacks: run"
        f" `{_shown(command)} --help`, or first `source {_shown(scripts / 'activate')}`"
        " and then `chart-img serve`, `chart-img --help`."
    )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class DemoSettingsError(ValueError):
    """The demo cannot run as asked (an unknown market source, a missing upstream key)."""


def _settings(market: str, key: str, storage: Path) -> Settings:
    """The environment's server settings (upstream URLs, keys, budgets), with the demo's own
    key, storage and market source."""
    try:
        return dataclasses.replace(
            Settings.from_env(), keys=(key,), storage_dir=storage, market=market
        )
    except ValueError as exc:
        raise DemoSettingsError(str(exc)) from None


def _saved(example: str, image: ChartImage, out_dir: Path, started: float, how: str) -> DemoCapture:
    path = image.save(out_dir / f"{example}{image.extension}")
    return DemoCapture(example, path, image, time.perf_counter() - started, how)


def _table(captures: list[DemoCapture]) -> Table:
    table = Table(title="The documentation's example charts")
    for column in ("file", "size", "dimensions", "time", "how"):
        right = column in {"size", "time"}
        table.add_column(column, justify="right" if right else "left", no_wrap=column != "how")
    for capture in captures:
        table.add_row(
            capture.file.name,
            f"{capture.image.size:,} B",
            f"{capture.image.width}x{capture.image.height}",
            f"{capture.seconds * 1000:.0f} ms",
            capture.how,
        )
    return table
