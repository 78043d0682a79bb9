"""One chart request, start to end: parse, plan, fetch the data, render, within one budget.

Authentication and the rate limit come before (the app's guard); storing comes after, for
the storage operation.
"""

from __future__ import annotations

import logging

import anyio
from starlette.requests import ClientDisconnect, Request

from .chart import ChartRequest
from .errors import ApiError
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
    ) -> None:
        self._settings = settings
        self._parser = parser
        self._rules = rules
        self._intervals = intervals
        self._market = market
        self._renders = renders

    async def image(self, request: Request) -> tuple[bytes, str]:
        """The chart a request asks for, as image bytes and their format."""
        body = await _read_body(request, self._settings.max_body_bytes)
        content_type = request.headers.get("content-type")
        # Validation is bounded (cheap checks first) but still CPU work: off the event loop.
        chart = await anyio.to_thread.run_sync(self._parser.parse, body, content_type)
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
