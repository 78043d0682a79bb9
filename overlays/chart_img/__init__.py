"""The chart-img-kit client: a thin layer over the generated `chart_img_api`.

```python
from chart_img import ChartImg

with ChartImg() as client:  # CHART_IMG_API_KEY, CHART_IMG_BASE_URL
    image = client.chart(symbol="BINANCE:ETHUSDT", interval="15m", theme="dark")
    image.save("eth.png")
```
"""

from chart_img_api.models import (
    AdvancedChartRequest,
    FieldError,
    ImageFormat,
    Interval,
    Study,
    Theme,
    Timezone,
    WatermarkSize,
)

from ._client import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    AsyncChartImg,
    ChartImg,
    Listing,
    NotGiven,
)
from ._exceptions import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ChartImgError,
    DownloadVerificationError,
    ForbiddenError,
    MarketDataUnavailableError,
    NotFoundError,
    PayloadTooLargeError,
    ProcessTimeoutError,
    RateLimitedError,
    RequestValidationError,
    ServerError,
    ServiceUnavailableError,
    UnprocessableError,
)
from ._images import AsyncStoredChart, ChartImage, StoredChart
from ._params import ChartFields, allowed_values, build_request
from ._retry import DEFAULT_MAX_RETRIES, RetryPolicy

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AdvancedChartRequest",
    "AsyncChartImg",
    "AsyncStoredChart",
    "BadRequestError",
    "ChartFields",
    "ChartImage",
    "ChartImg",
    "ChartImgError",
    "DownloadVerificationError",
    "FieldError",
    "ForbiddenError",
    "ImageFormat",
    "Interval",
    "Listing",
    "MarketDataUnavailableError",
    "NotFoundError",
    "NotGiven",
    "PayloadTooLargeError",
    "ProcessTimeoutError",
    "RateLimitedError",
    "RequestValidationError",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "StoredChart",
    "Study",
    "Theme",
    "Timezone",
    "UnprocessableError",
    "WatermarkSize",
    "allowed_values",
    "build_request",
]
