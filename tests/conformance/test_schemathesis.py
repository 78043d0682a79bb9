"""Schemathesis, in process: every phase, both generation modes, both ways to send the key.

The header key serves every operation; a second run sends the query key to the `GET`
operations, the only ones that take it. `ignored_auth` probes each operation without a key
and with a wrong one in every place the spec declares.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from chart_img_server.market import synthetic_catalog
from schemathesis import Case
from schemathesis.specs.openapi.schemas import OpenApiSchema

from . import hooks  # noqa: F401  (registers the checks and the generation hook)
from .conftest import CASES_RUN, CONFORMANCE_KEY, conformance_app, spec_document

SEED = int(os.environ.get("CONFORMANCE_SEED", "20240812"))
FUZZING_EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "150"))
STATEFUL_EXAMPLES = 15


def _config(auth_scheme: str) -> dict[str, Any]:
    catalog = synthetic_catalog()
    return {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": FUZZING_EXAMPLES,
            "with-security-parameters": False,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {
                "enabled": True,
                "max-steps": 6,
                "generation": {"mode": "all", "max-examples": STATEFUL_EXAMPLES},
            },
        },
        "checks": {"enabled": True},
        "auth": {"openapi": {auth_scheme: {"api_key": CONFORMANCE_KEY}}},
        # Generated symbols and exchange IDs match the spec's patterns but are rarely listed:
        # real ones from the catalog let schema-valid charts succeed, so a 422 for them fails.
        "dictionaries": {
            "symbols": {"values": [market.symbol for market in catalog.markets]},
            "exchanges": {"values": list(catalog.exchange_ids)},
        },
        "parameters": {
            "body.symbol": {"dictionary": "symbols"},
            "path.exchangeId": {"dictionary": "exchanges", "probability": 0.5},
        },
    }


def _schema(auth_scheme: str) -> OpenApiSchema:
    config = schemathesis.Config.from_dict(_config(auth_scheme))
    loaded = schemathesis.openapi.from_dict(dict(spec_document()), config=config)
    storage = Path(tempfile.mkdtemp(prefix="chart-img-conformance-"))
    loaded.app = conformance_app(storage)
    return loaded


header_schema = _schema("ApiKeyHeader")
query_schema = _schema("ApiKeyQuery").include(method="GET")


def _record(placement: str, case: Case[Any]) -> None:
    meta = case.meta
    if meta is not None:
        CASES_RUN[(placement, str(meta.phase.name), str(meta.generation.mode))] += 1


@header_schema.parametrize()
def test_header_key(case: Case[Any]) -> None:
    _record("header", case)
    case.call_and_validate()


@query_schema.parametrize()
def test_query_key(case: Case[Any]) -> None:
    _record("query", case)
    case.call_and_validate()


class HeaderKeyStateMachine(header_schema.as_state_machine()):  # type: ignore[misc]
    def validate_response(self, response: Any, case: Case[Any], **kwargs: Any) -> None:
        _record("header", case)
        super().validate_response(response, case, **kwargs)


TestHeaderKeyStateful = HeaderKeyStateMachine.TestCase
