"""The end of `chart-img demo`: how to run `chart-img` from the reader's own shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chart_img._demo import how_to_run


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    command = bin_dir / "chart-img"
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    return bin_dir


def test_on_path_it_is_run_by_name(scripts: Path) -> None:
    text = how_to_run(str(scripts / "python"), {"PATH": f"{scripts}{os.pathsep}/usr/bin"})
    assert "`chart-img serve`" in text
    assert "activate" not in text


@pytest.mark.parametrize(
    "environ",
    [
        {"PATH": "/usr/bin"},  # a venv that is not activated
        {"PATH": "{scripts}:/usr/bin", "MAKELEVEL": "1"},  # make's PATH, not the shell's
    ],
    ids=["not-on-path", "under-make"],
)
def test_off_the_shells_path_it_says_how(scripts: Path, environ: dict[str, str]) -> None:
    environ = {name: value.format(scripts=scripts) for name, value in environ.items()}
    text = how_to_run(str(scripts / "python"), environ)
    assert f"{scripts / 'chart-img'} --help" in text
    assert f"source {scripts / 'activate'}" in text
    assert "chart-img serve" in text
