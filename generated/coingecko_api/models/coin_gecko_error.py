from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_status import ErrorStatus
    from ..models.nested_error import NestedError


T = TypeVar("T", bound="CoinGeckoError")


@_attrs_define
class CoinGeckoError:
    """An error, in one of the shapes CoinGecko answers: `{"status": {...}}`, `{"error": "message"}` or `{"error":
    {"status": {...}}}`.

        Attributes:
            status (ErrorStatus | Unset): An error's code and message.
            error (NestedError | str | Unset): A message, or an object wrapping a status.
    """

    status: ErrorStatus | Unset = UNSET
    error: NestedError | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.nested_error import NestedError  # noqa: PLC0415

        status: dict[str, Any] | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.to_dict()

        error: dict[str, Any] | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, NestedError):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if status is not UNSET:
            field_dict["status"] = status
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_status import ErrorStatus  # noqa: PLC0415
        from ..models.nested_error import NestedError  # noqa: PLC0415

        d = dict(src_dict)
        _status = d.pop("status", UNSET)
        status: ErrorStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = ErrorStatus.from_dict(_status)

        def _parse_error(data: object) -> NestedError | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = NestedError.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NestedError | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        coin_gecko_error = cls(
            status=status,
            error=error,
        )

        coin_gecko_error.additional_properties = d
        return coin_gecko_error

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
