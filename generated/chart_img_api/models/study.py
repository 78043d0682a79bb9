from enum import StrEnum


class Study(StrEnum):
    AGGREGATED_CVD_FUTURES = "Aggregated CVD Futures"
    AGGREGATED_CVD_FUTURES_COIN_MARGINED = (
        "Aggregated CVD Futs. COIN-margined Contracts"
    )
    AGGREGATED_CVD_FUTURES_STABLECOIN_MARGINED = (
        "Aggregated CVD Futs. STABLECOIN-margined Contracts"
    )
    AGGREGATED_CVD_SPOT = "Aggregated CVD Spot"
    AGGREGATED_FUNDING_RATE = "Aggregated Funding Rate"
    AGGREGATED_LIQUIDATIONS_COIN_MARGINED = (
        "Aggregated Liquidations COIN-margined Contracts"
    )
    AGGREGATED_LIQUIDATIONS_PROFILE_VISIBLE_RANGE_COIN_MARGINED = (
        "Aggregated Liquidations Profile Visible Range COIN-margined Contracts"
    )
    AGGREGATED_LIQUIDATIONS_PROFILE_VISIBLE_RANGE_STABLECOIN_MARGINED = (
        "Aggregated Liquidations Profile Visible Range STABLECOIN-margined Contracts"
    )
    AGGREGATED_LIQUIDATIONS_STABLECOIN_AND_COIN_MARGINED = (
        "Aggregated Liquidations STABLECOIN+COIN-margined Contracts"
    )
    AGGREGATED_LIQUIDATIONS_STABLECOIN_MARGINED = (
        "Aggregated Liquidations STABLECOIN-margined Contracts"
    )
    AGGREGATED_LONG_SHORT_ACCOUNTS_RATIO = "Aggregated Long/Short Accounts Ratio"
    AGGREGATED_OPEN_INTEREST_COIN_MARGINED = (
        "Aggregated Open Interest COIN-margined Contracts"
    )
    AGGREGATED_OPEN_INTEREST_DELTA_COIN_MARGINED = (
        "Aggregated Open Interest Delta COIN-margined Contracts"
    )
    AGGREGATED_OPEN_INTEREST_DELTA_PROFILE_VISIBLE_RANGE_COIN_MARGINED = (
        "Aggregated Open Interest Delta Profile Visible Range COIN-margined Contracts"
    )
    AGGREGATED_OPEN_INTEREST_DELTA_PROFILE_VISIBLE_RANGE_STABLECOIN_AND_COIN_MARGINED = "Aggregated Open Interest Delta Profile Visible Range STABLECOIN+COIN-margined Contracts"
    AGGREGATED_OPEN_INTEREST_DELTA_PROFILE_VISIBLE_RANGE_STABLECOIN_MARGINED = "Aggregated Open Interest Delta Profile Visible Range STABLECOIN-margined Contracts"
    AGGREGATED_OPEN_INTEREST_DELTA_STABLECOIN_AND_COIN_MARGINED = (
        "Aggregated Open Interest Delta STABLECOIN+COIN-margined Contracts"
    )
    AGGREGATED_OPEN_INTEREST_DELTA_STABLECOIN_MARGINED = (
        "Aggregated Open Interest Delta STABLECOIN-margined Contracts"
    )
    AGGREGATED_OPEN_INTEREST_STABLECOIN_AND_COIN_MARGINED = (
        "Aggregated Open Interest STABLECOIN+COIN-margined Contracts"
    )
    AGGREGATED_OPEN_INTEREST_STABLECOIN_MARGINED = (
        "Aggregated Open Interest STABLECOIN-margined Contracts"
    )
    AGGREGATED_PREDICTED_FUNDING_RATE = "Aggregated Predicted Funding Rate"
    BUY_SELL_COUNT = "Buy / Sell Count"
    BUY_SELL_PRESSURE = "Buy Sell Pressure"
    BUY_SELL_VOLUME = "Buy / Sell Volume"
    FUNDING_RATE = "Funding Rate"
    FUNDING_RATE_OHLC = "Funding Rate OHLC"
    LIQUIDATIONS = "Liquidations"
    LIQUIDATIONS_PROFILE_VISIBLE_RANGE = "Liquidations Profile Visible Range"
    LONGS_LIQUIDATION = "Longs Liquidation"
    LONG_SHORT_ACCOUNTS_RATIO = "Long/Short Accounts Ratio"
    LONG_SHORT_ACCOUNTS_RATIO_TOP_TRADERS = "Long/Short Accounts Ratio Top Traders"
    LONG_SHORT_POSITIONS_RATIO_TOP_TRADERS = "Long/Short Positions Ratio Top Traders"
    OPEN_INTEREST = "Open Interest"
    OPEN_INTEREST_DELTA = "Open Interest Delta"
    OPEN_INTEREST_DELTA_PROFILE_VISIBLE_RANGE = (
        "Open Interest Delta Profile Visible Range"
    )
    OPEN_INTEREST_MARKET_CAP_RATIO = "Open Interest/Market Cap Ratio"
    PREDICTED_FUNDING_RATE = "Predicted Funding Rate"
    PREDICTED_FUNDING_RATE_OHLC = "Predicted Funding Rate OHLC"
    SHORTS_LIQUIDATION = "Shorts Liquidation"

    def __str__(self) -> str:
        return str(self.value)
