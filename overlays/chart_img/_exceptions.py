"""Every error the client raises, one class per documented status.

```
ChartImgError
├── RequestValidationError (also a ValueError)   checked before any request is sent
├── APIConnectionError                           the server could not be reached
│   └── APITimeoutError                          no answer within the timeout
├── APIResponseError                             a success whose body is not what the spec says
├── DownloadVerificationError                    a stored chart's size or ETag does not match
└── APIStatusError                               any 4xx or 5xx answer
    ├── BadRequestError          400
    ├── ForbiddenError           403
    ├── NotFoundError            404
    ├── PayloadTooLargeError     413
    ├── UnprocessableError       422  (.field_errors or .message)
    ├── RateLimitedError         429  (.retry_after)
    ├── ServerError              500 and other 5xx
    │   ├── MarketDataUnavailableError  502  the server's market data source failed
    │   └── ServiceUnavailableError     503  a service the server needs is down (its limiter)
    └── ProcessTimeoutError      504
```
"""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from chart_img_api.models import FieldError
from chart_img_api.types import Unset

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "BadRequestError",
    "ChartImgError",
    "DownloadVerificationError",
    "ForbiddenError",
    "MarketDataUnavailableError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ProcessTimeoutError",
    "RateLimitedError",
    "RequestValidationError",
    "ServerError",
    "ServiceUnavailableError",
    "UnprocessableError",
    "error_from_response",
]


class ChartImgError(Exception):
    """The base of every error this package raises."""


class RequestValidationError(ChartImgError, ValueError):
    """A request that the spec rejects, caught before it is sent.

    `field_errors` uses the API's own `FieldError` shape, `location` always `body`.
    """

    def __init__(self, field_errors: list[FieldError]) -> None:
        self.field_errors = field_errors
        super().__init__("Invalid chart request: " + "; ".join(map(describe, field_errors)))


class APIConnectionError(ChartImgError):
    """The request never got an HTTP answer.

    Attributes:
        request_sent: False when the request certainly never reached the server (the
            connection could not be made, or no pooled connection was free), so that even a
            request that creates something can be sent again.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        self.request_sent = request_sent
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """The server did not answer within the timeout."""


class APIResponseError(ChartImgError):
    """A successful status whose body does not match the spec."""


class DownloadVerificationError(ChartImgError):
    """Downloaded bytes that differ from the stored chart's `size` or `etag`."""


class APIStatusError(ChartImgError):
    """An HTTP error answer.

    Attributes:
        status_code: the HTTP status.
        body: the decoded JSON body, or the text when the body is not JSON.
        message: the API's `message`, or a summary of what the body was.
        response: the `httpx.Response`.
    """

    status: ClassVar[int | None] = None

    def __init__(self, response: httpx.Response, body: Any, message: str) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.message = message
        super().__init__(_summary(response, message))


class BadRequestError(APIStatusError):
    status = 400


class ForbiddenError(APIStatusError):
    status = 403


class NotFoundError(APIStatusError):
    status = 404


class PayloadTooLargeError(APIStatusError):
    status = 413


class UnprocessableError(APIStatusError):
    """A 422: either `field_errors` (one per bad field) or a single `message`."""

    status = 422

    def __init__(self, response: httpx.Response, body: Any, message: str) -> None:
        self.field_errors = _field_errors(body)
        if self.field_errors:
            message = "; ".join(map(describe, self.field_errors))
        super().__init__(response, body, message)


class RateLimitedError(APIStatusError):
    """A 429; `retry_after` is the `Retry-After` header in seconds, when there is one."""

    status = 429

    def __init__(self, response: httpx.Response, body: Any, message: str) -> None:
        self.retry_after = parse_retry_after(response.headers.get("retry-after"))
        super().__init__(response, body, message)


class ServerError(APIStatusError):
    status = 500


class MarketDataUnavailableError(ServerError):
    """The server's market data upstream failed and it had nothing cached to stand in."""

    status = 502


class ServiceUnavailableError(ServerError):
    """A service the server needs answered nothing (its shared rate limiter): retry later."""

    status = 503


class ProcessTimeoutError(APIStatusError):
    status = 504


_BY_STATUS: dict[int, type[APIStatusError]] = {
    cls.status: cls
    for cls in (
        BadRequestError,
        ForbiddenError,
        NotFoundError,
        PayloadTooLargeError,
        UnprocessableError,
        RateLimitedError,
        ServerError,
        MarketDataUnavailableError,
        ServiceUnavailableError,
        ProcessTimeoutError,
    )
    if cls.status is not None
}


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The typed error for a read 4xx/5xx response, whatever its body."""
    body, message = _decode(response)
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else APIStatusError
    return cls(response, body, message)


def _summary(response: httpx.Response, message: str) -> str:
    """`429 Too Many Requests: slow down`, and `429 Too Many Requests` alone when the message
    only repeats the reason phrase."""
    status = f"{response.status_code} {response.reason_phrase}".rstrip()
    if message.strip().rstrip(".").casefold() in {"", response.reason_phrase.casefold()}:
        return status
    return f"{status}: {message}"


def describe(error: FieldError) -> str:
    got = "" if isinstance(error.value, Unset) else f" (got {error.value!r})"
    return f"{error.path}: {error.msg}{got}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: either delay-seconds or an HTTP date."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _decode(response: httpx.Response) -> tuple[Any, str]:
    content_type = response.headers.get("content-type", "unknown content type")
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = response.text
        return text, f"the response is not JSON ({content_type.split(';')[0]})"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body, str(body["message"])
    return body, "the error body has no message"


def _field_errors(body: Any) -> list[FieldError]:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    try:
        return [FieldError.from_dict(item) for item in body["errors"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return []
