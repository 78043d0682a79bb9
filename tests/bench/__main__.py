"""`python -m tests.bench [--smoke] [--only SECTION ...] [--profile]`: run, print, write reports."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from chart_img_server import Settings

from . import (
    bench_client,
    bench_conformance,
    bench_market,
    bench_memory,
    bench_render,
    bench_scale,
    bench_server,
)
from ._common import FULL, SMOKE, Scale
from ._processes import REPO_ROOT
from ._profile import profile_render
from ._report import Report, Result

SECTIONS: dict[str, Callable[[Scale], list[Result]]] = {
    "render": bench_render.run,
    "server": bench_server.run,
    "client": bench_client.run,
    "memory": bench_memory.run,
    "conformance": bench_conformance.run,
    "market": bench_market.run,
    "scale": bench_scale.run,
}
REPORT_DIR = REPO_ROOT / "reports" / "bench"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scale = SMOKE if args.smoke else FULL
    report = Report(notes=_notes())
    failed = False
    for name in args.only or list(SECTIONS):
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            report.add(SECTIONS[name](scale))
        except Exception as exc:
            failed = True
            traceback.print_exc()
            report.add([Result(name, "did not run", f"{type(exc).__name__}: {exc}", met=False)])
    if args.profile:
        report.notes.append(f"Renderer profile: {_shown(profile_render(args.out))}")
    json_path, md_path = report.write(args.out)
    print(report.markdown())
    print(f"\nwritten: {json_path}, {md_path}")
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny iteration counts")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), help="sections to run")
    parser.add_argument("--profile", action="store_true", help="also profile a render")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report directory")
    return parser


def _shown(path: Path) -> Path:
    return path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path


def _notes() -> list[str]:
    return [
        "Every figure is a median over repeats in this run; baselines ran in the same run.",
        "Load generator: wrk (Debian), 1 thread below 2 connections, else 2; loopback only.",
        "Server: one uvicorn process (uvloop, httptools), access log on, rate limit off; "
        f"render threads: {Settings.from_env().render_threads}.",
        "Prism: `prism mock` of the same spec, `-v silent`.",
        "Market: the Coinalyze source in process over the fake upstream (ASGI transport), "
        "default budget, cache and refresh; the clocks are the benchmark's, the instant fixed.",
    ]


if __name__ == "__main__":
    sys.exit(main())
