from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.okx_error import OkxError
from ...models.period import Period
from ...models.ratio_response import RatioResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    inst_id: str,
    period: Period,
    begin: int | Unset = UNSET,
    end: int | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["instId"] = inst_id

    json_period = period.value
    params["period"] = json_period

    params["begin"] = begin

    params["end"] = end

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v5/rubik/stat/contracts/long-short-position-ratio-contract-top-trader",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | OkxError | RatioResponse | None:
    if response.status_code == 200:
        response_200 = RatioResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = OkxError.from_dict(response.json())

        return response_400

    if response.status_code == 429:
        response_429 = OkxError.from_dict(response.json())

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
) -> Response[Any | OkxError | RatioResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    inst_id: str,
    period: Period,
    begin: int | Unset = UNSET,
    end: int | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[Any | OkxError | RatioResponse]:
    """Top traders' long/short positions ratio

     Among OKX's top traders on a contract, the size of their long positions over their short positions,
    one `[ts, ratio]` pair per period, newest first.

    Args:
        inst_id (str): An OKX instrument id, upper case, dash-separated.
        period (Period): The length of one pair, as OKX spells it (upper-case `H` and `D`). CHART-
            IMG's `1m`, `3m`, `1W` and `1M` have no such period here.
        begin (int | Unset): A UNIX time in milliseconds.
        end (int | Unset): A UNIX time in milliseconds.
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | OkxError | RatioResponse]
    """

    kwargs = _get_kwargs(
        inst_id=inst_id,
        period=period,
        begin=begin,
        end=end,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    inst_id: str,
    period: Period,
    begin: int | Unset = UNSET,
    end: int | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Any | OkxError | RatioResponse | None:
    """Top traders' long/short positions ratio

     Among OKX's top traders on a contract, the size of their long positions over their short positions,
    one `[ts, ratio]` pair per period, newest first.

    Args:
        inst_id (str): An OKX instrument id, upper case, dash-separated.
        period (Period): The length of one pair, as OKX spells it (upper-case `H` and `D`). CHART-
            IMG's `1m`, `3m`, `1W` and `1M` have no such period here.
        begin (int | Unset): A UNIX time in milliseconds.
        end (int | Unset): A UNIX time in milliseconds.
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | OkxError | RatioResponse
    """

    return sync_detailed(
        client=client,
        inst_id=inst_id,
        period=period,
        begin=begin,
        end=end,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    inst_id: str,
    period: Period,
    begin: int | Unset = UNSET,
    end: int | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[Any | OkxError | RatioResponse]:
    """Top traders' long/short positions ratio

     Among OKX's top traders on a contract, the size of their long positions over their short positions,
    one `[ts, ratio]` pair per period, newest first.

    Args:
        inst_id (str): An OKX instrument id, upper case, dash-separated.
        period (Period): The length of one pair, as OKX spells it (upper-case `H` and `D`). CHART-
            IMG's `1m`, `3m`, `1W` and `1M` have no such period here.
        begin (int | Unset): A UNIX time in milliseconds.
        end (int | Unset): A UNIX time in milliseconds.
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | OkxError | RatioResponse]
    """

    kwargs = _get_kwargs(
        inst_id=inst_id,
        period=period,
        begin=begin,
        end=end,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    inst_id: str,
    period: Period,
    begin: int | Unset = UNSET,
    end: int | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Any | OkxError | RatioResponse | None:
    """Top traders' long/short positions ratio

     Among OKX's top traders on a contract, the size of their long positions over their short positions,
    one `[ts, ratio]` pair per period, newest first.

    Args:
        inst_id (str): An OKX instrument id, upper case, dash-separated.
        period (Period): The length of one pair, as OKX spells it (upper-case `H` and `D`). CHART-
            IMG's `1m`, `3m`, `1W` and `1M` have no such period here.
        begin (int | Unset): A UNIX time in milliseconds.
        end (int | Unset): A UNIX time in milliseconds.
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | OkxError | RatioResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            inst_id=inst_id,
            period=period,
            begin=begin,
            end=end,
            limit=limit,
        )
    ).parsed
