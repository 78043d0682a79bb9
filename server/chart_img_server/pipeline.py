"""One chart request, start to end: parse, the key's plan, plan, fetch the data, render,
within one budget.

Authentication and the rate limit come before (the app's guard); storing comes after, for
the storage operation.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Mapping

import anyio
from starlette.requests import ClientDisconnect, Request

from .chart import ChartRequest
from .errors import ApiError, FieldError, FieldErrors
from .market import (
    Catalog,
    ChartPlan,
    MarketData,
    MarketDataError,
    MarketSource,
    StudyUnavailableError,
    UpstreamBusyError,
    plan_chart,
)
from .plans import Plan
from .render_pool import RenderPool
from .rendering import chart_window
from .settings import Settings
from .spec import StudyRules
from .validation import ChartRequestParser

logger = logging.getLogger("chart_img_server")
# Logged when a client leaves before its request is read; nobody receives the answer.
CLIENT_CLOSED_REQUEST = 499


class ChartPipeline:
    def __init__(
        self,
        settings: Settings,
        parser: ChartRequestParser,
        rules: StudyRules,
        intervals: tuple[str, ...],
        market: MarketSource,
        renders: RenderPool,
        plans: Mapping[str, Plan] | None = None,
    ) -> None:
        self._settings = settings
        self._parser = parser
        self._rules = rules
        self._intervals = intervals
        self._market = market
        self._renders = renders
        self._plans = plans or {}

    async def image(self, request: Request, key_plan: Plan | None = None) -> tuple[bytes, str]:
        """The chart a request asks for, within the key's plan, as image bytes and format."""
        body = await _read_body(request, self._settings.max_body_bytes)
        content_type = request.headers.get("content-type")
        # Validation is bounded (cheap checks first) but still CPU work: off the event loop.
        chart = await anyio.to_thread.run_sync(self._parser.parse, body, content_type)
        if key_plan is not None:
            chart = self._within_plan(chart, key_plan, body)
        plan = self._plan(chart, await self._market.catalog())
        try:
            with anyio.fail_after(self._settings.render_timeout):
                data = await self._fetch(chart, plan)
                image = await self._renders.render(chart, data)
        except TimeoutError:
            raise ApiError(504, "Process Timeout") from None
        except (ApiError, MarketDataError, UpstreamBusyError):
            raise
        except Exception:
            logger.exception("rendering %s failed", chart)
            raise ApiError(500, "Internal Server Error") from None
        return image, chart.format

    def _within_plan(self, chart: ChartRequest, plan: Plan, body: bytes) -> ChartRequest:
        """The chart as the key's plan draws it; 422 naming each field over the plan."""
        on_plan = f"on the {plan.name} plan"
        errors = []
        if chart.width > plan.max_width:
            errors.append(
                FieldError("width", f"must be at most {plan.max_width} {on_plan}", chart.width)
            )
        if chart.height > plan.max_height:
            errors.append(
                FieldError("height", f"must be at most {plan.max_height} {on_plan}", chart.height)
            )
        if len(chart.studies) > plan.max_studies:
            most = f"must have at most {plan.max_studies} items {on_plan}"
            errors.append(FieldError("studies", most, list(chart.studies)))
        if chart.watermark is not None and not plan.custom_watermark:
            errors.append(FieldError("watermark", self._watermark_plans, chart.watermark))
        if errors:
            raise FieldErrors(_in_body_order(errors, body))
        if plan.forced_watermark is not None:
            return dataclasses.replace(chart, watermark=plan.forced_watermark)
        return chart

    @functools.cached_property
    def _watermark_plans(self) -> str:
        names = [name for name, plan in self._plans.items() if plan.custom_watermark]
        return f"needs the {' or '.join(names)} plan"

    def _plan(self, chart: ChartRequest, catalog: Catalog) -> ChartPlan:
        market = catalog.market(chart.exchange, chart.ticker)
        if market is None:
            raise ApiError(422, "Invalid Symbol")
        self._check_study_rules(chart)
        try:
            return plan_chart(
                market, chart.studies, catalog, self._market.serves, self._market.name
            )
        except StudyUnavailableError as error:
            raise ApiError(422, str(error)) from None

    def _check_study_rules(self, chart: ChartRequest) -> None:
        """The spec's own study rules: a perpetual, an interval range, some exchanges."""
        rules, order = self._rules, self._intervals.index
        suffix = rules.perpetual_suffix
        for study in chart.studies:
            if study in rules.requires_perpetual and not chart.ticker.endswith(suffix):
                raise ApiError(422, f'Study "{study}" requires a perpetual ({suffix}) symbol')
            least = rules.min_interval.get(study)
            if least is not None and order(chart.interval) < order(least):
                raise ApiError(422, f'Study "{study}" requires an interval of at least {least}')
            most = rules.max_interval.get(study)
            if most is not None and order(chart.interval) > order(most):
                raise ApiError(422, f'Study "{study}" requires an interval of at most {most}')
            exchanges = rules.exchanges.get(study)
            if exchanges is not None and chart.exchange not in exchanges:
                listed = " and ".join(exchanges)
                raise ApiError(422, f'Study "{study}" is available for {listed} symbols only')

    async def _fetch(self, chart: ChartRequest, plan: ChartPlan) -> MarketData:
        window = chart_window(chart, self._settings.clock())
        series = await self._market.fetch(plan.needs, window)
        return MarketData(self._market.mark, window, plan, series)


def _in_body_order(errors: list[FieldError], body: bytes) -> list[FieldError]:
    """The errors in the order their fields come in the body (parsed already: it is JSON)."""
    if len(errors) < 2:
        return errors
    order = {name: index for index, name in enumerate(json.loads(body))}
    return sorted(errors, key=lambda error: order.get(error.path, len(order)))


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 once it is over `limit` bytes, declared or streamed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "Invalid Request")
        if int(declared) > limit:
            raise ApiError(413, "Payload Too Large")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(413, "Payload Too Large")
    except ClientDisconnect:
        # The client's doing, not a fault: one access line, with nginx's status for it.
        raise ApiError(CLIENT_CLOSED_REQUEST, "Client Closed Request") from None
    return bytes(body)
