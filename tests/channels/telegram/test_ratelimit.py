"""Flood control on a fake clock: what goes at once, what waits, and for how long.

The end-to-end side (the real Application against the fake Bot API, whose flood control bans
like Telegram's) is in test_bot_e2e.py, test_faults.py and bench/load.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram.ratelimit import ChatAwareRateLimiter

GROUP = -100
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeTime:
    """A clock that moves only when someone sleeps (or a request takes `took` seconds)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def limiter(time: FakeTime) -> ChatAwareRateLimiter:
    return ChatAwareRateLimiter(clock=time.clock, sleep=time.sleep)


async def send(
    limiter: ChatAwareRateLimiter, chat: int | None, *, took: float = 0.0, time: FakeTime | None = None
) -> float:
    """One request to `chat`; returns the (fake) time it left."""
    left: list[float] = []

    async def callback() -> dict[str, Any]:
        assert time is not None or not took
        if time is not None:
            left.append(time.now)
            time.now += took
        return {"ok": True}

    data = {} if chat is None else {"chat_id": chat}
    await limiter.process_request(callback, (), {}, "sendMessage", data, None)
    return left[0] if left else 0.0


async def test_a_burst_across_chats_goes_at_once(limiter: ChatAwareRateLimiter, time: FakeTime) -> None:
    await asyncio.gather(*(send(limiter, 1000 + i) for i in range(30)))
    assert time.sleeps == []


async def test_past_30_in_a_second_waits_only_for_the_oldest_to_leave(
    limiter: ChatAwareRateLimiter, time: FakeTime
) -> None:
    for i in range(30):
        await send(limiter, 1000 + i)
    assert time.sleeps == []
    await send(limiter, 2000)
    assert sum(time.sleeps) == pytest.approx(1.05, abs=0.01)


async def test_requests_without_a_chat_are_not_counted(limiter: ChatAwareRateLimiter, time: FakeTime) -> None:
    for _ in range(100):
        await send(limiter, None)
    await send(limiter, 1)
    assert time.sleeps == []


async def test_a_chat_gets_a_short_burst_then_one_a_second(
    limiter: ChatAwareRateLimiter, time: FakeTime
) -> None:
    for _ in range(3):
        await send(limiter, 7)
    assert time.sleeps == []
    await send(limiter, 8)  # another chat is not held up
    assert time.sleeps == []
    await send(limiter, 7)
    assert sum(time.sleeps) == pytest.approx(1.05, abs=0.01)
    await send(limiter, 7)
    assert sum(time.sleeps) == pytest.approx(2.10, abs=0.01)


async def test_a_group_gets_20_a_minute(limiter: ChatAwareRateLimiter, time: FakeTime) -> None:
    lefts = [await send(limiter, GROUP, time=time) for _ in range(21)]
    assert lefts[:3] == [0.0, 0.0, 0.0]  # its burst as a chat
    assert lefts[19] < 60.0 <= lefts[20], "the 21st waits until the first has left the minute"
    assert lefts[20] == pytest.approx(60.05, abs=0.01)


async def test_the_window_counts_a_request_when_its_answer_came(
    limiter: ChatAwareRateLimiter, time: FakeTime
) -> None:
    """Telegram counts a request on arrival, which may be as late as its answer: a slow one
    holds its place in the window from when it left until a second after its answer."""
    await send(limiter, 1, took=0.5, time=time)
    for i in range(29):
        await send(limiter, 1000 + i, time=time)
    left = await send(limiter, 2000, time=time)
    assert left == pytest.approx(0.5 + 1.05, abs=0.01)


async def test_a_slow_answer_moves_the_chats_pace_back(limiter: ChatAwareRateLimiter, time: FakeTime) -> None:
    await send(limiter, 7, took=0.8, time=time)
    await send(limiter, 7, time=time)
    await send(limiter, 7, time=time)
    left = await send(limiter, 7, time=time)
    assert left == pytest.approx(0.8 + 1.05, abs=0.01), "as if the first had left at 0.8 s"


async def test_retry_after_pauses_only_its_chat(limiter: ChatAwareRateLimiter, time: FakeTime) -> None:
    calls: list[float] = []

    async def throttled() -> bool:
        calls.append(time.now)
        if len(calls) == 1:
            raise RetryAfter(dt.timedelta(seconds=2))
        return True

    await limiter.process_request(throttled, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert calls == [0.0, pytest.approx(2.1)]
    before = time.now
    await send(limiter, 8)  # another chat: no wait
    assert time.now == before
    with pytest.raises(RetryAfter):

        async def always() -> bool:
            raise RetryAfter(dt.timedelta(seconds=1))

        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 9}, 1)


async def test_many_chats_leave_little_behind(limiter: ChatAwareRateLimiter, time: FakeTime) -> None:
    for i in range(1100):
        await send(limiter, -(10_000 + i))
        time.now += 0.1
    # Swept every 512 requests: a chat's pace is forgotten once spent, a group's a minute later.
    assert len(limiter._paces) < 600 and len(limiter._groups) < 800
