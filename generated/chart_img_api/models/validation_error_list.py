from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.field_error import FieldError


T = TypeVar("T", bound="ValidationErrorList")


@_attrs_define
class ValidationErrorList:
    """Every invalid field of the request.

    Attributes:
        errors (list[FieldError]): One entry for every invalid field, in body order; past `maxItems` entries, the
            rest are left out, so that an error body stays small.
    """

    errors: list[FieldError]

    def to_dict(self) -> dict[str, Any]:
        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "errors": errors,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_error import FieldError  # noqa: PLC0415

        d = dict(src_dict)
        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = FieldError.from_dict(errors_item_data)

            errors.append(errors_item)

        validation_error_list = cls(
            errors=errors,
        )

        return validation_error_list
