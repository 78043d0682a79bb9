"""Four processes with Redis and S3 behave as one server to their users: a chart one stores,
every one serves; one plan's limits and one daily quota, whichever process answers."""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis as redis_client
from chart_img_server.redis_services import PREFIX, key_digest

from tests.moto_server import Moto

from .conftest import Answer, RedisServer, ServerProcesses, server_processes

PROCESSES = 4
DEADLINE_SECONDS = 90.0
CHART_PATH = "/v3/coinalyze/advanced-chart"
LIST_PATH = "/v3/coinalyze/exchange/list"
PRO_KEY = "pro-plan-key"
BASIC_KEY = "basic-plan-key"
BASIC_DAILY = 50  # the BASIC plan's requests a UTC day (openapi.yaml, x-plans)
PRO_STORAGE_DAYS = 30


@pytest.fixture
def server(tmp_path: Path, redis: RedisServer, moto: Moto) -> Iterator[ServerProcesses]:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(f"{PRO_KEY} PRO\n{BASIC_KEY} BASIC\n", encoding="utf-8")
    env = {
        **moto.server_environment("four-processes"),
        "CHART_IMG_SERVER_KEYS": None,
        "CHART_IMG_SERVER_KEYS_FILE": str(keys_file),
    }
    with server_processes(tmp_path, redis.url, PROCESSES, env=env) as started:
        assert len(started.workers()) == PROCESSES
        yield started


def _from_every_process(server: ServerProcesses, ask: Callable[[], Answer]) -> list[Answer]:
    """Answers on new connections until each process has given one."""
    answers: list[Answer] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    while {answer.pid for answer in answers} != server.workers():
        assert time.monotonic() < deadline, [(a.pid, a.status) for a in answers]
        answers.append(ask())
    return answers


def _headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "content-type": "application/json"}


@pytest.mark.slow
def test_a_chart_stored_by_one_process_is_served_by_all(server: ServerProcesses) -> None:
    body = json.dumps({"width": 400, "height": 300}).encode()
    stored = server.ask("POST", f"{CHART_PATH}/storage", _headers(PRO_KEY), body)
    assert stored.status == 200, stored.content
    answer = json.loads(stored.content)
    # Kept for the key's plan's storage days.
    expire_at = datetime.datetime.fromisoformat(answer["expireAt"].replace("Z", "+00:00"))
    left = expire_at - datetime.datetime.now(datetime.UTC)
    assert abs(left - datetime.timedelta(days=PRO_STORAGE_DAYS)) < datetime.timedelta(minutes=5)
    path = answer["url"].removeprefix(server.base_url)
    served = _from_every_process(server, lambda: server.ask("GET", path, {}))
    assert {response.status for response in served} == {200}
    assert {hashlib.md5(response.content).hexdigest() for response in served} == {answer["etag"]}


@pytest.mark.slow
def test_every_process_enforces_the_key_s_plan(server: ServerProcesses) -> None:
    too_tall = json.dumps({"width": 1920, "height": 1600}).encode()
    refused = _from_every_process(
        server, lambda: server.ask("POST", CHART_PATH, _headers(PRO_KEY), too_tall)
    )
    assert {answer.status for answer in refused} == {422}
    for answer in refused:
        [error] = json.loads(answer.content)["errors"]
        assert (error["path"], error["msg"]) == ("height", "must be at most 1080 on the PRO plan")


@pytest.mark.slow
def test_one_daily_quota_across_the_processes(server: ServerProcesses, redis: RedisServer) -> None:
    # The key has spent all but one of today's requests (as counted in Redis, by UTC day).
    client = redis_client.Redis(port=redis.port)
    seconds, _ = client.time()
    day = seconds // 86_400
    key_id = hashlib.sha256(BASIC_KEY.encode()).hexdigest()
    client.set(f"{PREFIX}quota:{key_digest(key_id)}:{day}", BASIC_DAILY - 1)
    client.close()

    def ask() -> Answer:
        return server.ask("GET", LIST_PATH, _headers(BASIC_KEY))

    last = ask()
    assert last.status == 200
    refused = _from_every_process(server, ask)
    assert {answer.status for answer in refused} == {429}
    assert {json.loads(answer.content)["message"] for answer in refused} == {"Daily Quota Exceeded"}
