from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CoinMarket")


@_attrs_define
class CoinMarket:
    """A coin's market data. Only the fields the adapter reads are described; upstream sends more (image, volume, highs and
    lows, supplies, …), kept as additional properties.

        Attributes:
            id (str): A CoinGecko coin id (lower case, dash-separated words).
            symbol (str): The coin's symbol, lower case.
            name (str): The coin's name.
            market_cap (float | None): The market cap in `vs_currency`; null or 0 without data.
            current_price (float | None | Unset): The price in `vs_currency`; null without data.
            market_cap_rank (int | None | Unset): The rank by market cap; null without one.
            last_updated (datetime.datetime | None | Unset): When the data was last updated.
    """

    id: str
    symbol: str
    name: str
    market_cap: float | None
    current_price: float | None | Unset = UNSET
    market_cap_rank: int | None | Unset = UNSET
    last_updated: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        symbol = self.symbol

        name = self.name

        market_cap: float | None
        market_cap = self.market_cap

        current_price: float | None | Unset
        if isinstance(self.current_price, Unset):
            current_price = UNSET
        else:
            current_price = self.current_price

        market_cap_rank: int | None | Unset
        if isinstance(self.market_cap_rank, Unset):
            market_cap_rank = UNSET
        else:
            market_cap_rank = self.market_cap_rank

        last_updated: None | str | Unset
        if isinstance(self.last_updated, Unset):
            last_updated = UNSET
        elif isinstance(self.last_updated, datetime.datetime):
            last_updated = self.last_updated.isoformat()
        else:
            last_updated = self.last_updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "symbol": symbol,
                "name": name,
                "market_cap": market_cap,
            }
        )
        if current_price is not UNSET:
            field_dict["current_price"] = current_price
        if market_cap_rank is not UNSET:
            field_dict["market_cap_rank"] = market_cap_rank
        if last_updated is not UNSET:
            field_dict["last_updated"] = last_updated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        symbol = d.pop("symbol")

        name = d.pop("name")

        def _parse_market_cap(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        market_cap = _parse_market_cap(d.pop("market_cap"))

        def _parse_current_price(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        current_price = _parse_current_price(d.pop("current_price", UNSET))

        def _parse_market_cap_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        market_cap_rank = _parse_market_cap_rank(d.pop("market_cap_rank", UNSET))

        def _parse_last_updated(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_updated_type_0 = datetime.datetime.fromisoformat(data)

                return last_updated_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_updated = _parse_last_updated(d.pop("last_updated", UNSET))

        coin_market = cls(
            id=id,
            symbol=symbol,
            name=name,
            market_cap=market_cap,
            current_price=current_price,
            market_cap_rank=market_cap_rank,
            last_updated=last_updated,
        )

        coin_market.additional_properties = d
        return coin_market

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
