"""CHART-IMG's plans, per key: the spec's `x-plans` table, and what a limiter answers.

The table lives in one place, `components.x-plans` of `openapi.yaml`; the server, the docs
and anyone else read it from there. A key without a plan is unlimited by plans: only the
server's own rate limit applies to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DAILY_QUOTA_EXCEEDED",
    "TOO_MANY_REQUESTS",
    "Plan",
    "Refusal",
    "plans_from_spec",
    "seconds_to_utc_midnight",
]

# The messages of the two refusals a limiter gives (the spec's `TooManyRequests` examples).
TOO_MANY_REQUESTS = "Too Many Requests"
DAILY_QUOTA_EXCEEDED = "Daily Quota Exceeded"

_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan's limits, as the spec's `x-plans` states them."""

    name: str
    rate: float  # requests a second, on average
    burst: int  # requests at once
    daily: int  # requests a UTC day
    max_width: int
    max_height: int
    storage_days: int
    max_studies: int
    custom_watermark: bool  # whether a request may set `watermark`
    forced_watermark: str | None  # the text every chart of the plan shows, if any

    @property
    def retention(self) -> datetime.timedelta:
        """How long a chart stored with this plan is kept."""
        return datetime.timedelta(days=self.storage_days)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A limiter's no: the 429's message, and the whole seconds until a request may pass."""

    message: str
    retry_after: int


def plans_from_spec(document: Mapping[str, Any]) -> Mapping[str, Plan]:
    """The plans of the spec's `components.x-plans`, by name, in the spec's order."""
    table: Mapping[str, Mapping[str, Any]] = document["components"]["x-plans"]
    return {name: _plan(name, limits) for name, limits in table.items()}


def _plan(name: str, limits: Mapping[str, Any]) -> Plan:
    forced = limits.get("forcedWatermark")
    return Plan(
        name=name,
        rate=float(limits["requestsPerSecond"]),
        burst=int(limits["burst"]),
        daily=int(limits["requestsPerDay"]),
        max_width=int(limits["maxWidth"]),
        max_height=int(limits["maxHeight"]),
        storage_days=int(limits["storageDays"]),
        max_studies=int(limits["maxStudies"]),
        custom_watermark=bool(limits["customWatermark"]),
        forced_watermark=None if forced is None else str(forced),
    )


def utc_day(moment: datetime.datetime) -> datetime.date:
    """The UTC date of a moment: daily quotas count per UTC day."""
    return moment.astimezone(datetime.UTC).date()


def seconds_to_utc_midnight(moment: datetime.datetime) -> int:
    """Whole seconds from `moment` to the next UTC midnight, at least 1."""
    utc = moment.astimezone(datetime.UTC)
    midnight = datetime.datetime.combine(utc.date() + _DAY, datetime.time(), datetime.UTC)
    remaining = (midnight - utc).total_seconds()
    return max(1, int(remaining) + (0 if remaining.is_integer() else 1))
