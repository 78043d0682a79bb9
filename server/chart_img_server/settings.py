"""Server settings, read from `CHART_IMG_SERVER_*` environment variables."""

from __future__ import annotations

import datetime
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

ENV_PREFIX = "CHART_IMG_SERVER_"
LOG_FORMATS = ("text", "json")
MARKET_SOURCES = ("synthetic", "coinalyze")
# A setting read from a variable of another name says so in its field's metadata.
ENV_NAME = "env"

_T = TypeVar("_T")


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _default_storage_dir() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "chart-img-server" / "storage"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server can be configured with; every field has a working default."""

    host: str = "127.0.0.1"
    port: int = 8000
    keys: tuple[str, ...] = ()
    keys_file: Path | None = None
    storage_dir: Path = field(default_factory=_default_storage_dir)
    public_base_url: str | None = None
    market: str = "synthetic"
    coinalyze_url: str = "https://api.coinalyze.net/v1"
    coinalyze_api_key: str | None = field(
        default=None, repr=False, metadata={ENV_NAME: "COINALYZE_API_KEY"}
    )
    coinalyze_calls_per_minute: int = 40
    binance_futures_url: str = "https://fapi.binance.com"
    binance_coin_futures_url: str = "https://dapi.binance.com"
    binance_calls_per_minute: int = 200
    okx_url: str = "https://www.okx.com"
    okx_calls_per_minute: int = 120
    coingecko_url: str = "https://api.coingecko.com/api/v3"
    coingecko_api_key: str | None = field(
        default=None, repr=False, metadata={ENV_NAME: "COINGECKO_API_KEY"}
    )
    coingecko_calls_per_minute: int = 30
    market_refresh: float = 60.0
    market_cache_bars: int = 1_000_000
    catalog_refresh: float = 3600.0
    render_timeout: float = 10.0
    render_threads: int = 2
    rate_limit: float = 10.0
    rate_burst: int = 20
    max_body_bytes: int = 65536
    storage_retention: datetime.timedelta = datetime.timedelta(days=14)
    purge_interval: float = 300.0
    clock: Callable[[], datetime.datetime] = utc_now
    monotonic: Callable[[], float] = time.monotonic
    log_format: str = "text"
    # The hosts served, the throttle on failed keys, CORS: see the self-hosting guide.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1", "testserver")
    failed_auth_rate: float = 0.2
    failed_auth_burst: int = 10
    cors_origins: tuple[str, ...] = ()
    # Connection limits, enforced before a request reaches the application.
    max_header_bytes: int = 16384
    max_header_count: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 15.0
    # Several processes on one port, sharing limits, budgets and the sweeper through Redis
    # (docs/guides/self-hosting.md). The URL may carry a password: never shown.
    processes: int = 1
    redis_url: str | None = field(default=None, repr=False)
    # Stored charts in an S3-compatible bucket, `s3://BUCKET/PREFIX`, instead of storage_dir
    # (STORAGE_URL also takes a path or file:// URL: storage_dir). The credentials are the S3
    # client's, from the standard AWS_* variables, never read or shown by the settings.
    storage_url: str | None = None
    s3_endpoint_url: str | None = None

    def __post_init__(self) -> None:
        _require(self.port >= 0 and self.port <= 65535, "port", "be between 0 and 65535")
        _require(self.market in MARKET_SOURCES, "market", f"be one of {', '.join(MARKET_SOURCES)}")
        _require(
            self.market != "coinalyze" or bool(self.coinalyze_api_key),
            "coinalyze_api_key",
            "be set (COINALYZE_API_KEY) for the coinalyze market source",
        )
        _require(
            self.coinalyze_calls_per_minute >= 1, "coinalyze_calls_per_minute", "be at least 1"
        )
        for upstream in ("binance", "okx", "coingecko"):
            calls = getattr(self, f"{upstream}_calls_per_minute")
            _require(calls >= 1, f"{upstream}_calls_per_minute", "be at least 1")
        _require(self.market_refresh > 0, "market_refresh", "be positive")
        _require(self.market_cache_bars >= 1, "market_cache_bars", "be at least 1")
        _require(self.catalog_refresh > 0, "catalog_refresh", "be positive")
        _require(self.render_timeout > 0, "render_timeout", "be positive")
        _require(self.render_threads >= 1, "render_threads", "be at least 1")
        _require(self.rate_limit >= 0, "rate_limit", "be zero (off) or positive")
        _require(self.rate_burst >= 1, "rate_burst", "be at least 1")
        _require(self.max_body_bytes >= 1, "max_body_bytes", "be at least 1")
        _require(self.storage_retention.total_seconds() > 0, "storage_retention", "be positive")
        _require(self.purge_interval > 0, "purge_interval", "be positive")
        _require(
            self.log_format in LOG_FORMATS, "log_format", f"be one of {', '.join(LOG_FORMATS)}"
        )
        _require(all(map(_is_host_name, self.allowed_hosts)), "allowed_hosts", "be host names")
        _require(self.failed_auth_rate >= 0, "failed_auth_rate", "be zero (off) or positive")
        _require(self.failed_auth_burst >= 1, "failed_auth_burst", "be at least 1")
        _require(
            all(map(_is_origin, self.cors_origins)),
            "cors_origins",
            "be * or origins such as https://docs.example (scheme, host, optional port)",
        )
        _require(self.max_header_bytes >= 1024, "max_header_bytes", "be at least 1024")
        _require(self.max_header_count >= 1, "max_header_count", "be at least 1")
        _require(self.header_timeout > 0, "header_timeout", "be positive")
        _require(self.body_timeout > 0, "body_timeout", "be positive")
        _require(self.idle_timeout > 0, "idle_timeout", "be positive")
        _require(self.processes >= 1, "processes", "be at least 1")
        _require(
            self.redis_url is None or self.redis_url.startswith(("redis://", "rediss://")),
            "redis_url",
            "start with redis:// or rediss://",
        )
        _require(
            self.processes == 1 or self.redis_url is not None,
            "processes",
            "be 1 without CHART_IMG_SERVER_REDIS_URL (processes share limits through Redis)",
        )
        _require(
            self.processes == 1 or bool(self.keys) or self.keys_file is not None,
            "processes",
            "be 1 without configured keys (CHART_IMG_SERVER_KEYS or _KEYS_FILE)",
        )
        _require(
            self.storage_url is None or _S3_URL.fullmatch(self.storage_url) is not None,
            "storage_url",
            "be a path, a file:// URL or s3://BUCKET/PREFIX",
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `CHART_IMG_SERVER_*` variables; unset ones keep their defaults."""
        variables = os.environ if environ is None else environ
        env = _PrefixedEnv(variables)
        defaults = cls()
        storage_dir, storage_url = _storage(env, defaults.storage_dir)
        return cls(
            host=env.get("HOST", str, defaults.host),
            port=env.get("PORT", int, defaults.port),
            keys=env.get("KEYS", _split_keys, defaults.keys),
            keys_file=env.get("KEYS_FILE", Path, defaults.keys_file),
            storage_dir=storage_dir,
            public_base_url=env.get("PUBLIC_BASE_URL", _base_url, defaults.public_base_url),
            market=env.get("MARKET", str.lower, defaults.market),
            coinalyze_url=env.get("COINALYZE_URL", _base_url, defaults.coinalyze_url),
            coinalyze_api_key=variables.get("COINALYZE_API_KEY", "").strip() or None,
            coinalyze_calls_per_minute=env.get(
                "COINALYZE_CALLS_PER_MINUTE", int, defaults.coinalyze_calls_per_minute
            ),
            binance_futures_url=env.get(
                "BINANCE_FUTURES_URL", _base_url, defaults.binance_futures_url
            ),
            binance_coin_futures_url=env.get(
                "BINANCE_COIN_FUTURES_URL", _base_url, defaults.binance_coin_futures_url
            ),
            binance_calls_per_minute=env.get(
                "BINANCE_CALLS_PER_MINUTE", int, defaults.binance_calls_per_minute
            ),
            okx_url=env.get("OKX_URL", _base_url, defaults.okx_url),
            okx_calls_per_minute=env.get(
                "OKX_CALLS_PER_MINUTE", int, defaults.okx_calls_per_minute
            ),
            coingecko_url=env.get("COINGECKO_URL", _base_url, defaults.coingecko_url),
            coingecko_api_key=variables.get("COINGECKO_API_KEY", "").strip() or None,
            coingecko_calls_per_minute=env.get(
                "COINGECKO_CALLS_PER_MINUTE", int, defaults.coingecko_calls_per_minute
            ),
            market_refresh=env.get("MARKET_REFRESH", float, defaults.market_refresh),
            market_cache_bars=env.get("MARKET_CACHE_BARS", int, defaults.market_cache_bars),
            catalog_refresh=env.get("CATALOG_REFRESH", float, defaults.catalog_refresh),
            render_timeout=env.get("RENDER_TIMEOUT", float, defaults.render_timeout),
            # CHART_IMG_SERVER_WORKERS: the setting's old name, still read.
            render_threads=env.get(
                "RENDER_THREADS", int, env.get("WORKERS", int, defaults.render_threads)
            ),
            rate_limit=env.get("RATE_LIMIT", float, defaults.rate_limit),
            rate_burst=env.get("RATE_BURST", int, defaults.rate_burst),
            max_body_bytes=env.get("MAX_BODY_BYTES", int, defaults.max_body_bytes),
            storage_retention=env.get("STORAGE_RETENTION", _seconds, defaults.storage_retention),
            purge_interval=env.get("PURGE_INTERVAL", float, defaults.purge_interval),
            log_format=env.get("LOG_FORMAT", str.lower, defaults.log_format),
            allowed_hosts=env.get("ALLOWED_HOSTS", _split_keys, defaults.allowed_hosts),
            failed_auth_rate=env.get("FAILED_AUTH_RATE", float, defaults.failed_auth_rate),
            failed_auth_burst=env.get("FAILED_AUTH_BURST", int, defaults.failed_auth_burst),
            cors_origins=env.get("CORS_ORIGINS", _split_keys, defaults.cors_origins),
            max_header_bytes=env.get("MAX_HEADER_BYTES", int, defaults.max_header_bytes),
            max_header_count=env.get("MAX_HEADER_COUNT", int, defaults.max_header_count),
            header_timeout=env.get("HEADER_TIMEOUT", float, defaults.header_timeout),
            body_timeout=env.get("BODY_TIMEOUT", float, defaults.body_timeout),
            idle_timeout=env.get("IDLE_TIMEOUT", float, defaults.idle_timeout),
            processes=env.get("PROCESSES", int, defaults.processes),
            redis_url=env.get("REDIS_URL", str, defaults.redis_url),
            storage_url=storage_url,
            s3_endpoint_url=env.get("S3_ENDPOINT_URL", _base_url, defaults.s3_endpoint_url),
        )


class _PrefixedEnv:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str, parse: Callable[[str], _T], default: _T) -> _T:
        raw = self._environ.get(ENV_PREFIX + name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_PREFIX}{name}={raw!r} is not valid: {exc}") from None


def _require(condition: bool, name: str, what: str) -> None:
    if not condition:
        raise ValueError(f"setting {name} must {what}")


def _split_keys(raw: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in raw.split(",") if key.strip())


_S3_URL = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:/[^\s]*)?")


def _storage(env: _PrefixedEnv, default_dir: Path) -> tuple[Path, str | None]:
    """`storage_dir` and `storage_url` from STORAGE_URL (a path, `file://` or `s3://` URL) or
    its older, local-only alias STORAGE_DIR; setting both is refused."""
    url = env.get("STORAGE_URL", str, None)
    directory = env.get("STORAGE_DIR", Path, None)
    if url is not None and directory is not None:
        raise ValueError(
            f"set {ENV_PREFIX}STORAGE_URL or {ENV_PREFIX}STORAGE_DIR (its alias), not both"
        )
    if url is None:
        return directory or default_dir, None
    if url.startswith("s3://"):
        return default_dir, url
    if url.startswith("file://"):
        parsed = urllib.parse.urlsplit(url)
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(
                f"{ENV_PREFIX}STORAGE_URL={url!r} is not valid: a file:// URL names no host"
            )
        return Path(urllib.parse.unquote(parsed.path)), None
    if "://" in url:
        raise ValueError(
            f"{ENV_PREFIX}STORAGE_URL={url!r} is not valid: a path, file:// or s3:// URL"
        )
    return Path(url), None


def _base_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return raw.rstrip("/")


def _seconds(raw: str) -> datetime.timedelta:
    return datetime.timedelta(seconds=float(raw))


_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")
_ORIGIN = re.compile(r"https?://(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _is_host_name(name: str) -> bool:
    """A DNS name or an IP address, without scheme, port, path or brackets."""
    return _HOST_NAME.fullmatch(name) is not None


def _is_origin(origin: str) -> bool:
    return origin == "*" or _ORIGIN.fullmatch(origin) is not None
