from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OhlcPoint")


@_attrs_define
class OhlcPoint:
    """One interval of open interest (in the market's unit, or USD) or of a funding rate (in percent): the value at the
    start (`o`), highest (`h`), lowest (`l`) and at the end (`c`).

        Attributes:
            t (int): The start of the point's interval, in UNIX seconds.
            o (float): Open.
            h (float): High.
            l (float): Low.
            c (float): Close.
    """

    t: int
    o: float
    h: float
    l: float
    c: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        t = self.t

        o = self.o

        h = self.h

        l = self.l

        c = self.c

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "t": t,
                "o": o,
                "h": h,
                "l": l,
                "c": c,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        t = d.pop("t")

        o = d.pop("o")

        h = d.pop("h")

        l = d.pop("l")

        c = d.pop("c")

        ohlc_point = cls(
            t=t,
            o=o,
            h=h,
            l=l,
            c=c,
        )

        ohlc_point.additional_properties = d
        return ohlc_point

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
