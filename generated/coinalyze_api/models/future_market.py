from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.denomination import Denomination
from ..models.margined import Margined

T = TypeVar("T", bound="FutureMarket")


@_attrs_define
class FutureMarket:
    """A futures market, perpetual or dated.

    Attributes:
        symbol (str): The Coinalyze symbol, to pass in `symbols`.
        exchange (str): The exchange's code (see `/exchanges`).
        symbol_on_exchange (str): The market's ticker on the exchange itself.
        base_asset (str): The base asset.
        quote_asset (str): The quote asset.
        is_perpetual (bool): True for a perpetual, false for a dated future.
        margined (Margined): How a futures market is margined: in a stablecoin (linear) or in the coin (inverse).
        expire_at (int | None): When a dated future expires, in UNIX **milliseconds**; null for perpetuals.
        oi_lq_vol_denominated_in (Denomination): The unit of a market's open interest, liquidations and volume: its base
            asset (BTC for `BTCUSDT_PERP.A`) or its quote asset (USD for `BTCUSD_PERP.A`).
        has_long_short_ratio_data (bool): Whether `/long-short-ratio-history` has data for it.
        has_ohlcv_data (bool): Whether `/ohlcv-history` has data for it.
        has_buy_sell_data (bool): Whether its OHLCV history splits volume and trades by side (`bv`, `btx`).
    """

    symbol: str
    exchange: str
    symbol_on_exchange: str
    base_asset: str
    quote_asset: str
    is_perpetual: bool
    margined: Margined
    expire_at: int | None
    oi_lq_vol_denominated_in: Denomination
    has_long_short_ratio_data: bool
    has_ohlcv_data: bool
    has_buy_sell_data: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        symbol = self.symbol

        exchange = self.exchange

        symbol_on_exchange = self.symbol_on_exchange

        base_asset = self.base_asset

        quote_asset = self.quote_asset

        is_perpetual = self.is_perpetual

        margined = self.margined.value

        expire_at: int | None
        expire_at = self.expire_at

        oi_lq_vol_denominated_in = self.oi_lq_vol_denominated_in.value

        has_long_short_ratio_data = self.has_long_short_ratio_data

        has_ohlcv_data = self.has_ohlcv_data

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
                "is_perpetual": is_perpetual,
                "margined": margined,
                "expire_at": expire_at,
                "oi_lq_vol_denominated_in": oi_lq_vol_denominated_in,
                "has_long_short_ratio_data": has_long_short_ratio_data,
                "has_ohlcv_data": has_ohlcv_data,
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

        is_perpetual = d.pop("is_perpetual")

        margined = Margined(d.pop("margined"))

        def _parse_expire_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        expire_at = _parse_expire_at(d.pop("expire_at"))

        oi_lq_vol_denominated_in = Denomination(d.pop("oi_lq_vol_denominated_in"))

        has_long_short_ratio_data = d.pop("has_long_short_ratio_data")

        has_ohlcv_data = d.pop("has_ohlcv_data")

        has_buy_sell_data = d.pop("has_buy_sell_data")

        future_market = cls(
            symbol=symbol,
            exchange=exchange,
            symbol_on_exchange=symbol_on_exchange,
            base_asset=base_asset,
            quote_asset=quote_asset,
            is_perpetual=is_perpetual,
            margined=margined,
            expire_at=expire_at,
            oi_lq_vol_denominated_in=oi_lq_vol_denominated_in,
            has_long_short_ratio_data=has_long_short_ratio_data,
            has_ohlcv_data=has_ohlcv_data,
            has_buy_sell_data=has_buy_sell_data,
        )

        future_market.additional_properties = d
        return future_market

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
