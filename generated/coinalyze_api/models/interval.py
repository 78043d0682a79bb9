from enum import StrEnum


class Interval(StrEnum):
    DAILY = "daily"
    HOUR_1 = "1hour"
    HOUR_12 = "12hour"
    HOUR_2 = "2hour"
    HOUR_4 = "4hour"
    HOUR_6 = "6hour"
    MINUTE_1 = "1min"
    MINUTE_15 = "15min"
    MINUTE_30 = "30min"
    MINUTE_5 = "5min"

    def __str__(self) -> str:
        return str(self.value)
