"""Results, the table printed at the end of a run, and its JSON and Markdown copies."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Result:
    """One line of the table: a figure, the same-run baseline it is judged against, a target."""

    section: str
    case: str
    figure: str
    baseline: str = ""
    target: str = ""
    met: bool | None = None
    numbers: Mapping[str, float | int | str] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**no**", None: ""}[self.met]


@dataclass(slots=True)
class Report:
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, results: list[Result]) -> None:
        self.results.extend(results)

    def markdown(self) -> str:
        lines = [
            "| section | case | figure | baseline (same run) | target | met |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {r.section} | {r.case} | {r.figure} | {r.baseline} | {r.target} | {r.verdict} |"
            for r in self.results
        ]
        return "\n".join(lines)

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        machine = _machine()
        json_path, md_path = directory / "latest.json", directory / "latest.md"
        document: dict[str, object] = {"machine": machine, "notes": self.notes}
        document["results"] = [asdict(r) for r in self.results]
        json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        header = ", ".join(f"{k}: {v}" for k, v in machine.items())
        notes = "".join(f"- {note}\n" for note in self.notes)
        md_path.write_text(f"{header}\n\n{self.markdown()}\n\n{notes}")
        return json_path, md_path


def _machine() -> dict[str, str]:
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()
