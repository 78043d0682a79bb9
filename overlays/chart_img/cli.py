"""`chart-img`: the command line of the chart-img-kit client.

Every error is one line on stderr (a JSON object with `--json`) and a distinct exit code:

| code | error |
| --- | --- |
| 1 | any other error; a batch with a failed request |
| 2 | usage error, or a request the spec rejects (checked before sending) |
| 3 / 4 | the server could not be reached / did not answer in time |
| 5 / 6 | a response that breaks the spec / a download that fails verification |
| 10 | another HTTP error status |
| 11, 12, 13, 14, 15 | 400, 403, 404, 413, 422 |
| 16, 17, 18 | 429, 5xx, 504 |
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import httpx
import typer
from rich.console import Console

from . import _spec
from ._batch import read_batch, run_batch, summary_table
from ._client import API_KEY_ENV, BASE_URL_ENV, AsyncChartImg, ChartImg
from ._exceptions import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ChartImgError,
    DownloadVerificationError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    ProcessTimeoutError,
    RateLimitedError,
    RequestValidationError,
    ServerError,
    UnprocessableError,
)
from ._params import ChartFields, allowed_values, enum_of
from ._retry import DEFAULT_MAX_RETRIES

__all__ = ["EXIT_CODES", "CliState", "app", "exit_code", "main"]

EXIT_CODES: dict[type[BaseException], int] = {
    ChartImgError: 1,
    RequestValidationError: 2,
    APIConnectionError: 3,
    APITimeoutError: 4,
    APIResponseError: 5,
    DownloadVerificationError: 6,
    APIStatusError: 10,
    BadRequestError: 11,
    ForbiddenError: 12,
    NotFoundError: 13,
    PayloadTooLargeError: 14,
    UnprocessableError: 15,
    RateLimitedError: 16,
    ServerError: 17,
    ProcessTimeoutError: 18,
}

_SERVER_EXTRA = "pip install 'chart-img-kit[server]'"

app = typer.Typer(
    name="chart-img",
    help="Capture Coinalyze charts from a CHART-IMG API v3 server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@dataclass
class CliState:
    """What every command needs to make a client; tests pass transports and sleeps in."""

    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_retries: int = DEFAULT_MAX_RETRIES
    transport: httpx.BaseTransport | None = None
    async_transport: httpx.AsyncBaseTransport | None = None
    sleep: Callable[[float], None] | None = None
    async_sleep: Callable[[float], Any] | None = None

    def client(self) -> ChartImg:
        options: dict[str, Any] = {} if self.sleep is None else {"sleep": self.sleep}
        return ChartImg(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            transport=self.transport,
            **options,
        )

    def async_client(self) -> AsyncChartImg:
        options: dict[str, Any] = {} if self.async_sleep is None else {"sleep": self.async_sleep}
        return AsyncChartImg(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            transport=self.async_transport,
            **options,
        )


def exit_code(error: BaseException) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def _help(name: str) -> str:
    """A request field's help, from the spec: description, allowed values, bounds, default."""
    schema = _spec.request_properties()[name]
    parts = [" ".join(str(schema.get("description", "")).split()).rstrip(".") + "."]
    enum = enum_of(schema) or enum_of(schema.get("items", {}))
    if enum is not None:
        parts.append(f"One of: {', '.join(allowed_values(enum))}.")
    if "minimum" in schema:
        parts.append(f"From {schema['minimum']} to {schema['maximum']}.")
    if "maxLength" in schema:
        parts.append(f"At most {schema['maxLength']} characters.")
    if "maxItems" in schema:
        parts.append(f"Repeat for several, at most {schema['maxItems']}.")
    if "default" in schema and schema["default"] != []:
        parts.append(f"Server default: {schema['default']}.")
    return " ".join(parts)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")]
SymbolOpt = Annotated[str | None, typer.Option(help=_help("symbol"), show_default=False)]
IntervalOpt = Annotated[str | None, typer.Option(help=_help("interval"), show_default=False)]
WidthOpt = Annotated[int | None, typer.Option(help=_help("width"), show_default=False)]
HeightOpt = Annotated[int | None, typer.Option(help=_help("height"), show_default=False)]
ThemeOpt = Annotated[str | None, typer.Option(help=_help("theme"), show_default=False)]
TimezoneOpt = Annotated[str | None, typer.Option(help=_help("timezone"), show_default=False)]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help=_help("format"), show_default=False)
]
StudyOpt = Annotated[
    list[str] | None, typer.Option("--study", help=_help("studies"), show_default=False)
]
WatermarkOpt = Annotated[str | None, typer.Option(help=_help("watermark"), show_default=False)]
WatermarkSizeOpt = Annotated[
    str | None, typer.Option(help=_help("watermarkSize"), show_default=False)
]
WatermarkOpacityOpt = Annotated[
    float | None, typer.Option(help=_help("watermarkOpacity"), show_default=False)
]


@app.callback()
def _options(
    ctx: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(envvar=BASE_URL_ENV, help="The API server; default: the spec's first server."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar=API_KEY_ENV,
            show_default=False,
            help=f"The API key (prefer the {API_KEY_ENV} environment variable).",
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 60.0,
    max_retries: Annotated[
        int, typer.Option(min=0, help="Retries of 429, 5xx and connection errors.")
    ] = DEFAULT_MAX_RETRIES,
) -> None:
    state = ctx.ensure_object(CliState)
    state.base_url = base_url or state.base_url
    state.api_key = api_key or state.api_key
    state.timeout = timeout
    state.max_retries = max_retries


@app.command()
def exchanges(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the exchange IDs."""
    with _reporting(as_json), _state(ctx).client() as client:
        listing = client.exchanges()
    _print_listing(listing, listing.updated_at, as_json)


@app.command()
def symbols(
    ctx: typer.Context,
    exchange: Annotated[str, typer.Argument(help="An exchange ID, in any case.")],
    grep: Annotated[
        str | None, typer.Option(help="Only symbols containing this text (any case).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the symbols of EXCHANGE."""
    with _reporting(as_json), _state(ctx).client() as client:
        listing = client.symbols(exchange)
    shown = [s for s in listing if grep is None or grep.casefold() in s.casefold()]
    _print_listing(shown, listing.updated_at, as_json)


@app.command()
def chart(
    ctx: typer.Context,
    symbol: SymbolOpt = None,
    interval: IntervalOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    theme: ThemeOpt = None,
    timezone: TimezoneOpt = None,
    image_format: FormatOpt = None,
    study: StudyOpt = None,
    watermark: WatermarkOpt = None,
    watermark_size: WatermarkSizeOpt = None,
    watermark_opacity: WatermarkOpacityOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", help="File to write; '-' for stdout. Default: chart.<format>."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Write even if the file's extension names another format.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Capture a chart image into a file."""
    fields = _given(
        symbol=symbol, interval=interval, width=width, height=height, theme=theme,
        timezone=timezone, format=image_format, studies=study, watermark=watermark,
        watermark_size=watermark_size, watermark_opacity=watermark_opacity,
    )  # fmt: skip
    with _reporting(as_json), _state(ctx).client() as client:
        image = client.chart(**fields)
        if output == "-":
            sys.stdout.buffer.write(image.content)
            sys.stdout.buffer.flush()
            return
        path = image.save(output or f"chart{image.extension}", force=force)
    summary = {
        "file": str(path),
        "size": image.size,
        "width": image.width,
        "height": image.height,
        "mediaType": image.media_type,
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"{path}  {image.width}x{image.height} {image.format.value}, {image.size} bytes")


@app.command()
def store(
    ctx: typer.Context,
    symbol: SymbolOpt = None,
    interval: IntervalOpt = None,
    width: WidthOpt = None,
    height: HeightOpt = None,
    theme: ThemeOpt = None,
    timezone: TimezoneOpt = None,
    image_format: FormatOpt = None,
    study: StudyOpt = None,
    watermark: WatermarkOpt = None,
    watermark_size: WatermarkSizeOpt = None,
    watermark_opacity: WatermarkOpacityOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture a chart to public storage and print its URL."""
    fields = _given(
        symbol=symbol, interval=interval, width=width, height=height, theme=theme,
        timezone=timezone, format=image_format, studies=study, watermark=watermark,
        watermark_size=watermark_size, watermark_opacity=watermark_opacity,
    )  # fmt: skip
    with _reporting(as_json), _state(ctx).client() as client:
        stored = client.store(**fields)
    typer.echo(json.dumps(stored.to_dict()) if as_json else stored.url)


@app.command()
def batch(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="JSON Lines (one request a line) or a YAML list."
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out-dir", "-d", help="Where images go.")] = Path(
        "out"
    ),
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Requests in flight at once.")
    ] = 4,
    as_json: JsonOpt = False,
) -> None:
    """Capture every request in FILE into a directory; exit 1 if any failed."""
    with _reporting(as_json):
        items = read_batch(file)
        out_dir.mkdir(parents=True, exist_ok=True)
        results = run_batch(
            _state(ctx).async_client, items, out_dir, concurrency, Console(stderr=True)
        )
    if as_json:
        typer.echo(json.dumps([result.to_dict() for result in results]))
    else:
        Console().print(summary_table(results))
    if any(not result.ok for result in results):
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 8000).")] = None,
    workers: Annotated[int | None, typer.Option(help="Charts rendered at once.")] = None,
    keys_file: Annotated[Path | None, typer.Option(help="File of API keys, one a line.")] = None,
    storage_dir: Annotated[Path | None, typer.Option(help="Directory of stored charts.")] = None,
) -> None:
    """Run the reference server (needs the `server` extra); CHART_IMG_SERVER_* also apply."""
    try:
        from chart_img_server.__main__ import main as serve_main
    except ImportError as exc:
        _fail(f"the reference server needs the server extra: {_SERVER_EXTRA} ({exc})", 1)
    options = {"--host": host, "--port": port, "--workers": workers, "--keys-file": keys_file,
               "--storage-dir": storage_dir}  # fmt: skip
    argv = [
        part for name, value in options.items() if value is not None for part in (name, str(value))
    ]
    raise typer.Exit(serve_main(argv))


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out-dir", "-d", help="Where images go.")] = Path(
        "out"
    ),
) -> None:
    """Start the reference server, capture the documentation's example charts into OUT_DIR."""
    try:
        from ._demo import run_demo
    except ImportError as exc:
        _fail(f"the demo needs the server extra: {_SERVER_EXTRA} ({exc})", 1)
    with _reporting(as_json=False):
        run_demo(out_dir, Console())


def main() -> None:
    app()


def _given(**values: Any) -> ChartFields:
    """The options the user gave (typer passes None, or [] for lists, for the others)."""
    return cast(ChartFields, {name: v for name, v in values.items() if v not in (None, [])})


def _state(ctx: typer.Context) -> CliState:
    return ctx.ensure_object(CliState)


@contextmanager
def _reporting(as_json: bool) -> Iterator[None]:
    """Turn errors into one line on stderr and the error's exit code."""
    try:
        yield
    except ChartImgError as error:
        _report(error, as_json)
    except (OSError, ValueError) as error:
        _report(error, as_json)


def _report(error: BaseException, as_json: bool) -> NoReturn:
    code = exit_code(error)
    if as_json:
        record: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
        if isinstance(error, APIStatusError):
            record["status"] = error.status_code
        typer.echo(json.dumps(record | {"exitCode": code}), err=True)
    else:
        typer.echo(f"chart-img: {type(error).__name__}: {error}", err=True)
    raise typer.Exit(code)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"chart-img: {message}", err=True)
    raise typer.Exit(code)


def _print_listing(items: list[str], updated_at: Any, as_json: bool) -> None:
    if as_json:
        stamp = updated_at.isoformat() if updated_at is not None else None
        typer.echo(json.dumps({"updatedAt": stamp, "payload": items}))
    else:
        typer.echo("\n".join(items))


if __name__ == "__main__":
    main()
