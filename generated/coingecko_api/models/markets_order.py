from enum import StrEnum


class MarketsOrder(StrEnum):
    ID_ASC = "id_asc"
    ID_DESC = "id_desc"
    MARKET_CAP_ASC = "market_cap_asc"
    MARKET_CAP_DESC = "market_cap_desc"
    VOLUME_ASC = "volume_asc"
    VOLUME_DESC = "volume_desc"

    def __str__(self) -> str:
        return str(self.value)
