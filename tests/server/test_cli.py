"""`python -m chart_img_server` as users run it: start-up, generated key, graceful stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from chart_img_server import Settings
from chart_img_server.__main__ import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_server_process_prints_a_key_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHART_IMG_SERVER_")} | {
        "CHART_IMG_SERVER_STORAGE_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chart_img_server", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        output = "".join(lines)
        match = re.search(r"x-api-key: (\S+)", output)
        assert match, output
        key = match.group(1)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        listed = httpx.get(f"{base}/v3/coinalyze/exchange/list", params={"key": key})
        assert listed.status_code == 200
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # uvicorn shuts down cleanly, then re-raises the signal so that the exit status tells it.
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in rest
    assert key not in rest
    assert output.count(key) == 1


def test_bad_settings_exit_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workers", "0"]) == 2  # the old name of --render-threads
    assert "render_threads" in capsys.readouterr().err


def test_settings_from_env_parse_every_variable(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CHART_IMG_SERVER_HOST": "0.0.0.0",
            "CHART_IMG_SERVER_PORT": "9000",
            "CHART_IMG_SERVER_KEYS": "a,b",
            "CHART_IMG_SERVER_KEYS_FILE": str(tmp_path / "keys"),
            "CHART_IMG_SERVER_STORAGE_DIR": str(tmp_path),
            "CHART_IMG_SERVER_PUBLIC_BASE_URL": "https://charts.example/",
            "CHART_IMG_SERVER_RENDER_TIMEOUT": "2.5",
            "CHART_IMG_SERVER_WORKERS": "4",
            "CHART_IMG_SERVER_RATE_LIMIT": "0",
            "CHART_IMG_SERVER_RATE_BURST": "5",
            "CHART_IMG_SERVER_MAX_BODY_BYTES": "1024",
            "CHART_IMG_SERVER_STORAGE_RETENTION": "3600",
            "CHART_IMG_SERVER_PURGE_INTERVAL": "60",
        }
    )
    assert (settings.host, settings.port, settings.keys) == ("0.0.0.0", 9000, ("a", "b"))
    assert settings.keys_file == tmp_path / "keys"
    assert settings.public_base_url == "https://charts.example"
    assert (settings.render_timeout, settings.render_threads, settings.rate_limit) == (2.5, 4, 0)
    assert (settings.rate_burst, settings.max_body_bytes) == (5, 1024)
    assert settings.storage_retention.total_seconds() == 3600
    assert settings.purge_interval == 60


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("RENDER_THREADS", "0"),
        ("PUBLIC_BASE_URL", "ftp://x"),
        ("RENDER_TIMEOUT", "-1"),
    ],
)
def test_bad_environment_values_are_named(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"(?i){name}"):
        Settings.from_env({f"CHART_IMG_SERVER_{name}": value})


def _start_failure(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs the server where it cannot start; it must stop by itself."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHART_IMG_SERVER_")}
    return subprocess.run(
        [sys.executable, "-m", "chart_img_server", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean | {"CHART_IMG_SERVER_STORAGE_DIR": str(tmp_path / "storage")} | env,
        check=False,
    )


def test_a_port_in_use_is_one_line_and_no_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _start_failure(tmp_path, "--port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"chart-img-server: cannot listen on 127.0.0.1 port {port}: Address already in use"
    ]


def test_a_storage_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = _start_failure(tmp_path, "--storage-dir", str(blocker / "storage"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"chart-img-server: cannot create the storage directory {blocker / 'storage'}: "
        "Not a directory"
    ]


def test_a_service_that_cannot_open_is_one_error_line_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "no-keys.txt"
    result = _start_failure(tmp_path, "--port", str(_free_port()), "--keys-file", str(missing))
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 2, result.stderr
    assert errors[0].endswith(
        f"chart-img-server: cannot read the keys file {missing}: No such file or directory"
    )
    assert errors[1].endswith("Application startup failed. Exiting.")


def test_a_bucket_for_storage_makes_no_storage_directory(tmp_path: Path) -> None:
    """With `s3://` storage, the default storage directory is neither needed nor made: a
    start-up that fails later (here at the port) has made nothing under XDG_DATA_HOME."""
    data_home = tmp_path / "data"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHART_IMG_SERVER_")}
    env = clean | {
        "XDG_DATA_HOME": str(data_home),
        "CHART_IMG_SERVER_STORAGE_URL": "s3://charts/chart-img",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "chart_img_server", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    assert result.stderr.splitlines() == [
        f"chart-img-server: cannot listen on 127.0.0.1 port {port}: Address already in use"
    ]
    assert result.returncode == 1
    assert not data_home.exists()
