from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MarketChart")


@_attrs_define
class MarketChart:
    """Three series over the window, each ascending in time.

    Attributes:
        prices (list[list[float]]): The price.
        market_caps (list[list[float]]): The market cap; what the Open Interest/Market Cap Ratio divides by.
        total_volumes (list[list[float]]): The 24-hour volume.
    """

    prices: list[list[float]]
    market_caps: list[list[float]]
    total_volumes: list[list[float]]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prices = []
        for prices_item_data in self.prices:
            prices_item = prices_item_data

            prices.append(prices_item)

        market_caps = []
        for market_caps_item_data in self.market_caps:
            market_caps_item = market_caps_item_data

            market_caps.append(market_caps_item)

        total_volumes = []
        for total_volumes_item_data in self.total_volumes:
            total_volumes_item = total_volumes_item_data

            total_volumes.append(total_volumes_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prices": prices,
                "market_caps": market_caps,
                "total_volumes": total_volumes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        prices = []
        _prices = d.pop("prices")
        for prices_item_data in _prices:
            prices_item = cast(list[float], prices_item_data)

            prices.append(prices_item)

        market_caps = []
        _market_caps = d.pop("market_caps")
        for market_caps_item_data in _market_caps:
            market_caps_item = cast(list[float], market_caps_item_data)

            market_caps.append(market_caps_item)

        total_volumes = []
        _total_volumes = d.pop("total_volumes")
        for total_volumes_item_data in _total_volumes:
            total_volumes_item = cast(list[float], total_volumes_item_data)

            total_volumes.append(total_volumes_item)

        market_chart = cls(
            prices=prices,
            market_caps=market_caps,
            total_volumes=total_volumes,
        )

        market_chart.additional_properties = d
        return market_chart

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
