from enum import StrEnum


class Denomination(StrEnum):
    BASE_ASSET = "BASE_ASSET"
    QUOTE_ASSET = "QUOTE_ASSET"

    def __str__(self) -> str:
        return str(self.value)
