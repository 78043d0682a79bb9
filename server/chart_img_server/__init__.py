"""The chart-img-kit reference server for the CHART-IMG Coinalyze API v3."""

from .app import create_app
from .chart import ChartRequest
from .serving import RunningServer, running_server
from .settings import Settings

__all__ = ["ChartRequest", "RunningServer", "Settings", "create_app", "running_server"]
