from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.error_status import ErrorStatus


T = TypeVar("T", bound="NestedError")


@_attrs_define
class NestedError:
    """An error object wrapping a status (the 365-day limit, unconfirmed).

    Attributes:
        status (ErrorStatus): An error's code and message.
    """

    status: ErrorStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_status import ErrorStatus  # noqa: PLC0415

        d = dict(src_dict)
        status = ErrorStatus.from_dict(d.pop("status"))

        nested_error = cls(
            status=status,
        )

        nested_error.additional_properties = d
        return nested_error

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
