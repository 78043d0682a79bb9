from enum import StrEnum


class Margined(StrEnum):
    COIN = "COIN"
    STABLE = "STABLE"

    def __str__(self) -> str:
        return str(self.value)
