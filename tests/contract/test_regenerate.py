"""`make generate` reproduces the committed client exactly: generated/ is never edited by hand."""

from __future__ import annotations

import difflib
import filecmp
import subprocess
from pathlib import Path


def differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"only in {left}: {name}" for name in comparison.left_only]
    found += [f"only in {right}: {name}" for name in comparison.right_only]
    for name in comparison.diff_files:
        diff = difflib.unified_diff(
            (left / name).read_text().splitlines(),
            (right / name).read_text().splitlines(),
            str(left / name),
            str(right / name),
            lineterm="",
        )
        found.append("\n".join(diff))
    for name in comparison.common_dirs:
        found += differences(left / name, right / name)
    return found


def test_regenerating_the_client_changes_nothing(root: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "chart_img_api"
    subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "generate", f"GEN_OUT={fresh}"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    committed = root / "generated" / "chart_img_api"
    assert differences(committed, fresh) == [], "run `make generate` and commit the result"
