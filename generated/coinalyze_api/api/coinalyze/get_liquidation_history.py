from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.convert_to_usd import ConvertToUsd
from ...models.error_message import ErrorMessage
from ...models.interval import Interval
from ...models.liquidation_history import LiquidationHistory
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
    convert_to_usd: ConvertToUsd | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["symbols"] = symbols

    json_interval = interval.value
    params["interval"] = json_interval

    params["from"] = from_

    params["to"] = to

    json_convert_to_usd: str | Unset = UNSET
    if not isinstance(convert_to_usd, Unset):
        json_convert_to_usd = convert_to_usd.value

    params["convert_to_usd"] = json_convert_to_usd

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/liquidation-history",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorMessage | list[LiquidationHistory] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = LiquidationHistory.from_dict(response_200_item_data)

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
) -> Response[Any | ErrorMessage | list[LiquidationHistory]]:
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
    convert_to_usd: ConvertToUsd | Unset = UNSET,
) -> Response[Any | ErrorMessage | list[LiquidationHistory]]:
    """Liquidation history

     Liquidated longs (`l`) and shorts (`s`) of each symbol per interval, in the unit the market's
    `oi_lq_vol_denominated_in` names, or in USD with `convert_to_usd=true`. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).
        convert_to_usd (ConvertToUsd | Unset): A boolean spelt as a string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorMessage | list[LiquidationHistory]]
    """

    kwargs = _get_kwargs(
        symbols=symbols,
        interval=interval,
        from_=from_,
        to=to,
        convert_to_usd=convert_to_usd,
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
    convert_to_usd: ConvertToUsd | Unset = UNSET,
) -> Any | ErrorMessage | list[LiquidationHistory] | None:
    """Liquidation history

     Liquidated longs (`l`) and shorts (`s`) of each symbol per interval, in the unit the market's
    `oi_lq_vol_denominated_in` names, or in USD with `convert_to_usd=true`. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).
        convert_to_usd (ConvertToUsd | Unset): A boolean spelt as a string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorMessage | list[LiquidationHistory]
    """

    return sync_detailed(
        client=client,
        symbols=symbols,
        interval=interval,
        from_=from_,
        to=to,
        convert_to_usd=convert_to_usd,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    symbols: str,
    interval: Interval,
    from_: int,
    to: int,
    convert_to_usd: ConvertToUsd | Unset = UNSET,
) -> Response[Any | ErrorMessage | list[LiquidationHistory]]:
    """Liquidation history

     Liquidated longs (`l`) and shorts (`s`) of each symbol per interval, in the unit the market's
    `oi_lq_vol_denominated_in` names, or in USD with `convert_to_usd=true`. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).
        convert_to_usd (ConvertToUsd | Unset): A boolean spelt as a string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorMessage | list[LiquidationHistory]]
    """

    kwargs = _get_kwargs(
        symbols=symbols,
        interval=interval,
        from_=from_,
        to=to,
        convert_to_usd=convert_to_usd,
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
    convert_to_usd: ConvertToUsd | Unset = UNSET,
) -> Any | ErrorMessage | list[LiquidationHistory] | None:
    """Liquidation history

     Liquidated longs (`l`) and shorts (`s`) of each symbol per interval, in the unit the market's
    `oi_lq_vol_denominated_in` names, or in USD with `convert_to_usd=true`. Each symbol costs one call.

    Args:
        symbols (str): Up to 20 Coinalyze symbols, separated by bare commas.
        interval (Interval): The length of one history point. CHART-IMG's `2h` is `2hour`; its
            `1W` and `1M` have no upstream interval and are built from `daily`.
        from_ (int): A UNIX time in seconds (not milliseconds).
        to (int): A UNIX time in seconds (not milliseconds).
        convert_to_usd (ConvertToUsd | Unset): A boolean spelt as a string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorMessage | list[LiquidationHistory]
    """

    return (
        await asyncio_detailed(
            client=client,
            symbols=symbols,
            interval=interval,
            from_=from_,
            to=to,
            convert_to_usd=convert_to_usd,
        )
    ).parsed
