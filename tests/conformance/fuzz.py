"""`make fuzz`: Schemathesis over HTTP against any server, or a reference server started here.

    python tests/conformance/fuzz.py [--url URL --key KEY] [-- extra st run options]

Without `--url`, a reference server starts on a free port of 127.0.0.1 with a fresh key and
stops when the run ends, whatever the outcome. Before the run, the target's own exchange
catalog becomes the Schemathesis dictionaries `schemathesis.toml` names; after it, every
report is searched for the key, which must not appear.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

REPORTS = ROOT / "reports"
PREPARED = REPORTS / "fuzz"
KEY_VARIABLE = "CHART_IMG_FUZZ_KEY"
LIST_PATH = "/v3/coinalyze/exchange/list"


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    key: str


def main(argv: Sequence[str] | None = None) -> int:
    args, st_options = _parser().parse_known_args(argv)
    st_options = [option for option in st_options if option != "--"]
    if bool(args.url) != bool(args.key):
        print("fuzz: give both --url and --key, or neither", file=sys.stderr)
        return 2
    with _target(args.url, args.key) as target:
        _prepare(target)
        status = _run_schemathesis(target, st_options)
    leaks = _reports_containing(target.key)
    if leaks:
        print(f"fuzz: the API key appears in {', '.join(map(str, leaks))}", file=sys.stderr)
        return 1
    print(f"fuzz: reports in {REPORTS.relative_to(ROOT)}/, the key sanitised in every one")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="", help="base URL of the server under test")
    parser.add_argument("--key", default="", help="an API key the server accepts")
    return parser


@contextlib.contextmanager
def _target(url: str, key: str) -> Iterator[Target]:
    if url:
        yield Target(url.rstrip("/"), key)
        return
    from chart_img_server import Settings, running_server

    with tempfile.TemporaryDirectory(prefix="chart-img-fuzz-") as storage:
        # No rate limit and no failed-key throttle: `ignored_auth` sends a wrong key each case.
        settings = Settings(
            keys=(secrets.token_urlsafe(24),),
            storage_dir=Path(storage),
            rate_limit=0,
            failed_auth_rate=0,
        )
        with running_server(settings) as server:
            print(f"fuzz: reference server at {server.base_url}")
            yield Target(server.base_url, server.api_key)


def _prepare(target: Target) -> None:
    """The linked spec and the target's catalog, as the files `schemathesis.toml` reads."""
    PREPARED.mkdir(parents=True, exist_ok=True)
    headers = {"x-api-key": target.key}
    with httpx.Client(base_url=target.url, headers=headers, timeout=30) as client:
        exchanges: list[str] = client.get(LIST_PATH).raise_for_status().json()["payload"]
        symbols = [
            f"{exchange}:{symbol}"
            for exchange in exchanges
            for symbol in client.get(f"/v3/coinalyze/exchange/{exchange}")
            .raise_for_status()
            .json()["payload"]
        ]
    _write_dictionary(PREPARED / "exchanges.dict", exchanges)
    _write_dictionary(PREPARED / "symbols.dict", symbols)
    (PREPARED / "openapi.yaml").write_text(
        yaml.safe_dump(_spec(), sort_keys=False), encoding="utf-8"
    )


def _spec() -> dict[str, object]:
    from importlib.resources import files

    text = files("chart_img_api").joinpath("openapi.yaml").read_text(encoding="utf-8")
    document: dict[str, object] = yaml.safe_load(text)
    return document


def _write_dictionary(path: Path, values: Sequence[str]) -> None:
    # libFuzzer dictionary syntax: one quoted value a line.
    path.write_text("".join(f'"{value}"\n' for value in values), encoding="utf-8")


def _run_schemathesis(target: Target, st_options: Sequence[str]) -> int:
    st = Path(sys.executable).with_name("st")
    command = [str(st), "run", str(PREPARED / "openapi.yaml"), "--url", target.url, *st_options]
    environment = {**os.environ, KEY_VARIABLE: target.key}
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode


def _reports_containing(key: str) -> list[Path]:
    needle = key.encode()
    return [
        path
        for path in sorted(REPORTS.rglob("*"))
        if path.is_file() and needle in path.read_bytes()
    ]


if __name__ == "__main__":
    sys.exit(main())
