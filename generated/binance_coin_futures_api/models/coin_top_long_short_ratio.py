from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CoinTopLongShortRatio")


@_attrs_define
class CoinTopLongShortRatio:
    """One period of a top-trader ratio for a COIN-M pair. The shares are named `longAccount`/`shortAccount` or
    `longPosition`/`shortPosition` (unconfirmed which where), so all four are optional.

        Attributes:
            pair (str): A COIN-M underlying pair on Binance.
            long_short_ratio (str): A non-negative decimal number spelt as a string.
            timestamp (int): A UNIX time in milliseconds (not seconds).
            long_account (str | Unset): A non-negative decimal number spelt as a string.
            short_account (str | Unset): A non-negative decimal number spelt as a string.
            long_position (str | Unset): A non-negative decimal number spelt as a string.
            short_position (str | Unset): A non-negative decimal number spelt as a string.
    """

    pair: str
    long_short_ratio: str
    timestamp: int
    long_account: str | Unset = UNSET
    short_account: str | Unset = UNSET
    long_position: str | Unset = UNSET
    short_position: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pair = self.pair

        long_short_ratio = self.long_short_ratio

        timestamp = self.timestamp

        long_account = self.long_account

        short_account = self.short_account

        long_position = self.long_position

        short_position = self.short_position

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pair": pair,
                "longShortRatio": long_short_ratio,
                "timestamp": timestamp,
            }
        )
        if long_account is not UNSET:
            field_dict["longAccount"] = long_account
        if short_account is not UNSET:
            field_dict["shortAccount"] = short_account
        if long_position is not UNSET:
            field_dict["longPosition"] = long_position
        if short_position is not UNSET:
            field_dict["shortPosition"] = short_position

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pair = d.pop("pair")

        long_short_ratio = d.pop("longShortRatio")

        timestamp = d.pop("timestamp")

        long_account = d.pop("longAccount", UNSET)

        short_account = d.pop("shortAccount", UNSET)

        long_position = d.pop("longPosition", UNSET)

        short_position = d.pop("shortPosition", UNSET)

        coin_top_long_short_ratio = cls(
            pair=pair,
            long_short_ratio=long_short_ratio,
            timestamp=timestamp,
            long_account=long_account,
            short_account=short_account,
            long_position=long_position,
            short_position=short_position,
        )

        coin_top_long_short_ratio.additional_properties = d
        return coin_top_long_short_ratio

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
