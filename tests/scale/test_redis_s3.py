"""Four processes with Redis and S3 behave as one server: a chart one stores, all serve."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.moto_server import Moto

from .conftest import RedisServer, server_processes


def test_a_chart_stored_by_one_process_is_served_by_all(
    tmp_path: Path, redis: RedisServer, moto: Moto
) -> None:
    s3 = moto.server_environment("four-processes")
    with server_processes(tmp_path, redis.url, 4, env=s3) as server:
        stored = httpx.post(
            f"{server.base_url}/v3/coinalyze/advanced-chart/storage",
            headers=server.headers,
            json={"width": 400, "height": 300},
            timeout=60,
        )
        assert stored.status_code == 200, stored.text
        answer = stored.json()
        # A new connection each time: the kernel hands them to whichever process accepts.
        served = [httpx.get(answer["url"], timeout=30) for _ in range(16)]
    assert {response.status_code for response in served} == {200}
    assert {len(response.content) for response in served} == {answer["size"]}
    assert {response.headers["etag"] for response in served} == {f'"{answer["etag"]}"'}
