from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SpotMarket")


@_attrs_define
class SpotMarket:
    """A spot market. Its symbol normalises the quote (`BTCUSD.A` is Binance's `BTCUSDT`).

    Attributes:
        symbol (str): The Coinalyze symbol, to pass in `symbols`.
        exchange (str): The exchange's code (see `/exchanges`).
        symbol_on_exchange (str): The market's ticker on the exchange itself.
        base_asset (str): The base asset.
        quote_asset (str): The quote asset, as the exchange quotes it.
        has_buy_sell_data (bool): Whether its OHLCV history splits volume and trades by side (`bv`, `btx`).
    """

    symbol: str
    exchange: str
    symbol_on_exchange: str
    base_asset: str
    quote_asset: str
    has_buy_sell_data: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        symbol = self.symbol

        exchange = self.exchange

        symbol_on_exchange = self.symbol_on_exchange

        base_asset = self.base_asset

        quote_asset = self.quote_asset

        has_buy_sell_data = self.has_buy_sell_data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "symbol": symbol,
                "exchange": exchange,
                "symbol_on_exchange": symbol_on_exchange,
                "base_asset": base_asset,
                "quote_asset": quote_asset,
                "has_buy_sell_data": has_buy_sell_data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        symbol = d.pop("symbol")

        exchange = d.pop("exchange")

        symbol_on_exchange = d.pop("symbol_on_exchange")

        base_asset = d.pop("base_asset")

        quote_asset = d.pop("quote_asset")

        has_buy_sell_data = d.pop("has_buy_sell_data")

        spot_market = cls(
            symbol=symbol,
            exchange=exchange,
            symbol_on_exchange=symbol_on_exchange,
            base_asset=base_asset,
            quote_asset=quote_asset,
            has_buy_sell_data=has_buy_sell_data,
        )

        spot_market.additional_properties = d
        return spot_market

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
