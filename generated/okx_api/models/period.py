from enum import StrEnum


class Period(StrEnum):
    DAY_1 = "1D"
    HOUR_1 = "1H"
    HOUR_12 = "12H"
    HOUR_2 = "2H"
    HOUR_4 = "4H"
    HOUR_6 = "6H"
    MINUTE_15 = "15m"
    MINUTE_30 = "30m"
    MINUTE_5 = "5m"

    def __str__(self) -> str:
        return str(self.value)
