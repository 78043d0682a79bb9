from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OhlcvPoint")


@_attrs_define
class OhlcvPoint:
    """One candle, with volume and trades split by side. Volume is in the unit the market's `oi_lq_vol_denominated_in`
    names.

        Attributes:
            t (int): The start of the point's interval, in UNIX seconds.
            o (float): Open price.
            h (float): High price.
            l (float): Low price.
            c (float): Close price.
            v (float): Volume.
            bv (float): Buy volume; sell volume is `v - bv`.
            tx (float): Number of trades.
            btx (float): Number of buy trades; sell trades are `tx - btx`.
    """

    t: int
    o: float
    h: float
    l: float
    c: float
    v: float
    bv: float
    tx: float
    btx: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        t = self.t

        o = self.o

        h = self.h

        l = self.l

        c = self.c

        v = self.v

        bv = self.bv

        tx = self.tx

        btx = self.btx

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "t": t,
                "o": o,
                "h": h,
                "l": l,
                "c": c,
                "v": v,
                "bv": bv,
                "tx": tx,
                "btx": btx,
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

        v = d.pop("v")

        bv = d.pop("bv")

        tx = d.pop("tx")

        btx = d.pop("btx")

        ohlcv_point = cls(
            t=t,
            o=o,
            h=h,
            l=l,
            c=c,
            v=v,
            bv=bv,
            tx=tx,
            btx=btx,
        )

        ohlcv_point.additional_properties = d
        return ohlcv_point

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
