from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RatioResponse")


@_attrs_define
class RatioResponse:
    """The envelope of a ratio answer. Read `data` only when `code` is `"0"`; it is newest first.

    Attributes:
        code (str): `"0"` on success, another numeric string on failure.
        msg (str): Empty on success; why it failed otherwise.
        data (list[list[str]]): The `[ts, ratio]` pairs, newest first; empty on failure.
    """

    code: str
    msg: str
    data: list[list[str]]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        data = []
        for data_item_data in self.data:
            data_item = []
            for componentsschemas_ratio_point_item_data in data_item_data:
                componentsschemas_ratio_point_item: str
                componentsschemas_ratio_point_item = (
                    componentsschemas_ratio_point_item_data
                )
                data_item.append(componentsschemas_ratio_point_item)

            data.append(data_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "msg": msg,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg")

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = []
            _data_item = data_item_data
            for componentsschemas_ratio_point_item_data in _data_item:

                def _parse_componentsschemas_ratio_point_item(data: object) -> str:
                    return cast(str, data)

                componentsschemas_ratio_point_item = (
                    _parse_componentsschemas_ratio_point_item(
                        componentsschemas_ratio_point_item_data
                    )
                )

                data_item.append(componentsschemas_ratio_point_item)

            data.append(data_item)

        ratio_response = cls(
            code=code,
            msg=msg,
            data=data,
        )

        ratio_response.additional_properties = d
        return ratio_response

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
