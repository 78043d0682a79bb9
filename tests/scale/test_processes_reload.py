"""SIGHUP to the supervisor of `--processes N`: every process reads its keys again, none stops.

Which process answered a request is read from the kernel: the server end of the request's
connection (`/proc/net/tcp`) is a socket that one of the processes holds (`/proc/PID/fd`).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from chart_img_server.processes import HangupRelay

from .conftest import RedisServer, ServerProcesses, server_processes

LIST_PATH = "/v3/coinalyze/exchange/list"
DEADLINE_SECONDS = 60.0
# Requests each process must answer with a key before the key's status counts as its answer.
ANSWERS_EACH = 5


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _ask(server: ServerProcesses, key: str) -> tuple[int, int]:
    """One request on a new connection: its status and the process that answered it."""
    answer = server.ask("GET", LIST_PATH, {"x-api-key": key})
    return answer.status, answer.pid


def _answers(
    server: ServerProcesses,
    key: str,
    pids: set[int],
    done: Callable[[dict[int, list[int]]], bool],
) -> dict[int, list[int]]:
    """Requests on new connections until `done(statuses by process)`; fails at the deadline."""
    answers: dict[int, list[int]] = {pid: [] for pid in pids}
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not done(answers):
        assert time.monotonic() < deadline, f"{key}: {answers}"
        status, pid = _ask(server, key)
        answers[pid].append(status)
    return answers


def _each_answered(answers: dict[int, list[int]]) -> bool:
    return all(len(statuses) >= ANSWERS_EACH for statuses in answers.values())


def _each_accepted(answers: dict[int, list[int]]) -> bool:
    """Every process has accepted the key (a reloaded process accepts it from then on)."""
    return all(200 in statuses for statuses in answers.values())


def _statuses(server: ServerProcesses, key: str, pids: set[int]) -> dict[int, set[int]]:
    """What each process answers the key, `ANSWERS_EACH` times at least."""
    answered = _answers(server, key, pids, _each_answered)
    return {pid: set(statuses) for pid, statuses in answered.items()}


@pytest.mark.slow
def test_sighup_to_the_supervisor_reloads_the_keys_of_every_process(
    tmp_path: Path, redis: RedisServer
) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("stays\nleaves\n", encoding="utf-8")
    env = {
        "CHART_IMG_SERVER_KEYS": None,
        "CHART_IMG_SERVER_KEYS_FILE": str(keys_file),
        "CHART_IMG_SERVER_RATE_LIMIT": "0",
        # Wrong keys are the point here: no throttle of them.
        "CHART_IMG_SERVER_FAILED_AUTH_RATE": "0",
    }
    with server_processes(tmp_path, redis.url, 2, env) as server:
        pids = server.workers()
        assert len(pids) == 2
        before = {key: _statuses(server, key, pids) for key in ("stays", "leaves", "arrives")}
        assert before == {
            "stays": {pid: {200} for pid in pids},
            "leaves": {pid: {200} for pid in pids},
            "arrives": {pid: {403} for pid in pids},
        }

        keys_file.write_text("stays\narrives\n", encoding="utf-8")
        os.kill(server.pid, signal.SIGHUP)
        # Each process reloads in its own time: until each has accepted the new key, it may
        # still refuse it.
        _answers(server, "arrives", pids, _each_accepted)
        after = {key: _statuses(server, key, pids) for key in ("stays", "leaves", "arrives")}
        assert after == {
            "stays": {pid: {200} for pid in pids},
            "leaves": {pid: {403} for pid in pids},
            "arrives": {pid: {200} for pid in pids},
        }

        assert _alive(server.pid)
        assert server.workers() == pids
        assert all(_alive(pid) for pid in pids)
    # Each process logs its reload as it swaps its keys, before it answers with them.
    log = server.log.read_text().splitlines()
    assert sum("SIGHUP: the 2 server processes reload their keys" in line for line in log) == 1
    assert sum(line.endswith("keys reloaded: 2 keys") for line in log) == 2
    assert not [line for line in log if "ended (exit" in line or " ERROR " in line]


def test_a_process_still_starting_gets_the_sighup_once_it_serves() -> None:
    relay = HangupRelay()
    assert relay.serves(11) == []
    # 12 is starting: it may have read the keys before they changed, and cannot reload yet.
    assert relay.hangup([11, 12]) == [11]
    assert relay.serves(12) == [12]
    assert relay.hangup([11, 12]) == [11, 12]
    # One that ends before it serves is owed nothing: its replacement reads the keys as it
    # starts, after they changed.
    assert relay.hangup([11, 12, 13]) == [11, 12]
    relay.ended(13)
    assert relay.serves(14) == []
    assert (relay.serving, relay.owed) == ({11, 12, 14}, set())
