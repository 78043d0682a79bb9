"""The OpenAPI link the spec does not declare yet, which stateful testing needs.

`listExchanges` answers the exchange IDs that `listExchangeSymbols` takes in its path. Until
the spec declares that link, the suites add it to their copy; once the spec has its own
`links`, this adds nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

LIST_PATH = "/v3/coinalyze/exchange/list"
EXCHANGE_LINKS = {
    "exchangeSymbols": {
        "operationId": "listExchangeSymbols",
        "description": "The first exchange ID of the list is a valid `exchangeId`.",
        "parameters": {"exchangeId": "$response.body#/payload/0"},
    }
}


def with_exchange_links(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the spec in which the exchange list links to each exchange's symbols."""
    linked: dict[str, Any] = copy.deepcopy(dict(document))
    response = linked["paths"][LIST_PATH]["get"]["responses"]["200"]
    response.setdefault("links", EXCHANGE_LINKS)
    return linked
