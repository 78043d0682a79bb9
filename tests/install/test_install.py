"""`make dist` builds a wheel and an sdist that pass `twine check`; the wheel, installed with the
`server` extra into a fresh venv, serves and draws as the README and the self-hosting guide say.

Slow (a venv and the server's dependencies, from pip's cache or the package registry): the
wheel and the venv are made once per session. Nothing is fetched but packages.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KEY = "install-test-key-0123456789"


def _run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, **options
    )  # type: ignore[call-overload]
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make dist` into a directory of its own, without reinstalling the dev venv."""
    out = tmp_path_factory.mktemp("dist")
    _run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "dist", f"DIST_DIR={out}"],
        cwd=ROOT,
    )
    return out


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("chart_img_kit-*.whl")
    return found


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its `server` extra, as the README installs it."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    _run([sys.executable, "-m", "venv", str(home)])
    _run(
        [
            str(home / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "--disable-pip-version-check",
            f"{wheel}[server]",
        ],
        env=_clean_env(),
    )
    return home


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without the clone: no PYTHONPATH, no dev venv on PATH, no keys."""
    dev_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != dev_bin)
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "MAKELEVEL", "MAKEFLAGS"}
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in drop and not name.startswith(("CHART_IMG", "COINALYZE"))
    }
    return {**env, "PATH": path, **extra}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_dist_builds_a_checked_wheel_and_sdist(dist: Path, wheel: Path) -> None:
    (sdist,) = dist.glob("chart_img_kit-*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "chart-img = chart_img.cli:main" in archive.read(entry_points).decode()
    for package in ("chart_img", "chart_img_api", "chart_img_server", "coinalyze_api"):
        assert f"{package}/__init__.py" in names
    assert "chart_img_api/openapi.yaml" in names  # the overlay and server read the spec here
    assert "chart_img/py.typed" in names
    assert not any(n.startswith(("tests/", "docs/", "generated/", "node_modules/")) for n in names)
    with tarfile.open(sdist) as archive:
        top = {Path(n).parts[1] for n in archive.getnames() if len(Path(n).parts) > 1}
    assert {"openapi.yaml", "pyproject.toml", "README.md", "generated", "server"} <= top
    assert not top & {".venv", "node_modules", "site", "reports", "dist", "out"}


def test_the_wheel_installs_from_the_venv_not_the_clone(venv: Path, tmp_path: Path) -> None:
    code = (
        "import chart_img, chart_img_server; print(chart_img.__file__, chart_img_server.__file__)"
    )
    result = _run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, env=_clean_env())
    assert all(path.startswith(str(venv)) for path in result.stdout.split())


@pytest.fixture
def served(venv: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = _clean_env(
        CHART_IMG_SERVER_KEYS=KEY,
        CHART_IMG_SERVER_STORAGE_DIR=str(tmp_path / "storage"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    process = subprocess.Popen(
        [str(venv / "bin" / "chart-img"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "chart-img serve did not answer in 60 s"
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=15)  # reads and closes the output pipe
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_chart_img_serve_then_the_cli_draws(venv: Path, served: str, tmp_path: Path) -> None:
    env = _clean_env(CHART_IMG_API_KEY=KEY, CHART_IMG_BASE_URL=served)
    chart = venv / "bin" / "chart-img"
    _run(
        [str(chart), "chart", "--interval", "1h", "--theme", "dark", "-o", "btc.png"],
        cwd=tmp_path,
        env=env,
    )
    assert (tmp_path / "btc.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    listed = _run([str(chart), "exchanges"], cwd=tmp_path, env=env)
    assert "BINANCE" in listed.stdout
    # The docs' curl sample, as rendered, against the same server: with a wrong key it fails
    # and writes no chart.png; with the right one it saves the chart.
    sample = _curl_chart_sample()
    wrong = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", sample],
        cwd=tmp_path,
        env={**env, "CHART_IMG_API_KEY": "wrong"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert wrong.returncode == 22, wrong.stderr
    assert not (tmp_path / "chart.png").exists()
    _run(["bash", "-euo", "pipefail", "-c", sample], cwd=tmp_path, env=env)
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def _curl_chart_sample() -> str:
    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    from chart_img_docs import SampleRequest, Spec, curl_sample

    spec = Spec.load(ROOT / "openapi.yaml")
    chart = next(op for op in spec.operations() if op.operation_id == "captureAdvancedChart")
    # A base URL that answers nothing: the sample must take CHART_IMG_BASE_URL.
    request = SampleRequest(chart, "http://127.0.0.1:9", {}, {"interval": "4h"}, "png")
    return curl_sample(request)


def test_chart_img_demo_draws_and_says_how_to_run_chart_img(venv: Path, tmp_path: Path) -> None:
    result = _run(
        [str(venv / "bin" / "chart-img"), "demo", "--out-dir", "out"],
        cwd=tmp_path,
        env=_clean_env(COLUMNS="200", XDG_DATA_HOME=str(tmp_path / "data")),
    )
    drawn = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert len(drawn) == 4, result.stdout
    assert all((tmp_path / "out" / name).stat().st_size > 1000 for name in drawn)
    last = " ".join(result.stdout.split()[-40:])
    assert f"source {venv / 'bin' / 'activate'}" in last
    assert f"{venv / 'bin' / 'chart-img'} --help" in last
