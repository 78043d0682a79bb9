"""Contains all the data models used in inputs/outputs"""

from .advanced_chart_request import AdvancedChartRequest
from .error_message import ErrorMessage
from .exchange_list import ExchangeList
from .exchange_symbols import ExchangeSymbols
from .field_error import FieldError
from .field_error_location import FieldErrorLocation
from .image_format import ImageFormat
from .interval import Interval
from .stored_chart import StoredChart
from .study import Study
from .theme import Theme
from .timezone import Timezone
from .validation_error_list import ValidationErrorList
from .watermark_size import WatermarkSize

__all__ = (
    "AdvancedChartRequest",
    "ErrorMessage",
    "ExchangeList",
    "ExchangeSymbols",
    "FieldError",
    "FieldErrorLocation",
    "ImageFormat",
    "Interval",
    "StoredChart",
    "Study",
    "Theme",
    "Timezone",
    "ValidationErrorList",
    "WatermarkSize",
)
