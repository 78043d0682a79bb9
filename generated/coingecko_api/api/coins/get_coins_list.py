from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.coin_gecko_error import CoinGeckoError
from ...models.coin_list_entry import CoinListEntry
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/coins/list",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | CoinGeckoError | list[CoinListEntry] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = CoinListEntry.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 401:
        response_401 = CoinGeckoError.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = CoinGeckoError.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = cast(Any, None)
        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | CoinGeckoError | list[CoinListEntry]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | CoinGeckoError | list[CoinListEntry]]:
    """List coins

     Every coin CoinGecko lists: its id (for the other endpoints), its symbol (lower case, shared by many
    coins) and its name. About 17,000 entries; cache it. Costs one call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CoinGeckoError | list[CoinListEntry]]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Any | CoinGeckoError | list[CoinListEntry] | None:
    """List coins

     Every coin CoinGecko lists: its id (for the other endpoints), its symbol (lower case, shared by many
    coins) and its name. About 17,000 entries; cache it. Costs one call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CoinGeckoError | list[CoinListEntry]
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | CoinGeckoError | list[CoinListEntry]]:
    """List coins

     Every coin CoinGecko lists: its id (for the other endpoints), its symbol (lower case, shared by many
    coins) and its name. About 17,000 entries; cache it. Costs one call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CoinGeckoError | list[CoinListEntry]]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Any | CoinGeckoError | list[CoinListEntry] | None:
    """List coins

     Every coin CoinGecko lists: its id (for the other endpoints), its symbol (lower case, shared by many
    coins) and its name. About 17,000 entries; cache it. Costs one call.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CoinGeckoError | list[CoinListEntry]
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
