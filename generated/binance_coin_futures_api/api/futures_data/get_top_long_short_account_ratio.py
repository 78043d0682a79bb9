from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.binance_error import BinanceError
from ...models.coin_top_long_short_ratio import CoinTopLongShortRatio
from ...models.period import Period
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    pair: str,
    period: Period,
    limit: int | Unset = UNSET,
    start_time: int | Unset = UNSET,
    end_time: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["pair"] = pair

    json_period = period.value
    params["period"] = json_period

    params["limit"] = limit

    params["startTime"] = start_time

    params["endTime"] = end_time

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/futures/data/topLongShortAccountRatio",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | BinanceError | list[CoinTopLongShortRatio] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = CoinTopLongShortRatio.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        response_400 = BinanceError.from_dict(response.json())

        return response_400

    if response.status_code == 418:
        response_418 = BinanceError.from_dict(response.json())

        return response_418

    if response.status_code == 429:
        response_429 = BinanceError.from_dict(response.json())

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
) -> Response[Any | BinanceError | list[CoinTopLongShortRatio]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    pair: str,
    period: Period,
    limit: int | Unset = UNSET,
    start_time: int | Unset = UNSET,
    end_time: int | Unset = UNSET,
) -> Response[Any | BinanceError | list[CoinTopLongShortRatio]]:
    """Top traders' long/short accounts ratio

     Among the top 20 % of accounts by margin balance, the share of accounts whose net position is long
    and short, and their ratio (`longShortRatio`), one element per period, for all contracts of a pair.
    Only the last 30 days exist.

    Args:
        pair (str): A COIN-M underlying pair on Binance.
        period (Period): The length of one element. CHART-IMG's `1m`, `3m`, `1W` and `1M` have no
            such period.
        limit (int | Unset):
        start_time (int | Unset): A UNIX time in milliseconds (not seconds).
        end_time (int | Unset): A UNIX time in milliseconds (not seconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | BinanceError | list[CoinTopLongShortRatio]]
    """

    kwargs = _get_kwargs(
        pair=pair,
        period=period,
        limit=limit,
        start_time=start_time,
        end_time=end_time,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    pair: str,
    period: Period,
    limit: int | Unset = UNSET,
    start_time: int | Unset = UNSET,
    end_time: int | Unset = UNSET,
) -> Any | BinanceError | list[CoinTopLongShortRatio] | None:
    """Top traders' long/short accounts ratio

     Among the top 20 % of accounts by margin balance, the share of accounts whose net position is long
    and short, and their ratio (`longShortRatio`), one element per period, for all contracts of a pair.
    Only the last 30 days exist.

    Args:
        pair (str): A COIN-M underlying pair on Binance.
        period (Period): The length of one element. CHART-IMG's `1m`, `3m`, `1W` and `1M` have no
            such period.
        limit (int | Unset):
        start_time (int | Unset): A UNIX time in milliseconds (not seconds).
        end_time (int | Unset): A UNIX time in milliseconds (not seconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | BinanceError | list[CoinTopLongShortRatio]
    """

    return sync_detailed(
        client=client,
        pair=pair,
        period=period,
        limit=limit,
        start_time=start_time,
        end_time=end_time,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    pair: str,
    period: Period,
    limit: int | Unset = UNSET,
    start_time: int | Unset = UNSET,
    end_time: int | Unset = UNSET,
) -> Response[Any | BinanceError | list[CoinTopLongShortRatio]]:
    """Top traders' long/short accounts ratio

     Among the top 20 % of accounts by margin balance, the share of accounts whose net position is long
    and short, and their ratio (`longShortRatio`), one element per period, for all contracts of a pair.
    Only the last 30 days exist.

    Args:
        pair (str): A COIN-M underlying pair on Binance.
        period (Period): The length of one element. CHART-IMG's `1m`, `3m`, `1W` and `1M` have no
            such period.
        limit (int | Unset):
        start_time (int | Unset): A UNIX time in milliseconds (not seconds).
        end_time (int | Unset): A UNIX time in milliseconds (not seconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | BinanceError | list[CoinTopLongShortRatio]]
    """

    kwargs = _get_kwargs(
        pair=pair,
        period=period,
        limit=limit,
        start_time=start_time,
        end_time=end_time,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    pair: str,
    period: Period,
    limit: int | Unset = UNSET,
    start_time: int | Unset = UNSET,
    end_time: int | Unset = UNSET,
) -> Any | BinanceError | list[CoinTopLongShortRatio] | None:
    """Top traders' long/short accounts ratio

     Among the top 20 % of accounts by margin balance, the share of accounts whose net position is long
    and short, and their ratio (`longShortRatio`), one element per period, for all contracts of a pair.
    Only the last 30 days exist.

    Args:
        pair (str): A COIN-M underlying pair on Binance.
        period (Period): The length of one element. CHART-IMG's `1m`, `3m`, `1W` and `1M` have no
            such period.
        limit (int | Unset):
        start_time (int | Unset): A UNIX time in milliseconds (not seconds).
        end_time (int | Unset): A UNIX time in milliseconds (not seconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | BinanceError | list[CoinTopLongShortRatio]
    """

    return (
        await asyncio_detailed(
            client=client,
            pair=pair,
            period=period,
            limit=limit,
            start_time=start_time,
            end_time=end_time,
        )
    ).parsed
