from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.liquidation_point import LiquidationPoint


T = TypeVar("T", bound="LiquidationHistory")


@_attrs_define
class LiquidationHistory:
    """One symbol's liquidations, ascending by `t`.

    Attributes:
        symbol (str): The Coinalyze symbol the history belongs to.
        history (list[LiquidationPoint]): One point per interval, ascending by `t`.
    """

    symbol: str
    history: list[LiquidationPoint]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        symbol = self.symbol

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "symbol": symbol,
                "history": history,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.liquidation_point import LiquidationPoint  # noqa: PLC0415

        d = dict(src_dict)
        symbol = d.pop("symbol")

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = LiquidationPoint.from_dict(history_item_data)

            history.append(history_item)

        liquidation_history = cls(
            symbol=symbol,
            history=history,
        )

        liquidation_history.additional_properties = d
        return liquidation_history

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
