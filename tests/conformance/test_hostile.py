"""Hostile requests, beyond what the generator makes: each gets its documented error, in the
spec's shape, and the server answers the next request as if nothing happened."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from chart_img_server import RunningServer, running_server
from chart_img_server.spec import ApiSpec, load_spec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import CONFORMANCE_KEY, conformance_settings

CHART_PATH = "/v3/coinalyze/advanced-chart"
STORAGE_PATH = "/v3/coinalyze/advanced-chart/storage"
LIST_PATH = "/v3/coinalyze/exchange/list"
SYMBOLS_PATH = "/v3/coinalyze/exchange/{exchangeId}"
JSON = "application/json"
KEY = {"x-api-key": CONFORMANCE_KEY}
SPEC = load_spec()
BOUNDS = SPEC.chart_request_properties


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(conformance_settings(tmp_path_factory.mktemp("storage"))) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def assert_documented(response: httpx.Response, path: str, method: str, status: int) -> None:
    """The status expected, and a JSON body the spec documents for it."""
    assert response.headers["content-type"].startswith(JSON), response.status_code
    assert response.status_code == status, response.text
    validator = SPEC.response_validator(path, method, status)
    assert [e.message for e in validator.iter_errors(response.json())] == []


def assert_healthy(client: httpx.Client) -> None:
    response = client.get(LIST_PATH, headers=KEY)
    assert_documented(response, LIST_PATH, "get", 200)


def post_chart(client: httpx.Client, content: bytes, content_type: str | None = JSON) -> Any:
    headers = dict(KEY)
    if content_type is not None:
        headers["content-type"] = content_type
    return client.post(CHART_PATH, content=content, headers=headers)


# Bodies that are not JSON objects, or not JSON: 400.

UNREADABLE = {
    "truncated object": b'{"symbol": "BINANCE:BTC',
    "truncated after a comma": b'{"width": 800,',
    "unquoted key": b"{symbol: 1}",
    "single quotes": b"{'width': 800}",
    "trailing garbage": b'{"width": 800} x',
    "two documents": b"{}{}",
    "NaN as text": b'{"width": NaN}',
    "Infinity as text": b'{"watermarkOpacity": -Infinity}',
    "duplicate keys": b'{"theme": "dark", "theme": "light"}',
    "duplicate keys, other case kept apart": b'{"width": 800, "width": 900}',
    "null body": b"null",
    "array body": b"[{}]",
    "invalid UTF-8": b'{"watermark": "\xff\xfe"}',
    "nested ten thousand deep": b"[" * 10_000 + b"]" * 10_000,
    "nested inside a field": b'{"studies": ' + b"[" * 200 + b"]" * 200 + b"}",
    "lone surrogate": b'{"watermark": "\\udbff"}',
    "whitespace only": b" \t\r\n",
}


@pytest.mark.parametrize("content", UNREADABLE.values(), ids=UNREADABLE.keys())
@pytest.mark.parametrize("path", [CHART_PATH, STORAGE_PATH])
def test_unreadable_json_is_400(client: httpx.Client, content: bytes, path: str) -> None:
    headers = {**KEY, "content-type": JSON}
    response = client.post(path, content=content, headers=headers)
    assert_documented(response, path, "post", 400)
    assert response.json() == {"message": "Invalid Request"}
    assert_healthy(client)


CONTENT_TYPES = [
    None,
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "json",
    "",
    "application/json\r\nx-injected: 1".replace("\r\n", " "),
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_a_body_that_is_not_labelled_json_is_400(
    client: httpx.Client, content_type: str | None
) -> None:
    response = post_chart(client, b'{"theme": "dark"}', content_type)
    assert_documented(response, CHART_PATH, "post", 400)
    assert_healthy(client)


# Size: 413, whether declared or streamed without a length.


def test_a_huge_declared_body_is_413(client: httpx.Client) -> None:
    huge = b'{"watermark": "' + b"x" * 5_000_000 + b'"}'
    response = post_chart(client, huge)
    assert_documented(response, CHART_PATH, "post", 413)
    assert_healthy(client)


def test_a_huge_streamed_body_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"watermark": "'
        for _ in range(200):
            yield b"x" * 65_536
        yield b'"}'

    headers = {**KEY, "content-type": JSON}
    response = client.post(CHART_PATH, content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert_documented(response, CHART_PATH, "post", 413)
    assert_healthy(client)


# Fields: `null`, strange text, long text, numbers at and past every bound: 422 or 200.


@pytest.mark.parametrize("field", sorted(BOUNDS))
def test_null_for_every_field_is_a_field_error(client: httpx.Client, field: str) -> None:
    response = post_chart(client, json.dumps({field: None}).encode())
    assert_documented(response, CHART_PATH, "post", 422)
    [error] = response.json()["errors"]
    assert (error["path"], error["value"]) == (field, None)
    assert_healthy(client)


DRAWABLE_WATERMARKS = [
    "مرحبا بالعالم",  # Arabic, right to left
    "שלום \u202eolleh\u202c",  # Hebrew with a right-to-left override
    "📈🚀 BTC",  # astral-plane emoji
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "\u200b\u200d\ufeff",  # invisible: zero-width characters and a BOM
    "Ǆ ß ﬃ İ",  # case-mapping oddities
    "x" * int(BOUNDS["watermark"]["maxLength"]),
]


@pytest.mark.parametrize("watermark", DRAWABLE_WATERMARKS)
def test_any_printable_unicode_watermark_is_drawn(client: httpx.Client, watermark: str) -> None:
    body = {"watermark": watermark, "watermarkSize": 64, "width": 400, "height": 300}
    response = post_chart(client, json.dumps(body).encode())
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert_healthy(client)


BAD_TEXT = {
    "watermark": [
        "nul \u0000 byte",
        "escape \u001b[31m red",
        "new\nline",
        "a final newline\n",  # Python's `$` matches before it; ECMA-262's does not
        "carriage\rreturn",
        "delete \u007f",
        "x" * (int(BOUNDS["watermark"]["maxLength"]) + 1),
        "x" * 60_000,
    ],
    "symbol": [
        "BINANCE:BTC\u202eUSDT",
        "BINANCE:\uff22\uff34\uff23USDT",  # full-width letters
        "BINANCE:BTCUSDT\u0000",
        "BINANCE:BTC\r\nUSDT",
        "BINANCE:BTCUSDT.P\n",
        "../../etc/passwd",
        "BINANCE/BTCUSDT",
        "BINANCE:" + "B" * 10_000,
        "",
    ],
}


@pytest.mark.parametrize(
    ("field", "value"), [(field, value) for field, values in BAD_TEXT.items() for value in values]
)
def test_strange_or_long_text_is_a_field_error(
    client: httpx.Client, field: str, value: str
) -> None:
    response = post_chart(client, json.dumps({field: value}).encode())
    assert_documented(response, CHART_PATH, "post", 422)
    [error] = response.json()["errors"]
    assert (error["path"], error["value"]) == (field, value)
    assert_healthy(client)


def test_a_very_long_unknown_field_name_is_a_field_error(client: httpx.Client) -> None:
    name = "f" * 50_000
    response = post_chart(client, json.dumps({name: 1}).encode())
    assert_documented(response, CHART_PATH, "post", 422)
    assert response.json()["errors"][0]["path"] == name
    assert_healthy(client)


def _numeric_bounds() -> list[tuple[str, str, int]]:
    """(field, JSON number, expected status) at, inside and past each bound the spec sets."""
    cases = []
    for field, schema in sorted(BOUNDS.items()):
        if "minimum" not in schema:
            continue
        low, high = schema["minimum"], schema["maximum"]
        integer = schema.get("type") == "integer"
        step = 1 if integer else 1e-9
        cases += [(field, json.dumps(low), 200), (field, json.dumps(high), 200)]
        cases += [(field, json.dumps(low - step), 422), (field, json.dumps(high + step), 422)]
        if integer:
            cases += [(field, f"{high}.0", 200), (field, f"{low}.5", 422), (field, f"{low}e0", 200)]
        cases += [(field, "-0", 422), (field, "-0.0", 422), (field, "1e309", 422)]
        cases += [(field, "-1e309", 422), (field, "1" + "0" * 500, 422), (field, '"NaN"', 422)]
        cases += [(field, "true", 422), (field, f'"{low}"', 422)]
    return cases


@pytest.mark.parametrize(("field", "number", "status"), _numeric_bounds())
def test_numbers_at_and_past_every_bound(
    client: httpx.Client, field: str, number: str, status: int
) -> None:
    response = post_chart(client, f'{{"{field}": {number}, "format": "jpeg"}}'.encode())
    if status == 200:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/jpeg"
    else:
        assert_documented(response, CHART_PATH, "post", status)
        assert [e["path"] for e in response.json()["errors"]] == [field]
    assert_healthy(client)


MAX_STUDIES = int(BOUNDS["studies"]["maxItems"])


@pytest.mark.parametrize("count", [2, MAX_STUDIES])
def test_repeated_studies_are_a_field_error(client: httpx.Client, count: int) -> None:
    response = post_chart(client, json.dumps({"studies": ["Buy Sell Pressure"] * count}).encode())
    assert_documented(response, CHART_PATH, "post", 422)
    assert "studies[1]" in [error["path"] for error in response.json()["errors"]]
    assert_healthy(client)


def _mixed_studies(count: int) -> list[Any]:
    """Integers and strings, which jsonschema's `uniqueItems` cannot sort: it compared every
    pair of the list, for 12-18 s on the event loop, and answered 1.1 MB of errors."""
    return [item for index in range(count // 2) for item in (index, str(index))]


@pytest.mark.parametrize(
    "studies",
    [
        ["Buy Sell Pressure"] * (MAX_STUDIES + 1),
        ["Buy Sell Pressure"] * 3_000,
        _mixed_studies(9_000),
    ],
    ids=["one too many", "3000 repeats", "9000 integers and strings"],
)
def test_too_many_studies_are_one_small_field_error(client: httpx.Client, studies: Any) -> None:
    content = json.dumps({"studies": studies}).encode()
    response = post_chart(client, content)
    assert_documented(response, CHART_PATH, "post", 422)
    [error] = response.json()["errors"]
    assert (error["path"], error["msg"]) == ("studies", f"must have at most {MAX_STUDIES} items")
    assert len(response.content) < len(content) + 200
    assert_healthy(client)


def test_health_is_answered_among_pathological_bodies(client: httpx.Client) -> None:
    content = json.dumps({"studies": _mixed_studies(9_000)}).encode()

    def post_pathological() -> httpx.Response:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
            return own.post(CHART_PATH, content=content, headers={**KEY, "content-type": JSON})

    with ThreadPoolExecutor(max_workers=4) as pool:
        pending = [pool.submit(post_pathological) for _ in range(8)]
        health = [client.get("/healthz") for _ in range(4)]
        answers = [future.result() for future in pending]
    assert [(r.status_code, r.json()) for r in health] == [(200, {"status": "ok"})] * 4
    assert {r.status_code for r in answers} == {422}


# Paths: traversal and encoded slashes in the exchange ID and storage keys: 404.

EXCHANGE_PATHS = [
    "..",
    "%2e%2e",
    "..%2F..%2Fetc%2Fpasswd",
    "BINANCE%2F..%2F..",
    "BINANCE%00",
    "BINANCE%0D%0Ax-injected:%201",
    "%252e%252e%252f",
    "A" * 4_000,
]


@pytest.mark.parametrize("exchange", EXCHANGE_PATHS)
def test_hostile_exchange_ids_are_404(client: httpx.Client, exchange: str) -> None:
    response = client.get(f"/v3/coinalyze/exchange/{exchange}", headers=KEY)
    assert_documented(response, SYMBOLS_PATH, "get", 404)
    assert "x-injected" not in response.headers
    assert_healthy(client)


def _stored_key(client: httpx.Client) -> str:
    response = client.post(STORAGE_PATH, headers=KEY)
    assert response.status_code == 200
    url: str = response.json()["url"]
    return urlsplit(url).path.removeprefix("/storage/")


@pytest.mark.parametrize(
    "template",
    [
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "{key}/../../../../../../etc/passwd",
        "{dir}/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "{key}.meta.json",
        "{key}%00.png",
        "{dir}/%2E%2E%2F{name}",
        "{key_upper}",
        "/{key}",
    ],
)
def test_hostile_storage_paths_are_404(
    client: httpx.Client, server: RunningServer, template: str
) -> None:
    key = _stored_key(client)
    directory, _, name = key.rpartition("/")
    path = template.format(key=key, dir=directory, name=name, key_upper=key.upper())
    response = client.get(f"/storage/{path}")
    assert response.status_code == 404
    body = response.json()
    assert [e.message for e in SPEC.validator("ErrorMessage").iter_errors(body)] == []
    assert client.get(f"/storage/{key}").status_code == 200
    assert_storage_kept_inside(server)
    assert_healthy(client)


def assert_storage_kept_inside(server: RunningServer) -> None:
    root = Path(server.settings.storage_dir).resolve()
    assert all(path.resolve().is_relative_to(root) for path in root.rglob("*"))


# Headers: injection attempts never reach a response header, and never pass for a key.


def _raw_request(server: RunningServer, request: bytes) -> bytes:
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname or "", address.port or 80), 10) as raw:
        raw.sendall(request)
        raw.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := raw.recv(65_536):
            received += chunk
    return received


@pytest.mark.parametrize(
    "key_header",
    [
        b"x-api-key: " + CONFORMANCE_KEY.encode() + b"\xff\xfe",
        b"x-api-key: " + CONFORMANCE_KEY.encode() + b" \x00",
        b"x-api-key: \xc3\xa9" + CONFORMANCE_KEY.encode(),
        b"x-api-key: " + b"k" * 6_000,
    ],
)
def test_a_mangled_key_header_is_refused_in_shape(
    client: httpx.Client, server: RunningServer, key_header: bytes
) -> None:
    request = b"GET " + LIST_PATH.encode() + b" HTTP/1.1\r\nhost: x\r\n" + key_header
    received = _raw_request(server, request + b"\r\nconnection: close\r\n\r\n")
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    # The server's HTTP parser may refuse the line itself (400), before the app sees it.
    if status == 403:
        assert json.loads(body) in ({"message": "Invalid API Key"}, {"message": "Missing API Key"})
    else:
        assert status == 400
    assert_healthy(client)


@pytest.mark.parametrize(
    "query",
    [
        "key=" + CONFORMANCE_KEY + "%0D%0ASet-Cookie:%20stolen=1",
        "key=" + CONFORMANCE_KEY + "%0Ax-injected:%201",
        "key=%00",
        "key=" + CONFORMANCE_KEY + "&key=wrong",
    ],
)
def test_header_injection_through_the_query_key_is_refused(
    client: httpx.Client, query: str
) -> None:
    response = client.get(f"{LIST_PATH}?{query}")
    assert response.status_code in (200, 403)
    if response.status_code == 403:
        assert_documented(response, LIST_PATH, "get", 403)
    assert "set-cookie" not in response.headers
    assert "x-injected" not in response.headers
    assert_healthy(client)


# Properties: whatever bytes arrive, the answer is documented.

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=12,
)
_bodies = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(st.sampled_from([*BOUNDS, "extra"]), _json_values, max_size=5).map(
        lambda fields: json.dumps(fields).encode()
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(content=_bodies)
def test_any_body_gets_a_documented_answer(client: httpx.Client, content: bytes) -> None:
    response = post_chart(client, content)
    if response.status_code == 200:
        assert response.headers["content-type"] in ("image/png", "image/jpeg")
    else:
        assert_documented(response, CHART_PATH, "post", response.status_code)
        assert response.status_code in (400, 422)


def test_the_spec_bounds_are_covered() -> None:
    numeric = {field for field, schema in BOUNDS.items() if "minimum" in schema}
    assert numeric == {field for field, _, _ in _numeric_bounds()}
    assert isinstance(SPEC, ApiSpec)


# Connections: the request head is bounded before the application sees it, and a client that
# leaves mid-body is its own doing.


@pytest.mark.parametrize(
    "head",
    [
        b"x-big: " + b"a" * 1_000_000 + b"\r\n",
        b"".join(b"x-field-%d: 1\r\n" % n for n in range(1_000)),
        b"cookie: " + b"c=1; " * 10_000 + b"\r\n",
    ],
    ids=["one-huge-field", "many-fields", "long-cookie"],
)
def test_an_oversized_request_head_is_431(
    client: httpx.Client, server: RunningServer, head: bytes
) -> None:
    received = _raw_request(
        server, b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n" + head + b"\r\n"
    )
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert json.loads(rest.partition(b"\r\n\r\n")[2]) == {
        "message": "Request Header Fields Too Large"
    }
    assert_healthy(client)


class _AccessRecords(logging.Handler):
    def __init__(self, client: str) -> None:
        super().__init__()
        self.client = client
        self.statuses: list[int] = []
        self.errors: list[logging.LogRecord] = []
        self.logged = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.errors.append(record)
        if getattr(record, "client", None) == self.client:
            self.statuses.append(getattr(record, "status", 0))
            self.logged.set()


def test_a_client_leaving_mid_body_is_one_access_line_not_a_500(
    client: httpx.Client, server: RunningServer
) -> None:
    address = urlsplit(server.base_url)
    loggers = [logging.getLogger(name) for name in ("chart_img_server", "uvicorn")]
    with socket.create_connection((address.hostname or "", address.port or 80), 10) as raw:
        host, port = raw.getsockname()[:2]
        records = _AccessRecords(f"{host}:{port}")
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.addHandler(records)
            logger.setLevel(logging.INFO)
        try:
            raw.sendall(
                b"POST " + CHART_PATH.encode() + b" HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                b"x-api-key: " + CONFORMANCE_KEY.encode() + b"\r\n"
                b"content-type: application/json\r\ncontent-length: 5000\r\n\r\n"
                b'{"width": 8'
            )
            raw.close()
            assert records.logged.wait(10)
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.removeHandler(records)
                logger.setLevel(level)
    assert records.statuses == [499]
    assert records.errors == []
    assert_healthy(client)


# Hosts, headers and failed keys (issue 12, items 8-10), over a real socket.


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "127.0.0.1:1@evil.example", "localhost.evil"]
)
def test_a_host_not_configured_never_reaches_a_url(client: httpx.Client, host: str) -> None:
    response = client.post(STORAGE_PATH, headers={**KEY, "host": host})
    assert_documented(response, STORAGE_PATH, "post", 400)
    assert response.json() == {"message": "Invalid Host"}
    slash = client.get(LIST_PATH + "/", headers={**KEY, "host": host})
    assert slash.status_code == 400
    assert "location" not in slash.headers
    assert_healthy(client)


def test_a_trailing_slash_is_never_redirected(client: httpx.Client) -> None:
    response = client.get(LIST_PATH + "/", headers=KEY)
    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})
    assert "location" not in response.headers


@pytest.mark.parametrize("path", ["/healthz", LIST_PATH, "/nowhere", "/readyz"])
def test_answers_are_not_sniffed_cached_or_bannered(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers=KEY)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "server" not in response.headers


def test_readiness_is_answered(client: httpx.Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_a_flood_of_wrong_keys_is_throttled(tmp_path: Path) -> None:
    import dataclasses

    settings = dataclasses.replace(
        conformance_settings(tmp_path), failed_auth_rate=0.2, failed_auth_burst=10
    )
    with (
        running_server(settings) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        statuses = [
            http.get(LIST_PATH, headers={"x-api-key": f"guess-{n}"}).status_code for n in range(200)
        ]
        assert statuses[:10] == [403] * 10
        assert set(statuses[10:]) == {429}
        refused = http.get(LIST_PATH, headers=KEY)
        assert_documented(refused, LIST_PATH, "get", 429)
        assert int(refused.headers["retry-after"]) >= 1
