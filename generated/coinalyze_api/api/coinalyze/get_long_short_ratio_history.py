from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_message import ErrorMessage
from ...models.interval import Interval
from ...models.long_short_ratio_history import LongShortRatioHistory
from ...types import UNSET, Response


def _get_kwargs(
    *,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["symbols"] = symbols

    json_interval = interval.value
    params["interval"] = json_interval

    params["from"] = from_

    params["to"] = to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/long-short-ratio-history",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorMessage | list[LongShortRatioHistory] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = LongShortRatioHistory.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        response_400 = ErrorMessage.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorMessage.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = ErrorMessage.from_dict(response.json())

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
) -> Response[Any | ErrorMessage | list[LongShortRatioHistory]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
) -> Response[Any | ErrorMessage | list[LongShortRatioHistory]]:
    """Long/short ratio history

     Long/short accounts ratio of each symbol per interval: `l` and `s` are the shares of long and short
    accounts in percent, and `r = l / s`. Only markets whose `has_long_short_ratio_data` is true have
    one. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorMessage | list[LongShortRatioHistory]]
    """

    kwargs = _get_kwargs(
        symbols=symbols,
        interval=interval,
        from_=from_,
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
) -> Any | ErrorMessage | list[LongShortRatioHistory] | None:
    """Long/short ratio history

     Long/short accounts ratio of each symbol per interval: `l` and `s` are the shares of long and short
    accounts in percent, and `r = l / s`. Only markets whose `has_long_short_ratio_data` is true have
    one. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorMessage | list[LongShortRatioHistory]
    """

    return sync_detailed(
        client=client,
        symbols=symbols,
        interval=interval,
        from_=from_,
        to=to,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
) -> Response[Any | ErrorMessage | list[LongShortRatioHistory]]:
    """Long/short ratio history

     Long/short accounts ratio of each symbol per interval: `l` and `s` are the shares of long and short
    accounts in percent, and `r = l / s`. Only markets whose `has_long_short_ratio_data` is true have
    one. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorMessage | list[LongShortRatioHistory]]
    """

    kwargs = _get_kwargs(
        symbols=symbols,
        interval=interval,
        from_=from_,
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
) -> Any | ErrorMessage | list[LongShortRatioHistory] | None:
    """Long/short ratio history

     Long/short accounts ratio of each symbol per interval: `l` and `s` are the shares of long and short
    accounts in percent, and `r = l / s`. Only markets whose `has_long_short_ratio_data` is true have
    one. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorMessage | list[LongShortRatioHistory]
    """

    return (
        await asyncio_detailed(
            client=client,
            symbols=symbols,
            interval=interval,
            from_=from_,
            to=to,
        )
    ).parsed
