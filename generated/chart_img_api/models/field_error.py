from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define

from ..models.field_error_location import FieldErrorLocation
from ..types import UNSET, Unset

T = TypeVar("T", bound="FieldError")


@_attrs_define
class FieldError:
    """One invalid field of the request.

    Attributes:
        type_ (Literal['field']): Always `field`.
        msg (str): What the value must be.
        path (str): The field's name; items of a list as `studies[1]`.
        location (FieldErrorLocation): Where the field was.
        value (Any | Unset): The value received, when there was one. A number that JSON cannot carry (such as
            `1e309`, which overflows to infinity) is returned as a string.
    """

    type_: Literal["field"]
    msg: str
    path: str
    location: FieldErrorLocation
    value: Any | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        msg = self.msg

        path = self.path

        location = self.location.value

        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "msg": msg,
                "path": path,
                "location": location,
            }
        )
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["field"], d.pop("type"))
        if type_ != "field":
            raise ValueError(f"type must match const 'field', got '{type_}'")

        msg = d.pop("msg")

        path = d.pop("path")

        location = FieldErrorLocation(d.pop("location"))

        value = d.pop("value", UNSET)

        field_error = cls(
            type_=type_,
            msg=msg,
            path=path,
            location=location,
            value=value,
        )

        return field_error
