from enum import StrEnum


class Period(StrEnum):
    DAY_1 = "1d"
    HOUR_1 = "1h"
    HOUR_12 = "12h"
    HOUR_2 = "2h"
    HOUR_4 = "4h"
    HOUR_6 = "6h"
    MINUTE_15 = "15m"
    MINUTE_30 = "30m"
    MINUTE_5 = "5m"

    def __str__(self) -> str:
        return str(self.value)
