from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.coin_gecko_error import CoinGeckoError
from ...models.market_chart import MarketChart
from ...types import UNSET, Response


def _get_kwargs(
    id: str,
    *,
    vs_currency: str,
    from_: int,
    to: int,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["vs_currency"] = vs_currency

    params["from"] = from_

    params["to"] = to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/coins/{id}/market_chart/range".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | CoinGeckoError | MarketChart | None:
    if response.status_code == 200:
        response_200 = MarketChart.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = CoinGeckoError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = CoinGeckoError.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = CoinGeckoError.from_dict(response.json())

        return response_404

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
) -> Response[Any | CoinGeckoError | MarketChart]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    from_: int,
    to: int,
) -> Response[Any | CoinGeckoError | MarketChart]:
    """Price, market cap and volume over a window

     The coin's price, market cap and 24-hour volume between `from` and `to`, each as `[milliseconds,
    value]` pairs in ascending time. Granularity is automatic: 5-minute under a day, hourly up to 90
    days, daily beyond. A Demo key reaches back 365 days. Costs one call.

    Args:
        id (str): A CoinGecko coin id (lower case, dash-separated words).
        vs_currency (str):
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CoinGeckoError | MarketChart]
    """

    kwargs = _get_kwargs(
        id=id,
        vs_currency=vs_currency,
        from_=from_,
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    from_: int,
    to: int,
) -> Any | CoinGeckoError | MarketChart | None:
    """Price, market cap and volume over a window

     The coin's price, market cap and 24-hour volume between `from` and `to`, each as `[milliseconds,
    value]` pairs in ascending time. Granularity is automatic: 5-minute under a day, hourly up to 90
    days, daily beyond. A Demo key reaches back 365 days. Costs one call.

    Args:
        id (str): A CoinGecko coin id (lower case, dash-separated words).
        vs_currency (str):
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CoinGeckoError | MarketChart
    """

    return sync_detailed(
        id=id,
        client=client,
        vs_currency=vs_currency,
        from_=from_,
        to=to,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    from_: int,
    to: int,
) -> Response[Any | CoinGeckoError | MarketChart]:
    """Price, market cap and volume over a window

     The coin's price, market cap and 24-hour volume between `from` and `to`, each as `[milliseconds,
    value]` pairs in ascending time. Granularity is automatic: 5-minute under a day, hourly up to 90
    days, daily beyond. A Demo key reaches back 365 days. Costs one call.

    Args:
        id (str): A CoinGecko coin id (lower case, dash-separated words).
        vs_currency (str):
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | CoinGeckoError | MarketChart]
    """

    kwargs = _get_kwargs(
        id=id,
        vs_currency=vs_currency,
        from_=from_,
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    vs_currency: str,
    from_: int,
    to: int,
) -> Any | CoinGeckoError | MarketChart | None:
    """Price, market cap and volume over a window

     The coin's price, market cap and 24-hour volume between `from` and `to`, each as `[milliseconds,
    value]` pairs in ascending time. Granularity is automatic: 5-minute under a day, hourly up to 90
    days, daily beyond. A Demo key reaches back 365 days. Costs one call.

    Args:
        id (str): A CoinGecko coin id (lower case, dash-separated words).
        vs_currency (str):
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | CoinGeckoError | MarketChart
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            vs_currency=vs_currency,
            from_=from_,
            to=to,
        )
    ).parsed
