"""Client-side checks of chart requests, driven by the generated enums and the spec's bounds."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from chart_img import ChartFields, RequestValidationError, allowed_values, build_request
from chart_img._params import check_exchange_id, field_names
from chart_img._spec import enum_values, request_properties
from chart_img_api.models import AdvancedChartRequest, Interval, Study, Theme, WatermarkSize


def test_only_given_fields_are_sent() -> None:
    request = build_request(symbol="BINANCE:ETHUSDT", interval="15m", studies=["Buy Sell Pressure"])
    assert request.to_dict() == {
        "symbol": "BINANCE:ETHUSDT",
        "interval": "15m",
        "studies": ["Buy Sell Pressure"],
    }


def test_plain_strings_become_generated_enums() -> None:
    request = build_request(theme="dark", watermark_size="64", interval=Interval.HOUR_4)
    assert request.theme is Theme.DARK
    assert request.watermark_size is WatermarkSize.PX_64
    assert request.interval is Interval.HOUR_4


def test_mapping_with_json_names_and_keyword_override() -> None:
    request = build_request({"watermarkOpacity": 0.5, "interval": "1h"}, interval="4h")
    assert request.to_dict() == {"watermarkOpacity": 0.5, "interval": "4h"}


def test_generated_model_is_accepted_and_checked() -> None:
    model = AdvancedChartRequest(width=3000)
    with pytest.raises(RequestValidationError, match=r"width: must be between 400 and 2048"):
        build_request(model)
    assert build_request(AdvancedChartRequest(theme=Theme.DARK)).theme is Theme.DARK


def test_bad_enum_lists_every_allowed_value_in_spec_order() -> None:
    with pytest.raises(RequestValidationError) as caught:
        build_request(interval="14h")
    message = str(caught.value)
    assert "interval: must be one of: " + ", ".join(enum_values("Interval")) in message
    assert "(got '14h')" in message
    [error] = caught.value.field_errors
    assert (error.path, error.value) == ("interval", "14h")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(RequestValidationError) as caught:
        build_request(
            {"colour": "red"},
            height=100,
            watermark_opacity=2.0,
            studies=["Open Interest", "Open Interest", "Nope"],
            watermark="x" * 101,
        )
    paths = [error.path for error in caught.value.field_errors]
    assert sorted(paths) == [
        "colour",
        "height",
        "studies[1]",
        "studies[2]",
        "watermark",
        "watermarkOpacity",
    ]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"symbol": "BTCUSDT"}, "symbol: must match"),
        ({"symbol": 42}, "symbol: must be a string"),
        ({"width": "800"}, "width: must be an integer"),
        ({"width": True}, "width: must be an integer"),
        ({"watermark_opacity": "1"}, "watermarkOpacity: must be a number"),
        ({"studies": "Open Interest"}, "studies: must be a list"),
        ({"watermark": "bad\x07bell"}, "watermark: must match"),
        ({"timezone": "Mars/Olympus"}, "Europe/London"),
        ({"format": "gif"}, "must be one of: png, jpeg"),
    ],
)
def test_wrong_values(fields: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(RequestValidationError, match=message.replace("(", r"\(")):
        build_request(**fields)


def test_too_many_studies_uses_the_spec_bound() -> None:
    limit = request_properties()["studies"]["maxItems"]
    studies = [study.value for study in Study] * 2
    assert len(studies) > limit
    with pytest.raises(RequestValidationError, match=f"at most {limit} items"):
        build_request(studies=studies)


def test_perpetual_only_study_on_a_spot_symbol() -> None:
    with pytest.raises(RequestValidationError, match=r"studies\[0\]: requires a perpetual"):
        build_request(symbol="BINANCE:ETHUSDT", studies=["Funding Rate"])
    # the default symbol is perpetual
    assert build_request(studies=["Funding Rate"]).studies == [Study.FUNDING_RATE]


def test_study_below_its_minimum_interval() -> None:
    with pytest.raises(RequestValidationError, match="requires an interval of at least 5m"):
        build_request(interval="1m", studies=["Aggregated Long/Short Accounts Ratio"])
    build_request(interval="5m", studies=["Aggregated Long/Short Accounts Ratio"])


def test_study_above_its_maximum_interval() -> None:
    top = "Long/Short Accounts Ratio Top Traders"
    with pytest.raises(RequestValidationError, match="requires an interval of at most 1D"):
        build_request(interval="1W", studies=[top])
    build_request(interval="1D", studies=[top])


def test_study_of_some_exchanges_only() -> None:
    top = "Long/Short Positions Ratio Top Traders"
    with pytest.raises(RequestValidationError, match="available for BINANCE and OKX symbols only"):
        build_request(symbol="BYBIT:BTCUSDT.P", studies=[top])
    build_request(symbol="okx:BTCUSDT.P", studies=[top])


def test_unknown_keyword() -> None:
    with pytest.raises(RequestValidationError, match="colour: is not a field"):
        build_request(**typing.cast(ChartFields, {"colour": "red"}))


def test_keyword_names_match_the_typed_dict_and_the_spec() -> None:
    assert set(field_names()) == set(typing.get_type_hints(ChartFields))
    assert set(field_names().values()) == set(request_properties())


def test_allowed_values_follow_the_spec() -> None:
    assert allowed_values(Interval) == enum_values("Interval")
    assert allowed_values(WatermarkSize) == [str(v) for v in enum_values("WatermarkSize")]


def test_exchange_id_is_checked() -> None:
    assert check_exchange_id("binance") == "binance"
    with pytest.raises(RequestValidationError, match="exchangeId: must match"):
        check_exchange_id("../etc")


def test_the_field_docs_editors_show_are_the_spec_s() -> None:
    """`ChartFields` carries each field's text from the spec; `make field-docs` rewrites it."""
    from chart_img import _params

    source = Path(_params.__file__).read_text(encoding="utf-8")
    block = source.split(_params.FIELD_DOCS_BEGIN, 1)[1].split(_params.FIELD_DOCS_END, 1)[0]
    assert block == "\n" + _params.field_docs_source()
    assert 'Default: "1D"' in block
