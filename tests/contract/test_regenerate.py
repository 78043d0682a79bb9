"""`make generate` reproduces the committed client exactly: generated/ is never edited by hand."""

from __future__ import annotations

import difflib
import filecmp
import subprocess
import tomllib
from pathlib import Path

import pytest


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


# Every client that `make generate` writes: (make target, its output variable, committed package).
CLIENTS = [
    ("generate-chart-img-api", "GEN_OUT", "chart_img_api"),
    ("generate-coinalyze-api", "COINALYZE_GEN_OUT", "coinalyze_api"),
    ("generate-binance-futures-api", "BINANCE_FUTURES_GEN_OUT", "binance_futures_api"),
    (
        "generate-binance-coin-futures-api",
        "BINANCE_COIN_FUTURES_GEN_OUT",
        "binance_coin_futures_api",
    ),
    ("generate-okx-api", "OKX_GEN_OUT", "okx_api"),
    ("generate-coingecko-api", "COINGECKO_GEN_OUT", "coingecko_api"),
]


def make(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("target", "variable", "package"), CLIENTS, ids=[package for _, _, package in CLIENTS]
)
def test_regenerating_the_client_changes_nothing(
    root: Path, tmp_path: Path, target: str, variable: str, package: str
) -> None:
    fresh = tmp_path / package
    make(root, target, f"{variable}={fresh}")
    committed = root / "generated" / package
    assert differences(committed, fresh) == [], "run `make generate` and commit the result"


def test_make_generate_writes_every_client(root: Path) -> None:
    planned = make(root, "-n", "generate")
    for _, _, package in CLIENTS:
        out = f"generated/{package}"
        assert f"--output-path {out} --meta none --overwrite --fail-on-warning" in planned
        assert f"rm -rf {out}/.ruff_cache\n" in planned
        assert f"touch {out}/py.typed\n" in planned
        assert f" {out}/openapi.yaml\n" in planned


def test_every_client_is_type_checked_and_shipped(root: Path) -> None:
    planned = make(root, "-n", "lint")
    wheel = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    for _, _, package in CLIENTS:
        assert f"mypy -p {package}\n" in planned
        assert f"generated/{package}" in wheel["targets"]["wheel"]["packages"]
