"""Load from wrk (Debian's `wrk`): requests/s, latency percentiles and errors of one run."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class LoadRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def wrk(
    wrk_binary: str,
    url: str,
    *,
    connections: int,
    seconds: int,
    headers: Mapping[str, str],
    body: Mapping[str, object] | None = None,
) -> LoadRun:
    """One wrk run; a JSON `body` makes it a POST."""
    threads = min(2, connections)
    command = [wrk_binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="chart-img-wrk-") as scratch:
        if body is not None:
            script = Path(scratch) / "post.lua"
            script.write_text(_post_script(body))
            command += ["-s", str(script)]
        command.append(url)
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)


def parse(output: str) -> LoadRun:
    rate, total = _RATE.search(output), _TOTAL.search(output)
    if rate is None or total is None:
        raise WrkError(f"unexpected wrk output:\n{output}")
    latency = {int(q): float(v) * _UNITS[unit] for q, v, unit in _LATENCY.findall(output)}
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET.search(output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return LoadRun(
        requests_per_second=float(rate.group(1)),
        p50_ms=latency.get(50, float("nan")),
        p99_ms=latency.get(99, float("nan")),
        requests=int(total.group(1)),
        errors=errors,
    )


def _post_script(body: Mapping[str, object]) -> str:
    # A JSON string is a valid Lua string literal for the characters our bodies use.
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
