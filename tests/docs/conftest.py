"""The docs site, built once per session, served on 127.0.0.1, and a headless Chromium."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tools import installed

ROOT = Path(__file__).resolve().parents[2]
# The build hooks' package, which the tests use to find what the build made.
sys.path.insert(0, str(ROOT / "docs" / "hooks"))
REPORTS = ROOT / "reports"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def spec_bytes() -> bytes:
    """`openapi.yaml` as the site is built from it, so that tests and site agree on one version."""
    return (ROOT / "openapi.yaml").read_bytes()


@pytest.fixture(scope="session")
def spec(spec_bytes: bytes) -> dict[str, Any]:
    return dict(yaml.safe_load(spec_bytes))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, spec_bytes: bytes) -> Path:
    """`mkdocs build --strict` into a temporary directory; any warning fails the build."""
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site over HTTP on a free 127.0.0.1 port, stopped after the session."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="docs-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium (`make browser`)."""
    return installed("chromium", "browser")
