from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LiquidationPoint")


@_attrs_define
class LiquidationPoint:
    """Liquidations in one interval, in the market's unit or in USD with `convert_to_usd=true`.

    Attributes:
        t (int): The start of the point's interval, in UNIX seconds.
        l (float): Long positions liquidated.
        s (float): Short positions liquidated.
    """

    t: int
    l: float
    s: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        t = self.t

        l = self.l

        s = self.s

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "t": t,
                "l": l,
                "s": s,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        t = d.pop("t")

        l = d.pop("l")

        s = d.pop("s")

        liquidation_point = cls(
            t=t,
            l=l,
            s=s,
        )

        liquidation_point.additional_properties = d
        return liquidation_point

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
