from enum import StrEnum


class FieldErrorLocation(StrEnum):
    BODY = "body"
    HEADERS = "headers"
    PARAMS = "params"
    QUERY = "query"

    def __str__(self) -> str:
        return str(self.value)
