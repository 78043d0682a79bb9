from http import HTTPStatus
from io import BytesIO
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.advanced_chart_request import AdvancedChartRequest
from ...models.error_message import ErrorMessage
from ...models.validation_error_list import ValidationErrorList
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: AdvancedChartRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v3/coinalyze/advanced-chart",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorMessage | ErrorMessage | ValidationErrorList | File | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ErrorMessage.from_dict(response.json())

        return response_400

    if response.status_code == 403:
        response_403 = ErrorMessage.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = ErrorMessage.from_dict(response.json())

        return response_413

    if response.status_code == 422:

        def _parse_response_422(data: object) -> ErrorMessage | ValidationErrorList:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_unprocessable_error_type_0 = (
                    ValidationErrorList.from_dict(data)
                )

                return componentsschemas_unprocessable_error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_unprocessable_error_type_1 = ErrorMessage.from_dict(data)

            return componentsschemas_unprocessable_error_type_1

        response_422 = _parse_response_422(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorMessage.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorMessage.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = ErrorMessage.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorMessage.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = ErrorMessage.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorMessage | ErrorMessage | ValidationErrorList | File]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AdvancedChartRequest | Unset = UNSET,
) -> Response[ErrorMessage | ErrorMessage | ValidationErrorList | File]:
    """Capture an advanced chart

     Renders a Coinalyze advanced chart and returns the image, PNG or JPEG as `format` asks.
    The body is optional: with no body, or an empty object, every default applies.

    Args:
        body (AdvancedChartRequest | Unset): The chart to capture. Every field is optional and
            takes its default when absent.
            Unknown fields are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | ErrorMessage | ValidationErrorList | File]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: AdvancedChartRequest | Unset = UNSET,
) -> ErrorMessage | ErrorMessage | ValidationErrorList | File | None:
    """Capture an advanced chart

     Renders a Coinalyze advanced chart and returns the image, PNG or JPEG as `format` asks.
    The body is optional: with no body, or an empty object, every default applies.

    Args:
        body (AdvancedChartRequest | Unset): The chart to capture. Every field is optional and
            takes its default when absent.
            Unknown fields are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | ErrorMessage | ValidationErrorList | File
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AdvancedChartRequest | Unset = UNSET,
) -> Response[ErrorMessage | ErrorMessage | ValidationErrorList | File]:
    """Capture an advanced chart

     Renders a Coinalyze advanced chart and returns the image, PNG or JPEG as `format` asks.
    The body is optional: with no body, or an empty object, every default applies.

    Args:
        body (AdvancedChartRequest | Unset): The chart to capture. Every field is optional and
            takes its default when absent.
            Unknown fields are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | ErrorMessage | ValidationErrorList | File]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AdvancedChartRequest | Unset = UNSET,
) -> ErrorMessage | ErrorMessage | ValidationErrorList | File | None:
    """Capture an advanced chart

     Renders a Coinalyze advanced chart and returns the image, PNG or JPEG as `format` asks.
    The body is optional: with no body, or an empty object, every default applies.

    Args:
        body (AdvancedChartRequest | Unset): The chart to capture. Every field is optional and
            takes its default when absent.
            Unknown fields are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | ErrorMessage | ValidationErrorList | File
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
