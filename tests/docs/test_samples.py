"""Every code sample on the site runs against a live reference server.

Snippets in the guides are the fenced blocks titled `*.py` or `*.sh`; the reference page's
curl and Python samples are read back from the built HTML, exactly as a reader copies them.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chart_img_server import RunningServer

from .conftest import ROOT

_SNIPPET = re.compile(
    r'^```(?P<language>python|sh) title="(?P<title>[^"]+\.(?:py|sh))"\n(?P<code>.*?)^```$',
    re.MULTILINE | re.DOTALL,
)
_HTML_CODE = re.compile(r'<div class="[^"]*highlight[^"]*"><pre>.*?<code>(.*?)</code>', re.DOTALL)
# How a reader tells the samples apart: by their first words.
_SAMPLE_LANGUAGES = {"from chart_img": "python", "curl ": "sh"}


def _snippets() -> list[Any]:
    found = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for match in _SNIPPET.finditer(page.read_text("utf-8")):
            name = f"{page.relative_to(ROOT / 'docs')}:{match['title']}"
            found.append(pytest.param(match["language"], match["code"], id=name))
    return found


def _run(
    language: str, code: str, server: RunningServer, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CHART_IMG_API_KEY": server.api_key,
        "CHART_IMG_BASE_URL": server.base_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = (
        [sys.executable, "-c", code]
        if language == "python"
        else ["bash", "-euo", "pipefail", "-c", code]
    )
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_guides_have_runnable_snippets() -> None:
    assert len(_snippets()) >= 8


@pytest.mark.parametrize(("language", "code"), _snippets())
def test_guide_snippet_runs(
    language: str, code: str, live_server: RunningServer, tmp_path: Path
) -> None:
    result = _run(language, code, live_server, tmp_path)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def test_reference_samples_run(
    built_site: Path, spec: dict[str, Any], live_server: RunningServer, tmp_path: Path
) -> None:
    page = (built_site / "reference" / "index.html").read_text("utf-8")
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", code)) for code in _HTML_CODE.findall(page)]
    samples = [
        (language, code)
        for code in blocks
        for start, language in _SAMPLE_LANGUAGES.items()
        if code.startswith(start)
    ]
    operations = sum(len(item) for item in spec["paths"].values())
    assert sum(1 for language, _ in samples if language == "python") >= operations
    assert sum(1 for language, _ in samples if language == "sh") >= operations
    spec_server = spec["servers"][0]["url"]
    failures = []
    for number, (language, code) in enumerate(samples):
        workdir = tmp_path / str(number)
        workdir.mkdir()
        result = _run(
            language, code.replace(spec_server, live_server.base_url), live_server, workdir
        )
        if result.returncode != 0:
            failures.append(f"{code}\n-> {result.returncode}: {result.stdout}{result.stderr}")
        if "chart." in code:
            saved = list(workdir.glob("chart.*"))
            if not saved or saved[0].stat().st_size == 0:
                failures.append(f"{code}\n-> no chart file written")
    assert failures == [], "\n\n".join(failures)
