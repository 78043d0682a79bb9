"""Contains all the data models used in inputs/outputs"""

from .okx_error import OkxError
from .period import Period
from .ratio_response import RatioResponse

__all__ = (
    "OkxError",
    "Period",
    "RatioResponse",
)
