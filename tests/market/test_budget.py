"""The upstream call budget: a rolling window, waits within the caller's deadline, Retry-After."""

from __future__ import annotations

import anyio
import pytest
from chart_img_server.market import UpstreamBusyError
from chart_img_server.market._budget import CallBudget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_calls_fit_until_the_window_is_full() -> None:
    clock = Clock()
    budget = CallBudget("test", calls=40, monotonic=clock)
    assert budget.wait_for(40, clock.now) == 0
    budget._spent.append((clock.now, 30))
    assert budget.wait_for(10, clock.now) == 0
    assert budget.wait_for(11, clock.now) == pytest.approx(60.0)


def test_the_window_rolls_call_by_call() -> None:
    clock = Clock()
    budget = CallBudget("test", calls=40, monotonic=clock)
    budget._spent.extend([(1000.0, 20), (1030.0, 20)])
    clock.now = 1045.0
    assert budget.wait_for(1, clock.now) == pytest.approx(15.0)  # the first 20 expire at 1060
    assert budget.wait_for(21, clock.now) == pytest.approx(45.0)  # then the next 20 at 1090
    clock.now = 1060.0
    assert budget.spent == 20


async def test_spending_records_the_calls() -> None:
    budget = CallBudget("test", calls=3)
    await budget.spend(2)
    await budget.spend(1)
    assert budget.spent == 3


async def test_a_wait_beyond_the_deadline_is_busy_with_the_time_to_wait() -> None:
    budget = CallBudget("test", calls=3, period=60.0)
    await budget.spend(3)
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError) as caught:
        await budget.spend(1)
    assert 55 < caught.value.retry_after <= 60
    assert caught.value.upstream == "test"


async def test_a_wait_within_the_deadline_waits() -> None:
    budget = CallBudget("test", calls=2, period=0.2)
    await budget.spend(2)
    started = anyio.current_time()
    with anyio.fail_after(5):
        await budget.spend(2)
    assert anyio.current_time() - started >= 0.15
    assert budget.spent == 2


async def test_retry_after_blocks_every_call() -> None:
    budget = CallBudget("test", calls=40)
    budget.block(30)
    with anyio.fail_after(5), pytest.raises(UpstreamBusyError) as caught:
        await budget.spend(1)
    assert 25 < caught.value.retry_after <= 30


def test_more_calls_than_the_budget_can_never_fit() -> None:
    with pytest.raises(ValueError, match="never fit"):
        anyio.run(CallBudget("test", calls=20).spend, 21)
