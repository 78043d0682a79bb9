from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TopLongShortRatio")


@_attrs_define
class TopLongShortRatio:
    """One period of a top-trader ratio: accounts for `topLongShortAccountRatio`, positions for
    `topLongShortPositionRatio`, under the same field names.

        Attributes:
            symbol (str): A USDⓈ-M futures ticker on Binance.
            long_short_ratio (str): A non-negative decimal number spelt as a string.
            long_account (str): A non-negative decimal number spelt as a string.
            short_account (str): A non-negative decimal number spelt as a string.
            timestamp (int): A UNIX time in milliseconds (not seconds).
    """

    symbol: str
    long_short_ratio: str
    long_account: str
    short_account: str
    timestamp: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        symbol = self.symbol

        long_short_ratio = self.long_short_ratio

        long_account = self.long_account

        short_account = self.short_account

        timestamp = self.timestamp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "symbol": symbol,
                "longShortRatio": long_short_ratio,
                "longAccount": long_account,
                "shortAccount": short_account,
                "timestamp": timestamp,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        symbol = d.pop("symbol")

        long_short_ratio = d.pop("longShortRatio")

        long_account = d.pop("longAccount")

        short_account = d.pop("shortAccount")

        timestamp = d.pop("timestamp")

        top_long_short_ratio = cls(
            symbol=symbol,
            long_short_ratio=long_short_ratio,
            long_account=long_account,
            short_account=short_account,
            timestamp=timestamp,
        )

        top_long_short_ratio.additional_properties = d
        return top_long_short_ratio

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
