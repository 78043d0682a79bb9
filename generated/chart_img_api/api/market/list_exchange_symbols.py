from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_message import ErrorMessage
from ...models.exchange_symbols import ExchangeSymbols
from ...types import Response


def _get_kwargs(
    exchange_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v3/coinalyze/exchange/{exchange_id}".format(
            exchange_id=quote(str(exchange_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorMessage | ExchangeSymbols | None:
    if response.status_code == 200:
        response_200 = ExchangeSymbols.from_dict(response.json())

        return response_200

    if response.status_code == 403:
        response_403 = ErrorMessage.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorMessage.from_dict(response.json())

        return response_404

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorMessage | ExchangeSymbols]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    exchange_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorMessage | ExchangeSymbols]:
    """List exchange symbols

     Returns the symbols of one exchange: spot symbols as `BASEQUOTE` and perpetual
    contracts with the suffix `.P`. The exchange ID is case-insensitive.

    Args:
        exchange_id (str): A Coinalyze exchange ID, case-insensitive.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | ExchangeSymbols]
    """

    kwargs = _get_kwargs(
        exchange_id=exchange_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    exchange_id: str,
    *,
    client: AuthenticatedClient,
) -> ErrorMessage | ExchangeSymbols | None:
    """List exchange symbols

     Returns the symbols of one exchange: spot symbols as `BASEQUOTE` and perpetual
    contracts with the suffix `.P`. The exchange ID is case-insensitive.

    Args:
        exchange_id (str): A Coinalyze exchange ID, case-insensitive.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | ExchangeSymbols
    """

    return sync_detailed(
        exchange_id=exchange_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    exchange_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorMessage | ExchangeSymbols]:
    """List exchange symbols

     Returns the symbols of one exchange: spot symbols as `BASEQUOTE` and perpetual
    contracts with the suffix `.P`. The exchange ID is case-insensitive.

    Args:
        exchange_id (str): A Coinalyze exchange ID, case-insensitive.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorMessage | ExchangeSymbols]
    """

    kwargs = _get_kwargs(
        exchange_id=exchange_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    exchange_id: str,
    *,
    client: AuthenticatedClient,
) -> ErrorMessage | ExchangeSymbols | None:
    """List exchange symbols

     Returns the symbols of one exchange: spot symbols as `BASEQUOTE` and perpetual
    contracts with the suffix `.P`. The exchange ID is case-insensitive.

    Args:
        exchange_id (str): A Coinalyze exchange ID, case-insensitive.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorMessage | ExchangeSymbols
    """

    return (
        await asyncio_detailed(
            exchange_id=exchange_id,
            client=client,
        )
    ).parsed
