"""CHART-IMG's plans per key (issue 11, section 4): the spec's `x-plans`, enforced."""

from __future__ import annotations

import datetime
import hashlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from chart_img_server import Settings
from chart_img_server.auth import StaticKeys, configured_keys, reload_keys
from chart_img_server.plans import DAILY_QUOTA_EXCEEDED, TOO_MANY_REQUESTS, Plan, Refusal
from chart_img_server.rate_limit import TokenBuckets
from chart_img_server.spec import ApiSpec, load_spec
from starlette.testclient import TestClient

from .conftest import (
    CHART_PATH,
    LIST_PATH,
    STORAGE_PATH,
    AnyResponse,
    ManualMonotonic,
    MutableClock,
    RecordingRenderer,
    assert_documented,
)
from .test_cli import _free_port, _start_failure

PLANS = load_spec().plans
PLAN_NAMES = list(PLANS)
# 14:21:16.952 UTC: 9 h 38 min 43.048 s before midnight, so Retry-After is 34724.
NOW = datetime.datetime(2024, 8, 12, 14, 21, 16, 952000, tzinfo=datetime.UTC)
TO_MIDNIGHT = 34724
# Studies the default symbol (a BINANCE perpetual) and interval (1D) can all draw.
STUDIES = [
    name
    for name in load_spec().schema("Study")["enum"]
    if name not in load_spec().study_rules.exchanges
    and name not in load_spec().study_rules.max_interval
    and "Spot" not in name
]
SCHEMA = load_spec().chart_request_properties


def _key(plan: str) -> str:
    return f"key-{plan.lower()}"


@pytest.fixture
def planned(
    client_factory: Callable[..., TestClient], recorder: RecordingRenderer
) -> tuple[TestClient, ManualMonotonic, MutableClock]:
    """A server with one key of every plan, one without a plan, and clocks the test moves."""
    monotonic, clock = ManualMonotonic(), MutableClock(NOW)
    client = client_factory(
        renderer=recorder,
        keys=("unlimited", *(f"{_key(name)} {name}" for name in PLAN_NAMES)),
        rate_limit=0,
        monotonic=monotonic,
        clock=clock,
    )
    return client, monotonic, clock


def _chart(client: TestClient, plan: str, **body: object) -> AnyResponse:
    response: AnyResponse = client.post(CHART_PATH, headers={"x-api-key": _key(plan)}, json=body)
    return response


def test_the_table_is_the_retired_services() -> None:
    rows = {
        name: (p.rate, p.burst, p.daily, p.max_width, p.max_height, p.storage_days, p.max_studies)
        for name, p in PLANS.items()
    }
    assert rows == {
        "BASIC": (1, 3, 50, 800, 600, 14, 3),
        "PRO": (10, 15, 500, 1920, 1080, 30, 5),
        "MEGA": (15, 25, 1000, 1920, 1600, 60, 10),
        "ULTRA": (35, 50, 3000, 2048, 1920, 90, 25),
        "ENTERPRISE": (35, 50, 5000, 2048, 1920, 120, 50),
    }
    assert [n for n, p in PLANS.items() if p.custom_watermark] == ["ULTRA", "ENTERPRISE"]
    assert {n: p.forced_watermark for n, p in PLANS.items() if p.forced_watermark} == {
        "BASIC": "CHART-IMG"
    }


# -- size, studies, watermark: 422 naming the field ------------------------------------------


@pytest.mark.parametrize("plan", PLAN_NAMES)
@pytest.mark.parametrize(("field", "limit"), [("width", "max_width"), ("height", "max_height")])
def test_a_size_over_the_plan_is_422_naming_the_field(
    planned: tuple[TestClient, ManualMonotonic, MutableClock],
    spec: ApiSpec,
    plan: str,
    field: str,
    limit: str,
) -> None:
    client = planned[0]
    most = getattr(PLANS[plan], limit)
    assert _chart(client, plan, **{field: most}).status_code == 200
    if most >= SCHEMA[field]["maximum"]:
        return  # the schema's own bound is the plan's: nothing larger gets this far
    response = _chart(client, plan, **{field: most + 1})
    assert response.status_code == 422
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json()["errors"] == [
        {
            "type": "field",
            "value": most + 1,
            "msg": f"must be at most {most} on the {plan} plan",
            "path": field,
            "location": "body",
        }
    ]


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_more_studies_than_the_plan_is_422_naming_the_field(
    planned: tuple[TestClient, ManualMonotonic, MutableClock], spec: ApiSpec, plan: str
) -> None:
    client = planned[0]
    most = PLANS[plan].max_studies
    assert _chart(client, plan, studies=STUDIES[:most]).status_code == 200
    if most >= SCHEMA["studies"]["maxItems"]:
        return  # ENTERPRISE's 50: more than a request can list (one of each of 39 studies)
    response = _chart(client, plan, studies=STUDIES[: most + 1])
    assert response.status_code == 422
    assert_documented(spec, response, CHART_PATH, "post")
    (error,) = response.json()["errors"]
    assert error["path"] == "studies"
    assert error["msg"] == f"must have at most {most} items on the {plan} plan"
    assert error["value"] == STUDIES[: most + 1]


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_custom_watermarks_only_from_ultra_and_basic_always_shows_chart_img(
    planned: tuple[TestClient, ManualMonotonic, MutableClock],
    recorder: RecordingRenderer,
    spec: ApiSpec,
    plan: str,
) -> None:
    client = planned[0]
    assert _chart(client, plan, watermarkSize=32, watermarkOpacity=0.5).status_code == 200
    assert recorder.charts[-1].watermark == PLANS[plan].forced_watermark
    assert recorder.charts[-1].watermark_size == 32
    response = _chart(client, plan, watermark="mine")
    if plan in ("ULTRA", "ENTERPRISE"):
        assert response.status_code == 200
        assert recorder.charts[-1].watermark == "mine"
        return
    assert response.status_code == 422
    assert_documented(spec, response, CHART_PATH, "post")
    assert response.json()["errors"] == [
        {
            "type": "field",
            "value": "mine",
            "msg": "needs the ULTRA or ENTERPRISE plan",
            "path": "watermark",
            "location": "body",
        }
    ]


def test_every_field_over_the_plan_is_named_in_body_order(
    planned: tuple[TestClient, ManualMonotonic, MutableClock], spec: ApiSpec
) -> None:
    client = planned[0]
    body = {"watermark": "x", "studies": STUDIES[:4], "height": 601, "width": 801}
    response = _chart(client, "BASIC", **body)
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == list(body)
    # The spec's example of it is what the server answers.
    example = spec.document["components"]["responses"]["Unprocessable"]["content"][
        "application/json"
    ]["examples"]["overPlan"]["value"]
    answer = _chart(client, "BASIC", width=1280, watermark="chart-img-kit")
    assert answer.json() == example


def test_a_key_without_a_plan_is_unlimited(
    planned: tuple[TestClient, ManualMonotonic, MutableClock], recorder: RecordingRenderer
) -> None:
    client = planned[0]
    body = {"width": 2048, "height": 1920, "studies": STUDIES, "watermark": "own"}
    response = client.post(CHART_PATH, headers={"x-api-key": "unlimited"}, json=body)
    assert response.status_code == 200
    assert recorder.charts[-1].watermark == "own"
    for _ in range(200):  # the server's own rate limit is off in this test
        assert client.get(LIST_PATH, headers={"x-api-key": "unlimited"}).status_code == 200


# -- rate, burst and the daily quota: 429 ----------------------------------------------------


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_each_plan_has_its_rate_and_burst(
    client_factory: Callable[..., TestClient], spec: ApiSpec, plan: str
) -> None:
    monotonic = ManualMonotonic()
    # The server's own limit (1 request, then 1 a minute) binds only keys without a plan.
    client = client_factory(
        keys=(f"k {plan}", "plain"), rate_limit=1 / 60, rate_burst=1, monotonic=monotonic
    )
    limits = PLANS[plan]
    statuses = [
        client.get(LIST_PATH, headers={"x-api-key": "k"}).status_code
        for _ in range(limits.burst + 1)
    ]
    assert statuses == [200] * limits.burst + [429]
    limited = client.get(LIST_PATH, headers={"x-api-key": "k"})
    assert_documented(spec, limited, LIST_PATH, "get")
    assert limited.json() == {"message": "Too Many Requests"}
    assert limited.headers["retry-after"] == "1"  # every plan makes a request within a second
    monotonic.value += 1 / limits.rate
    assert client.get(LIST_PATH, headers={"x-api-key": "k"}).status_code == 200
    assert client.get(LIST_PATH, headers={"x-api-key": "k"}).status_code == 429
    assert client.get(LIST_PATH, headers={"x-api-key": "plain"}).status_code == 200
    plain = client.get(LIST_PATH, headers={"x-api-key": "plain"})
    assert (plain.status_code, plain.headers["retry-after"]) == (429, "60")


def test_the_daily_quota_answers_429_until_utc_midnight(
    planned: tuple[TestClient, ManualMonotonic, MutableClock], spec: ApiSpec
) -> None:
    client, monotonic, clock = planned
    headers = {"x-api-key": _key("BASIC")}
    for _ in range(PLANS["BASIC"].daily):
        assert client.get(LIST_PATH, headers=headers).status_code == 200
        monotonic.value += 1.0
    for path in (LIST_PATH, CHART_PATH, STORAGE_PATH):
        method = "GET" if path == LIST_PATH else "POST"
        refused = client.request(method, path, headers=headers)
        assert refused.status_code == 429
        assert_documented(spec, refused, path, method.lower())
        assert refused.json() == {"message": "Daily Quota Exceeded"}
        assert refused.headers["retry-after"] == str(TO_MIDNIGHT)
    clock.advance(datetime.timedelta(seconds=TO_MIDNIGHT - 1))
    assert client.get(LIST_PATH, headers=headers).headers["retry-after"] == "1"
    clock.advance(datetime.timedelta(seconds=1))  # 00:00:00.952 the next day
    assert client.get(LIST_PATH, headers=headers).status_code == 200
    # Other keys of the same plan have their own day.
    assert client.get(LIST_PATH, headers={"x-api-key": _key("PRO")}).status_code == 200


@pytest.mark.parametrize("plan", PLAN_NAMES)
async def test_every_plans_daily_quota_on_a_fixed_clock(plan: str) -> None:
    monotonic, clock = ManualMonotonic(), MutableClock(NOW)
    limiter = TokenBuckets(0, 1, monotonic, clock)
    limits = PLANS[plan]
    for _ in range(limits.daily):
        assert await limiter.acquire("id", limits) is None
        monotonic.value += 1 / limits.rate
    assert await limiter.acquire("id", limits) == Refusal(DAILY_QUOTA_EXCEEDED, TO_MIDNIGHT)
    clock.advance(datetime.timedelta(seconds=TO_MIDNIGHT))
    assert await limiter.acquire("id", limits) is None


async def test_a_refused_request_spends_nothing() -> None:
    monotonic, clock = ManualMonotonic(), MutableClock(NOW)
    limiter = TokenBuckets(0, 1, monotonic, clock)
    tiny = Plan("TINY", 1, 1, 2, 800, 600, 1, 1, False, None)
    assert await limiter.acquire("id", tiny) is None
    for _ in range(10):  # refused by the rate: the day's count stays at 1
        assert await limiter.acquire("id", tiny) == Refusal(TOO_MANY_REQUESTS, 1)
    monotonic.value += 1
    assert await limiter.acquire("id", tiny) is None
    monotonic.value += 1
    assert await limiter.acquire("id", tiny) == Refusal(DAILY_QUOTA_EXCEEDED, TO_MIDNIGHT)
    # Refused by the day, the bucket keeps its token for tomorrow.
    clock.advance(datetime.timedelta(days=1))
    assert await limiter.acquire("id", tiny) is None


# -- storage days ----------------------------------------------------------------------------


@pytest.mark.parametrize("plan", [*PLAN_NAMES, None])
def test_stored_charts_expire_after_the_plans_storage_days(
    planned: tuple[TestClient, ManualMonotonic, MutableClock],
    server_settings: Settings,
    plan: str | None,
) -> None:
    client = planned[0]
    key = "unlimited" if plan is None else _key(plan)
    stored = client.post(STORAGE_PATH, headers={"x-api-key": key}).json()
    created = datetime.datetime.fromisoformat(stored["createdAt"])
    expires = datetime.datetime.fromisoformat(stored["expireAt"])
    kept = (
        server_settings.storage_retention
        if plan is None
        else datetime.timedelta(days=PLANS[plan].storage_days)
    )
    assert expires - created == kept


# -- the keys: plans, hashes, reload ---------------------------------------------------------


def test_hashed_keys_are_accepted_by_the_key_they_hash(
    client_factory: Callable[..., TestClient], recorder: RecordingRenderer
) -> None:
    digest = hashlib.sha256(b"secret-key").hexdigest()
    client = client_factory(renderer=recorder, keys=(f"SHA256:{digest.upper()} PRO",))
    assert client.get(LIST_PATH, headers={"x-api-key": "secret-key"}).status_code == 200
    # The digest is what is stored, not a key: presenting it is a wrong key.
    for wrong in (digest, f"sha256:{digest}"):
        assert client.get(LIST_PATH, headers={"x-api-key": wrong}).status_code == 403
    # And the plan written after it applies.
    over = client.post(CHART_PATH, headers={"x-api-key": "secret-key"}, json={"width": 2000})
    assert over.status_code == 422
    assert recorder.charts == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("key GOLD", "unknown plan 'GOLD'; the plans are BASIC, PRO, MEGA, ULTRA, ENTERPRISE"),
        ("key PRO extra", "expected KEY [PLAN], found 3 words"),
        ("sha256:abc PRO", "a sha256: key needs 64 hex digits"),
    ],
)
def test_bad_key_lines_name_the_line_never_the_key(tmp_path: Path, line: str, message: str) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(f"# ours\nfine PRO\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="keys file") as raised:
        StaticKeys.from_settings(Settings(keys_file=keys_file))
    assert str(raised.value) == f"keys file {keys_file} line 3: {message}"


def test_plan_names_are_case_insensitive_and_only_plain_keys_can_be_presented() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    settings = Settings(keys=("a basic", f"sha256:{digest}", "b"))
    table = StaticKeys.from_settings(settings).table
    assert sorted((key.plan.name if key.plan else "") for key in table.values()) == [
        "",
        "",
        "BASIC",
    ]
    assert configured_keys(settings) == ["a", "b"]


def test_an_unknown_plan_stops_the_start_up_with_one_line(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("a-secret-key GOLD\n", encoding="utf-8")
    result = _start_failure(tmp_path, "--port", str(_free_port()), "--keys-file", str(keys_file))
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert errors[0].endswith(
        f"chart-img-server: keys file {keys_file} line 1: unknown plan 'GOLD'; "
        "the plans are BASIC, PRO, MEGA, ULTRA, ENTERPRISE"
    )
    assert "a-secret-key" not in result.stderr + result.stdout


def test_reload_applies_the_new_file_and_keeps_the_old_one_when_bad(
    client_factory: Callable[..., TestClient], tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("old-key PRO\n", encoding="utf-8")
    client = client_factory(keys=(), keys_file=keys_file)
    keys = client.app.state.server.services.keys  # type: ignore[attr-defined]

    def status(key: str, **body: object) -> int:
        response: AnyResponse = client.post(CHART_PATH, headers={"x-api-key": key}, json=body)
        return response.status_code

    assert (status("old-key", width=1920), status("new-key")) == (200, 403)
    keys_file.write_text("new-key BASIC\n", encoding="utf-8")
    assert client.portal.call(reload_keys, keys) is True  # type: ignore[union-attr]
    assert (status("old-key"), status("new-key"), status("new-key", width=1920)) == (
        403,
        200,
        422,
    )
    keys_file.write_text("new-key GOLD\n", encoding="utf-8")
    assert client.portal.call(reload_keys, keys) is False  # type: ignore[union-attr]
    assert status("new-key") == 200


def test_sighup_reloads_the_keys_file_while_serving(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("stays\nleaves PRO\n", encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHART_IMG_SERVER_")} | {
        "CHART_IMG_SERVER_STORAGE_DIR": str(tmp_path / "storage"),
        "CHART_IMG_SERVER_KEYS_FILE": str(keys_file),
        "CHART_IMG_SERVER_RATE_LIMIT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chart_img_server", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}{LIST_PATH}"
    statuses: list[int] = []
    done = threading.Event()

    def keep_asking() -> None:
        # One request after another with the key both files have, through the reload.
        with httpx.Client(timeout=30) as http:
            while not done.is_set():
                statuses.append(http.get(base, headers={"x-api-key": "stays"}).status_code)

    asker = threading.Thread(target=keep_asking)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Uvicorn running on" in line:
                break
        assert httpx.get(base, headers={"x-api-key": "leaves"}, timeout=30).status_code == 200
        assert httpx.get(base, headers={"x-api-key": "arrives"}, timeout=30).status_code == 403
        asker.start()
        keys_file.write_text("stays\narrives BASIC\n", encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        for line in process.stdout:
            if "keys reloaded" in line:
                assert line.rstrip().endswith("keys reloaded: 2 keys")
                break
        assert httpx.get(base, headers={"x-api-key": "arrives"}, timeout=30).status_code == 200
        assert httpx.get(base, headers={"x-api-key": "leaves"}, timeout=30).status_code == 403
        done.set()
        asker.join()
        assert process.poll() is None  # SIGHUP reloads; it never stops the server
    finally:
        done.set()
        if asker.is_alive():
            asker.join()
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert statuses
    assert set(statuses) == {200}


# A server process that has said it serves, SIGHUPs itself at once: its handler must be there.
_SIGHUP_AT_START = """
import os, signal, socket, sys
from pathlib import Path
from chart_img_server import Settings
from chart_img_server.__main__ import serve_in_process

settings = Settings(keys_file=Path(sys.argv[1]), storage_dir=Path(sys.argv[2]), rate_limit=0)
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen()
sys.exit(serve_in_process(settings, sock, on_started=lambda: os.kill(os.getpid(), signal.SIGHUP)))
"""


def test_a_server_that_says_it_serves_already_handles_sighup(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("one-key\n", encoding="utf-8")
    command = [sys.executable, "-c", _SIGHUP_AT_START, str(keys_file), str(tmp_path / "storage")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as process:
        assert process.stdout is not None
        try:
            seen = [line for line in _lines_until(process.stdout, "keys reloaded")]
            assert seen[-1].rstrip().endswith("keys reloaded: 1 keys"), seen
            assert process.poll() is None
        finally:
            process.send_signal(signal.SIGTERM)
            rest, _ = process.communicate(timeout=30)
        # Stopped by the SIGTERM, gracefully (uvicorn raises the signal again once it has).
        assert "Finished server process" in rest


def _lines_until(lines: Iterable[str], text: str) -> Iterator[str]:
    """The lines up to the first with `text` in it (all of them, if none has)."""
    for line in lines:
        yield line
        if text in line:
            return
