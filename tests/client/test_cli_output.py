"""`chart-img chart` checks its output file before it requests anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from .conftest import FakeApi, Images, invoke


def refused_at_once(runner: CliRunner, api: FakeApi, *args: str) -> str:
    """The one line `chart` printed after exiting 2 without requesting a chart."""
    result = invoke(runner, api, "chart", *args)
    assert result.exit_code == 2, result.output
    assert api.requests == []
    [line] = result.stderr.splitlines()
    return line


def test_a_missing_directory(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "x.png"
    line = refused_at_once(runner, fake_api, "-o", str(target))
    assert line == f"chart-img: --output {target}: the directory {target.parent} does not exist"


def test_a_directory(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    line = refused_at_once(runner, fake_api, "-o", str(tmp_path), "--force")
    assert f"--output {tmp_path}: is a directory; name a file in it" in line


def test_an_existing_file_needs_force(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    target = tmp_path / "x.png"
    target.write_bytes(b"keep me")
    line = refused_at_once(runner, fake_api, "-o", str(target))
    assert line == f"chart-img: --output {target}: the file exists; --force overwrites it"
    assert target.read_bytes() == b"keep me"
    result = invoke(runner, fake_api, "chart", "-o", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == fake_api.image


def test_an_unwritable_file(runner: CliRunner, fake_api: FakeApi, tmp_path: Path) -> None:
    # /proc/version refuses writes even to root; chmod would not stop root.
    line = refused_at_once(runner, fake_api, "-o", "/proc/version", "--force")
    assert line.startswith("chart-img: --output /proc/version: cannot be written (")


@pytest.mark.parametrize(
    ("args", "name", "fix"),
    [
        (["--format", "jpeg"], "x.png", "use --format png, a .jpeg name, or --force"),
        ([], "x.jpg", "use --format jpeg, a .png name, or --force"),
        (["--format", "png"], "x.gif", "use a .png name, or --force"),
    ],
)
def test_a_name_of_another_format(
    runner: CliRunner, fake_api: FakeApi, tmp_path: Path, args: list[str], name: str, fix: str
) -> None:
    line = refused_at_once(runner, fake_api, *args, "-o", str(tmp_path / name))
    assert line.endswith(fix)


def test_the_default_name_follows_the_format(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    api = FakeApi(image=Images.jpeg(), media_type="image/jpeg")
    result = invoke(runner, api, "chart", "--format", "JPEG")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "chart.jpeg").read_bytes() == api.image
    line = refused_at_once(runner, FakeApi(), "--format", "jpeg")
    assert line == "chart-img: --output chart.jpeg: the file exists; --force overwrites it"


def test_stdout_is_never_checked(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(runner, fake_api, "chart", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes == fake_api.image
