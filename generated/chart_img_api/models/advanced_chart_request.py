from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.image_format import ImageFormat
from ..models.interval import Interval
from ..models.study import Study
from ..models.theme import Theme
from ..models.timezone import Timezone
from ..models.watermark_size import WatermarkSize
from ..types import UNSET, Unset

T = TypeVar("T", bound="AdvancedChartRequest")


@_attrs_define
class AdvancedChartRequest:
    """The chart to capture. Every field is optional and takes its default when absent.
    Unknown fields are rejected.

        Attributes:
            symbol (str | Unset): Chart symbol as `EXCHANGE:SYMBOL`, case-insensitive; perpetual contracts end in
                `.P`. A symbol that the exchange does not list answers `422` `Invalid Symbol`.
                 Default: 'BINANCE:BTCUSDT.P'.
            interval (Interval | Unset): Chart interval, from one minute (`1m`) to one month (`1M`), in ascending order.
                Default: Interval.DAY_1.
            width (int | Unset): Image width in pixels. Default: 800.
            height (int | Unset): Image height in pixels. Default: 600.
            theme (Theme | Unset): Chart colour theme. Default: Theme.LIGHT.
            timezone (Timezone | Unset): Timezone of the time axis: the original documentation's table, plus its default
                `Etc/UTC`, which the table omits.
                 Default: Timezone.ETC_UTC.
            format_ (ImageFormat | Unset): Chart image format. Default: ImageFormat.PNG.
            studies (list[Study] | Unset): Study indicators to add, each at most once. Some depend on the symbol or
                interval:
                see the `Study` schema. At most one of each study means at most as many items as
                `Study` has members: `maxItems` states what `uniqueItems` over the enum implies, so
                that an over-long list is refused before its items are compared.
            watermark (str | Unset): Custom watermark text, centred on the chart. No control characters.
            watermark_size (WatermarkSize | Unset): Watermark text size, in pixels. Default: WatermarkSize.PX_16.
            watermark_opacity (float | Unset): Watermark text opacity. Default: 1.0.
    """

    symbol: str | Unset = "BINANCE:BTCUSDT.P"
    interval: Interval | Unset = Interval.DAY_1
    width: int | Unset = 800
    height: int | Unset = 600
    theme: Theme | Unset = Theme.LIGHT
    timezone: Timezone | Unset = Timezone.ETC_UTC
    format_: ImageFormat | Unset = ImageFormat.PNG
    studies: list[Study] | Unset = UNSET
    watermark: str | Unset = UNSET
    watermark_size: WatermarkSize | Unset = WatermarkSize.PX_16
    watermark_opacity: float | Unset = 1.0

    def to_dict(self) -> dict[str, Any]:
        symbol = self.symbol

        interval: str | Unset = UNSET
        if not isinstance(self.interval, Unset):
            interval = self.interval.value

        width = self.width

        height = self.height

        theme: str | Unset = UNSET
        if not isinstance(self.theme, Unset):
            theme = self.theme.value

        timezone: str | Unset = UNSET
        if not isinstance(self.timezone, Unset):
            timezone = self.timezone.value

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        studies: list[str] | Unset = UNSET
        if not isinstance(self.studies, Unset):
            studies = []
            for studies_item_data in self.studies:
                studies_item = studies_item_data.value
                studies.append(studies_item)

        watermark = self.watermark

        watermark_size: int | Unset = UNSET
        if not isinstance(self.watermark_size, Unset):
            watermark_size = self.watermark_size.value

        watermark_opacity = self.watermark_opacity

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if symbol is not UNSET:
            field_dict["symbol"] = symbol
        if interval is not UNSET:
            field_dict["interval"] = interval
        if width is not UNSET:
            field_dict["width"] = width
        if height is not UNSET:
            field_dict["height"] = height
        if theme is not UNSET:
            field_dict["theme"] = theme
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if format_ is not UNSET:
            field_dict["format"] = format_
        if studies is not UNSET:
            field_dict["studies"] = studies
        if watermark is not UNSET:
            field_dict["watermark"] = watermark
        if watermark_size is not UNSET:
            field_dict["watermarkSize"] = watermark_size
        if watermark_opacity is not UNSET:
            field_dict["watermarkOpacity"] = watermark_opacity

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        symbol = d.pop("symbol", UNSET)

        _interval = d.pop("interval", UNSET)
        interval: Interval | Unset
        if isinstance(_interval, Unset):
            interval = UNSET
        else:
            interval = Interval(_interval)

        width = d.pop("width", UNSET)

        height = d.pop("height", UNSET)

        _theme = d.pop("theme", UNSET)
        theme: Theme | Unset
        if isinstance(_theme, Unset):
            theme = UNSET
        else:
            theme = Theme(_theme)

        _timezone = d.pop("timezone", UNSET)
        timezone: Timezone | Unset
        if isinstance(_timezone, Unset):
            timezone = UNSET
        else:
            timezone = Timezone(_timezone)

        _format_ = d.pop("format", UNSET)
        format_: ImageFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = ImageFormat(_format_)

        _studies = d.pop("studies", UNSET)
        studies: list[Study] | Unset = UNSET
        if _studies is not UNSET:
            studies = []
            for studies_item_data in _studies:
                studies_item = Study(studies_item_data)

                studies.append(studies_item)

        watermark = d.pop("watermark", UNSET)

        _watermark_size = d.pop("watermarkSize", UNSET)
        watermark_size: WatermarkSize | Unset
        if isinstance(_watermark_size, Unset):
            watermark_size = UNSET
        else:
            watermark_size = WatermarkSize(_watermark_size)

        watermark_opacity = d.pop("watermarkOpacity", UNSET)

        advanced_chart_request = cls(
            symbol=symbol,
            interval=interval,
            width=width,
            height=height,
            theme=theme,
            timezone=timezone,
            format_=format_,
            studies=studies,
            watermark=watermark,
            watermark_size=watermark_size,
            watermark_opacity=watermark_opacity,
        )

        return advanced_chart_request
