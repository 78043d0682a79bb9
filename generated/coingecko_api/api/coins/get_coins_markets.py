from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.coin_gecko_error import CoinGeckoError
from ...models.coin_market import CoinMarket
from ...models.markets_order import MarketsOrder
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    vs_currency: str,
    ids: str | Unset = UNSET,
    order: MarketsOrder | Unset = UNSET,
    per_page: int | Unset = UNSET,
    page: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["vs_currency"] = vs_currency

    params["ids"] = ids

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order.value

    params["order"] = json_order

    params["per_page"] = per_page

    params["page"] = page

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/coins/markets",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | CoinGeckoError | list[CoinMarket] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = CoinMarket.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        response_400 = CoinGeckoError.from_dict(response.json())

        return response_400

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
) -> Response[Any | CoinGeckoError | list[CoinMarket]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    ids: str | Unset = UNSET,
    order: MarketsOrder | Unset = UNSET,
    per_page: int | Unset = UNSET,
    page: int | Unset = UNSET,
) -> Response[Any | CoinGeckoError | list[CoinMarket]]:
    """Market data of coins

     Price, market cap and rank of the coins named in `ids` (or of all coins, a page at a time), in
    `order`. The adapter asks for the ids that share a symbol, ordered by market cap, and takes the
    first with a market cap. Costs one call.

    Args:
        vs_currency (str):
        ids (str | Unset):
        order (MarketsOrder | Unset): How `/coins/markets` orders its entries.
        per_page (int | Unset):
        page (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CoinGeckoError | list[CoinMarket]]
    """

    kwargs = _get_kwargs(
        vs_currency=vs_currency,
        ids=ids,
        order=order,
        per_page=per_page,
        page=page,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    ids: str | Unset = UNSET,
    order: MarketsOrder | Unset = UNSET,
    per_page: int | Unset = UNSET,
    page: int | Unset = UNSET,
) -> Any | CoinGeckoError | list[CoinMarket] | None:
    """Market data of coins

     Price, market cap and rank of the coins named in `ids` (or of all coins, a page at a time), in
    `order`. The adapter asks for the ids that share a symbol, ordered by market cap, and takes the
    first with a market cap. Costs one call.

    Args:
        vs_currency (str):
        ids (str | Unset):
        order (MarketsOrder | Unset): How `/coins/markets` orders its entries.
        per_page (int | Unset):
        page (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CoinGeckoError | list[CoinMarket]
    """

    return sync_detailed(
        client=client,
        vs_currency=vs_currency,
        ids=ids,
        order=order,
        per_page=per_page,
        page=page,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    ids: str | Unset = UNSET,
    order: MarketsOrder | Unset = UNSET,
    per_page: int | Unset = UNSET,
    page: int | Unset = UNSET,
) -> Response[Any | CoinGeckoError | list[CoinMarket]]:
    """Market data of coins

     Price, market cap and rank of the coins named in `ids` (or of all coins, a page at a time), in
    `order`. The adapter asks for the ids that share a symbol, ordered by market cap, and takes the
    first with a market cap. Costs one call.

    Args:
        vs_currency (str):
        ids (str | Unset):
        order (MarketsOrder | Unset): How `/coins/markets` orders its entries.
        per_page (int | Unset):
        page (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CoinGeckoError | list[CoinMarket]]
    """

    kwargs = _get_kwargs(
        vs_currency=vs_currency,
        ids=ids,
        order=order,
        per_page=per_page,
        page=page,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    ids: str | Unset = UNSET,
    order: MarketsOrder | Unset = UNSET,
    per_page: int | Unset = UNSET,
    page: int | Unset = UNSET,
) -> Any | CoinGeckoError | list[CoinMarket] | None:
    """Market data of coins

     Price, market cap and rank of the coins named in `ids` (or of all coins, a page at a time), in
    `order`. The adapter asks for the ids that share a symbol, ordered by market cap, and takes the
    first with a market cap. Costs one call.

    Args:
        vs_currency (str):
        ids (str | Unset):
        order (MarketsOrder | Unset): How `/coins/markets` orders its entries.
        per_page (int | Unset):
        page (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CoinGeckoError | list[CoinMarket]
    """

    return (
        await asyncio_detailed(
            client=client,
            vs_currency=vs_currency,
            ids=ids,
            order=order,
            per_page=per_page,
            page=page,
        )
    ).parsed
