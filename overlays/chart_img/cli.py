"""`chart-img`: the command line of the chart-img-kit client.

Every error is one line on stderr (a JSON object with `--json`) and a distinct exit code, listed
in `EXIT_CODE_TABLE`, which `--help`, the README and the errors guide show. Option values are
checked before any request: enums accept any unambiguous spelling (`_choices`), errors name the
option (`--watermark-size`), and `chart` checks its output file first (`_output`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import httpx
import typer
from chart_img_api.models import (
    AdvancedChartRequest,
    ImageFormat,
    Interval,
    Study,
    Theme,
    Timezone,
    WatermarkSize,
)
from chart_img_api.types import Unset
from rich.console import Console

from . import _spec
from ._batch import NAME_KEY, read_batch, run_batch, summary_table
from ._choices import ChoiceError, completer, resolve
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
    describe,
)
from ._output import check_output
from ._params import ChartFields, allowed_values, build_request, enum_of, field_names
from ._retry import DEFAULT_MAX_RETRIES
from ._usage import UsageError

__all__ = [
    "EXIT_CODES",
    "EXIT_CODE_TABLE",
    "CliState",
    "ExitCode",
    "app",
    "exit_code",
    "main",
]


@dataclass(frozen=True, slots=True)
class ExitCode:
    """One exit code of `chart-img`: what it means and the errors that end with it."""

    code: int
    meaning: str
    errors: tuple[type[BaseException], ...] = ()


EXIT_CODE_TABLE: tuple[ExitCode, ...] = (
    ExitCode(0, "success"),
    ExitCode(1, "any other error; a batch with a failed request", (ChartImgError,)),
    ExitCode(
        2,
        "usage: a bad option or value, a request the spec rejects, an output file that cannot"
        " be written, a batch file with no requests (nothing was requested)",
        (RequestValidationError, UsageError),
    ),
    ExitCode(3, "the server could not be reached", (APIConnectionError,)),
    ExitCode(4, "the server did not answer in time", (APITimeoutError,)),
    ExitCode(5, "a response that breaks the spec", (APIResponseError,)),
    ExitCode(6, "a stored chart whose download fails verification", (DownloadVerificationError,)),
    ExitCode(10, "another HTTP error status", (APIStatusError,)),
    ExitCode(11, "HTTP 400 Bad Request", (BadRequestError,)),
    ExitCode(12, "HTTP 403 Forbidden: a missing or wrong API key", (ForbiddenError,)),
    ExitCode(13, "HTTP 404 Not Found", (NotFoundError,)),
    ExitCode(14, "HTTP 413 Payload Too Large", (PayloadTooLargeError,)),
    ExitCode(15, "HTTP 422 Unprocessable: a request the server rejects", (UnprocessableError,)),
    ExitCode(16, "HTTP 429 Too Many Requests, after the retries", (RateLimitedError,)),
    ExitCode(17, "HTTP 500 or another 5xx, after the retries", (ServerError,)),
    ExitCode(18, "HTTP 504 Process Timeout, after the retries", (ProcessTimeoutError,)),
)

EXIT_CODES: dict[type[BaseException], int] = {
    error: row.code for row in EXIT_CODE_TABLE for error in row.errors
}

_SERVER_EXTRA = "pip install 'chart-img-kit[server]'"

_LISTED: dict[type[Enum], str] = {Study: "studies", Timezone: "timezones", Interval: "intervals"}
"""Enums that have a command listing their values; long ones are not listed in `--help`."""
_LONGEST_INLINE_ENUM = 12
_OPTION_OF_FIELD = {"studies": "--study"}
"""Options whose name is not the field's keyword in kebab case."""


def _exit_codes_epilog() -> str:
    lines = [f"{row.code:>3}  {row.meaning}" for row in EXIT_CODE_TABLE]
    return "Exit codes:\n" + "\n".join(lines)


app = typer.Typer(
    name="chart-img",
    help="Capture Coinalyze charts from a CHART-IMG API v3 server.",
    epilog=_exit_codes_epilog(),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@dataclass
class CliState:
    """What every command needs to make a client; tests pass transports and sleeps in.

    `tried_url` is the base URL of the last client made, for the hint when it is unreachable.
    """

    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_retries: int = DEFAULT_MAX_RETRIES
    transport: httpx.BaseTransport | None = None
    async_transport: httpx.AsyncBaseTransport | None = None
    sleep: Callable[[float], None] | None = None
    async_sleep: Callable[[float], Any] | None = None
    tried_url: str | None = None

    def client(self) -> ChartImg:
        options: dict[str, Any] = {} if self.sleep is None else {"sleep": self.sleep}
        client = ChartImg(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            transport=self.transport,
            **options,
        )
        self.tried_url = client.base_url
        return client

    def async_client(self) -> AsyncChartImg:
        options: dict[str, Any] = {} if self.async_sleep is None else {"sleep": self.async_sleep}
        client = AsyncChartImg(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            transport=self.async_transport,
            **options,
        )
        self.tried_url = client.base_url
        return client


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
        parts.append(_allowed_help(enum))
    if "minimum" in schema:
        parts.append(f"From {schema['minimum']} to {schema['maximum']}.")
    if "maxLength" in schema:
        parts.append(f"At most {schema['maxLength']} characters.")
    if "maxItems" in schema:
        parts.append(f"Repeat for several, at most {schema['maxItems']}.")
    if "default" in schema and schema["default"] != []:
        parts.append(f"Server default: {schema['default']}.")
    return " ".join(parts)


def _allowed_help(enum: type[Enum]) -> str:
    values = allowed_values(enum)
    command = _LISTED.get(enum)
    if len(values) > _LONGEST_INLINE_ENUM and command is not None:
        return f"One of the {len(values)} that `chart-img {command}` lists; any case."
    return f"One of: {', '.join(values)}."


def _enum_option(name: str, enum: type[Enum], *flags: str) -> Any:
    return typer.Option(
        *flags, help=_help(name), show_default=False, autocompletion=completer(enum)
    )


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url", show_default=False, help=f"The API server; default: ${BASE_URL_ENV}."
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option("--api-key", show_default=False, help=f"The API key; prefer ${API_KEY_ENV}."),
]
SymbolOpt = Annotated[str | None, typer.Option(help=_help("symbol"), show_default=False)]
IntervalOpt = Annotated[str | None, _enum_option("interval", Interval)]
WidthOpt = Annotated[int | None, typer.Option(help=_help("width"), show_default=False)]
HeightOpt = Annotated[int | None, typer.Option(help=_help("height"), show_default=False)]
ThemeOpt = Annotated[str | None, _enum_option("theme", Theme)]
TimezoneOpt = Annotated[str | None, _enum_option("timezone", Timezone)]
FormatOpt = Annotated[str | None, _enum_option("format", ImageFormat, "--format")]
StudyOpt = Annotated[list[str] | None, _enum_option("studies", Study, "--study")]
WatermarkOpt = Annotated[str | None, typer.Option(help=_help("watermark"), show_default=False)]
WatermarkSizeOpt = Annotated[str | None, _enum_option("watermarkSize", WatermarkSize)]
WatermarkOpacityOpt = Annotated[
    float | None, typer.Option(help=_help("watermarkOpacity"), show_default=False)
]


@app.callback()
def _options(
    ctx: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(
            envvar=BASE_URL_ENV,
            help="The API server (also after the command); default: the spec's first server.",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar=API_KEY_ENV,
            show_default=False,
            help=f"The API key, also after the command (prefer the {API_KEY_ENV} variable).",
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
def exchanges(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """List the exchange IDs."""
    state = _state(ctx, base_url, api_key)
    with _reporting(as_json, state), state.client() as client:
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
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """List the symbols of EXCHANGE."""
    state = _state(ctx, base_url, api_key)
    with _reporting(as_json, state), state.client() as client:
        listing = client.symbols(exchange)
    shown = [s for s in listing if grep is None or grep.casefold() in s.casefold()]
    _print_listing(shown, listing.updated_at, as_json)


@app.command()
def studies(as_json: JsonOpt = False) -> None:
    """List the studies `chart --study` accepts, from the spec."""
    _print_listing(allowed_values(Study), None, as_json)


@app.command()
def timezones(as_json: JsonOpt = False) -> None:
    """List the time zones `chart --timezone` accepts, from the spec."""
    _print_listing(allowed_values(Timezone), None, as_json)


@app.command()
def intervals(as_json: JsonOpt = False) -> None:
    """List the intervals `chart --interval` accepts, shortest first, from the spec."""
    _print_listing(allowed_values(Interval), None, as_json)


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
        bool,
        typer.Option(
            help="Overwrite an existing file; write a name whose extension is another format."
        ),
    ] = False,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Capture a chart image into a file (checked before the chart is requested)."""
    state = _state(ctx, base_url, api_key)
    with _reporting(as_json, state):
        request = _request(
            symbol=symbol, interval=interval, width=width, height=height, theme=theme,
            timezone=timezone, format=image_format, studies=study, watermark=watermark,
            watermark_size=watermark_size, watermark_opacity=watermark_opacity,
        )  # fmt: skip
        requested = _requested_format(request)
        target = None
        if output != "-":
            target = check_output(
                Path(output or f"chart.{requested.value}"), requested, force=force
            )
        with state.client() as client:
            image = client.chart(request)
        if target is None:
            sys.stdout.buffer.write(image.content)
            sys.stdout.buffer.flush()
            return
        path = image.save(target, force=force)
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
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Capture a chart to public storage and print its URL."""
    state = _state(ctx, base_url, api_key)
    with _reporting(as_json, state):
        request = _request(
            symbol=symbol, interval=interval, width=width, height=height, theme=theme,
            timezone=timezone, format=image_format, studies=study, watermark=watermark,
            watermark_size=watermark_size, watermark_opacity=watermark_opacity,
        )  # fmt: skip
        with state.client() as client:
            stored = client.store(request)
    typer.echo(json.dumps(stored.to_dict()) if as_json else stored.url)


@app.command()
def batch(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help=f"JSON Lines (one request a line) or a YAML list; an item's `{NAME_KEY}`"
            " names its file.",
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out-dir", "-d", help="Where images go.")] = Path(
        "out"
    ),
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Requests in flight at once.")
    ] = 4,
    as_json: JsonOpt = False,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Capture every request in FILE into a directory; exit 1 if any failed.

    Images are named by each item's `name` (plus the extension), else NNN-SYMBOL.
    """
    state = _state(ctx, base_url, api_key)
    with _reporting(as_json, state):
        items = read_batch(file)
        out_dir.mkdir(parents=True, exist_ok=True)
        results = run_batch(state.async_client, items, out_dir, concurrency, Console(stderr=True))
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
    render_threads: Annotated[
        int | None,
        typer.Option("--render-threads", "--workers", help="Charts rendered at once, a process."),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(help="Server processes on the port (more than 1 needs Redis and keys)."),
    ] = None,
    keys_file: Annotated[Path | None, typer.Option(help="File of API keys, one a line.")] = None,
    storage_dir: Annotated[Path | None, typer.Option(help="Directory of stored charts.")] = None,
) -> None:
    """Run the reference server (needs the `server` extra); CHART_IMG_SERVER_* also apply."""
    argv = _serve_arguments(
        host=host,
        port=port,
        render_threads=render_threads,
        processes=processes,
        keys_file=keys_file,
        storage_dir=storage_dir,
    )
    try:
        from chart_img_server.__main__ import main as serve_main
    except ImportError as exc:
        _fail(f"the reference server needs the server extra: {_SERVER_EXTRA} ({exc})", 1)
    raise typer.Exit(serve_main(argv))


def _serve_arguments(**options: object) -> list[str]:
    """The server's command line for the `serve` options given (`render_threads=2` ...)."""
    return [
        part
        for name, value in options.items()
        if value is not None
        for part in (f"--{name.replace('_', '-')}", str(value))
    ]


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out-dir", "-d", help="Where images go.")] = Path(
        "out"
    ),
    market: Annotated[
        str,
        typer.Option(
            "--market",
            help="Market data: synthetic (offline) or coinalyze (real; needs COINALYZE_API_KEY).",
        ),
    ] = "synthetic",
) -> None:
    """Start the reference server, capture the documentation's example charts into OUT_DIR."""
    try:
        from ._demo import DemoSettingsError, run_demo
    except ImportError as exc:
        _fail(f"the demo needs the server extra: {_SERVER_EXTRA} ({exc})", 1)
    with _reporting(as_json=False, state=None):
        try:
            run_demo(out_dir, Console(), market)
        except DemoSettingsError as exc:
            _fail(f"--market: {exc}", 2)


def main() -> None:
    app()


def _request(**values: Any) -> AdvancedChartRequest:
    """The request from the options the user gave, enums resolved, checked against the spec.

    Raises:
        UsageError: an enum value that names no allowed value (with the closest one).
        RequestValidationError: any other value the spec rejects.
    """
    given = {name: value for name, value in values.items() if value not in (None, [])}
    problems: list[str] = []
    properties = _spec.request_properties()
    by_keyword = field_names()
    for keyword, value in given.items():
        schema = properties[by_keyword[keyword]]
        enum = enum_of(schema) or enum_of(schema.get("items", {}))
        if enum is None:
            continue
        texts = value if isinstance(value, list) else [value]
        resolved = [_resolved(enum, text, keyword, problems) for text in texts]
        given[keyword] = resolved if isinstance(value, list) else resolved[0]
    if problems:
        raise UsageError("; ".join(problems))
    return build_request(**cast(ChartFields, given))


def _resolved(enum: type[Enum], text: str, keyword: str, problems: list[str]) -> Any:
    try:
        return resolve(enum, text)
    except ChoiceError as error:
        problems.append(f"{_option(keyword)}: {_choice_problem(enum, error)}")
        return text


def _choice_problem(enum: type[Enum], error: ChoiceError) -> str:
    quoted = " or ".join(f'"{value}"' for value in error.suggestions)
    problem = f'"{error.text}" is not allowed'
    if len(error.suggestions) > 1:
        problem += f"; case matters here: did you mean {quoted}?"
    elif error.suggestions:
        problem += f"; did you mean {quoted}?"
    command = _LISTED.get(enum)
    if len(error.allowed) > _LONGEST_INLINE_ENUM and command is not None:
        return f"{problem} (`chart-img {command}` lists them)"
    return f"{problem} (one of: {', '.join(error.allowed)})"


def _option(keyword: str) -> str:
    """The CLI option of a request field's keyword (`watermark_size` -> `--watermark-size`)."""
    return _OPTION_OF_FIELD.get(keyword, "--" + keyword.replace("_", "-"))


def _option_of_path(path: str) -> str:
    """The CLI option of a field error's path (`watermarkSize`, `studies[1]`)."""
    field, _, _ = path.partition("[")
    keyword = {name: keyword for keyword, name in field_names().items()}.get(field)
    return path if keyword is None else _option(keyword)


def _requested_format(request: AdvancedChartRequest) -> ImageFormat:
    if isinstance(request.format_, Unset):
        return ImageFormat(_spec.request_properties()["format"]["default"])
    return request.format_


def _state(ctx: typer.Context, base_url: str | None = None, api_key: str | None = None) -> CliState:
    """The state, with `--base-url` and `--api-key` given after the command winning."""
    state = ctx.ensure_object(CliState)
    state.base_url = base_url or state.base_url
    state.api_key = api_key or state.api_key
    return state


@contextmanager
def _reporting(as_json: bool, state: CliState | None) -> Iterator[None]:
    """Turn errors into one line on stderr and the error's exit code."""
    try:
        yield
    except ChartImgError as error:
        _report(error, as_json, _message(error, state))
    except (OSError, ValueError) as error:
        _report(error, as_json, str(error))


def _message(error: ChartImgError, state: CliState | None) -> str:
    """The error's message, in the command line's terms: options, not API fields."""
    if isinstance(error, RequestValidationError | UnprocessableError) and error.field_errors:
        return "; ".join(
            f"{_option_of_path(item.path)}: {describe(item).split(': ', 1)[1]}"
            for item in error.field_errors
        )
    if isinstance(error, APIConnectionError) and not isinstance(error, APITimeoutError):
        tried = "the server" if state is None or state.tried_url is None else state.tried_url
        return (
            f"{error}. Tried {tried}; start a server with `chart-img serve`, or point"
            f" --base-url or {BASE_URL_ENV} at a running one"
        )
    return str(error)


def _report(error: BaseException, as_json: bool, message: str) -> NoReturn:
    code = exit_code(error)
    if as_json:
        record: dict[str, Any] = {"error": type(error).__name__, "message": message}
        if isinstance(error, APIStatusError):
            record["status"] = error.status_code
        typer.echo(json.dumps(record | {"exitCode": code}), err=True)
    elif isinstance(error, UsageError | RequestValidationError):
        typer.echo(f"chart-img: {message}", err=True)
    else:
        typer.echo(f"chart-img: {type(error).__name__}: {message}", err=True)
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
