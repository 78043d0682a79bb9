"""`chart-img` option values: loose spellings, suggestions, option names, listing commands."""

from __future__ import annotations

import json
from enum import Enum

import pytest
from chart_img import Interval, Study, Theme, Timezone, WatermarkSize, allowed_values
from chart_img._choices import ChoiceError, resolve
from chart_img.cli import app
from typer.testing import CliRunner

from .conftest import FakeApi, invoke, json_response


def sent(api: FakeApi) -> dict[str, object]:
    [request] = api.requests
    body: dict[str, object] = json.loads(request.content)
    return body


@pytest.mark.parametrize(
    ("option", "typed", "field", "value"),
    [
        ("--study", "open interest", "studies", ["Open Interest"]),
        ("--study", "buy sell volume", "studies", ["Buy / Sell Volume"]),
        ("--timezone", "utc", "timezone", "Etc/UTC"),
        ("--timezone", "new york", "timezone", "America/New_York"),
        ("--timezone", "Asia/Calcutta", "timezone", "Asia/Kolkata"),
        ("--timezone", "asia/calcutta", "timezone", "Asia/Kolkata"),
        ("--interval", "4H", "interval", "4h"),
        ("--interval", "1d", "interval", "1D"),
        ("--interval", "1m", "interval", "1m"),
        ("--interval", "1M", "interval", "1M"),
        ("--theme", "DARK", "theme", "dark"),
        ("--format", "PNG", "format", "png"),
        ("--watermark-size", "64", "watermarkSize", 64),
    ],
)
def test_unambiguous_spellings_are_accepted(
    runner: CliRunner, fake_api: FakeApi, option: str, typed: str, field: str, value: object
) -> None:
    result = invoke(runner, fake_api, "store", "--symbol", "BINANCE:BTCUSDT.P", option, typed)
    assert result.exit_code == 0, result.output
    assert sent(fake_api)[field] == value


def test_a_misspelt_study_gets_a_suggestion(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(runner, fake_api, "chart", "--study", "Open Intrest")
    assert result.exit_code == 2
    assert result.stderr == (
        'chart-img: --study: "Open Intrest" is not allowed; did you mean "Open Interest"?'
        " (`chart-img studies` lists them)\n"
    )
    assert fake_api.requests == []


def test_every_bad_value_is_named_on_one_line(runner: CliRunner, fake_api: FakeApi) -> None:
    result = invoke(
        runner, fake_api, "chart", "--timezone", "Mars/Olympus", "--theme", "drak",
        "--study", "Liquidations", "--study", "Liquidatoins",
    )  # fmt: skip
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert '--timezone: "Mars/Olympus" is not allowed' in line
    assert "`chart-img timezones` lists them" in line
    themes = ", ".join(allowed_values(Theme))
    assert f'--theme: "drak" is not allowed; did you mean "dark"? (one of: {themes})' in line
    assert '--study: "Liquidatoins" is not allowed; did you mean "Liquidations"?' in line
    assert fake_api.requests == []


def test_case_alone_never_chooses_between_two_values() -> None:
    with pytest.raises(ChoiceError) as caught:
        resolve(Interval, "1M ")
    assert caught.value.suggestions == ["1m", "1M"]


@pytest.mark.parametrize("enum", [Interval, Study, Theme, Timezone, WatermarkSize])
def test_every_allowed_value_is_itself_and_no_spelling_picks_another(enum: type[Enum]) -> None:
    values = allowed_values(enum)
    for value in values:
        assert str(resolve(enum, value).value) == value
        spellings = {value.upper(), value.lower(), f" {value.swapcase()} "} - set(values)
        for spelling in spellings:
            assert value in _resolved_or_suggested(enum, spelling)


def _resolved_or_suggested(enum: type[Enum], text: str) -> list[str]:
    try:
        return [str(resolve(enum, text).value)]
    except ChoiceError as error:
        return error.suggestions


def test_legacy_zone_names_come_from_the_tz_database() -> None:
    assert resolve(Timezone, "UTC") is Timezone("Etc/UTC")
    assert resolve(Timezone, "Etc/Universal") is Timezone("Etc/UTC")
    assert resolve(Timezone, "Asia/Saigon") is Timezone("Asia/Ho_Chi_Minh")
    with pytest.raises(ChoiceError):
        resolve(Timezone, "Europe/Nowhere")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--watermark-size", "20"], "--watermark-size: "),
        (["--width", "100"], "--width: must be between 400 and 2048 (got 100)"),
        (["--watermark-opacity", "2"], "--watermark-opacity: must be between"),
        (
            ["--symbol", "BINANCE:BTCUSDT", "--study", "Funding Rate"],
            "--study: requires a perpetual (.P) symbol (got 'Funding Rate')",
        ),
    ],
)
def test_errors_name_the_option_not_the_api_field(
    runner: CliRunner, fake_api: FakeApi, args: list[str], expected: str
) -> None:
    result = invoke(runner, fake_api, "chart", *args)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert expected in line
    assert "watermarkSize" not in line
    assert "watermarkOpacity" not in line
    assert "studies[" not in line
    assert fake_api.requests == []


def test_server_field_errors_name_the_option_too(runner: CliRunner, fake_api: FakeApi) -> None:
    error = {"type": "field", "msg": "must be 32", "path": "watermarkSize", "location": "body"}
    fake_api.queue.append(json_response(422, {"errors": [error]}))
    result = invoke(runner, fake_api, "store", "--watermark-size", "16")
    assert result.exit_code == 15
    assert result.stderr == "chart-img: UnprocessableError: --watermark-size: must be 32\n"


@pytest.mark.parametrize("command", ["exchanges", "store"])
def test_key_and_server_after_the_command(fake_api: FakeApi, command: str) -> None:
    import httpx
    from chart_img.cli import CliState

    state = CliState(transport=httpx.MockTransport(fake_api))
    args = [command, "--api-key", "K-after", "--base-url", "http://after.test"]
    result = CliRunner(env={"CHART_IMG_API_KEY": "from-env"}).invoke(app, args, obj=state)
    assert result.exit_code == 0, result.output
    [request] = fake_api.requests
    assert request.headers["x-api-key"] == "K-after"
    assert request.url.host == "after.test"


@pytest.mark.parametrize(
    ("command", "enum"), [("studies", Study), ("timezones", Timezone), ("intervals", Interval)]
)
def test_listing_commands_print_the_spec_values(
    runner: CliRunner, command: str, enum: type[Enum]
) -> None:
    result = runner.invoke(app, [command])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == allowed_values(enum)
    as_json = runner.invoke(app, [command, "--json"])
    assert json.loads(as_json.stdout)["payload"] == allowed_values(enum)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("chart-img chart --timezone Asia/K", ["Asia/Karachi", "Asia/Kathmandu", "Asia/Kolkata"]),
        ("chart-img store --study Open", ["Open Interest", "Open Interest Delta"]),
        ("chart-img chart --interval 1", ["1m", "1h", "12h", "1D", "1W", "1M"]),
    ],
)
def test_shell_completion_offers_the_allowed_values(words: str, expected: list[str]) -> None:
    env = {
        "_CHART_IMG_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    result = CliRunner().invoke(app, [], prog_name="chart-img", env=env)
    assert result.exit_code == 0
    offered = result.stdout.splitlines()
    assert [value for value in expected if value not in offered] == []
    typed = words.rsplit(" ", 1)[1]
    assert all(value.startswith(typed) for value in offered)


def test_completion_can_be_installed(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
