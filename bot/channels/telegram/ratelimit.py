"""Flood control without a fixed grid: send at once while under Telegram's limits, queue the rest.

Telegram's limits (docs/architecture.md, "Telegram facts"): about 30 messages a second overall,
20 a minute in a group, and about one a second in a chat with short bursts allowed; edits and
chat actions count. A request that fits all three goes out at once; only one that would break a
limit waits, and only as long as that limit needs.

The algorithms are pyrate-limiter's: a sliding-window log (`InMemoryBucket` with its default
`SlidingWindowLog`) for the overall and per-group limits, which are "at most N in any window",
and GCRA (the token bucket kept as one timestamp) for a chat's own pace, "one a second, a few
at once". Why not the alternatives:

- python-telegram-bot's `AIORateLimiter` is aiolimiter's leaky bucket. A bucket of capacity C
  draining r a second lets C + r through in a second, so it either takes a burst at once or
  keeps 30 a second up, never both ("30 per second" in it admits up to 60 in a second); one
  `RetryAfter` pauses every chat, and private chats get no pace at all.
- `limits` counts whole seconds only, reads the wall clock, and runs an expiry thread.

What this module adds is the composition, which no library does for Telegram:

- **All at once.** A request goes only when every limit it falls under has room at the same
  moment, and is then counted by all of them: taking a slot from one and waiting for another
  would send it later than it was counted.
- **Counted where Telegram counts.** Telegram counts a request when it *arrives*, somewhere
  between the moment it left and the moment its answer came back. So a request holds its place
  in a window from the moment it is sent, and its entry in the log is stamped when its answer
  arrives (the latest it can have been counted); a chat's pace is pushed back by the time the
  request took. Slow networks and a busy event loop then cannot bunch requests up at Telegram's
  end beyond its limits.
- **First come, first served.** Requests waiting for room in the overall window queue in order
  of arrival (an `asyncio.Lock` is FIFO); one whose own chat is paced waits outside that queue
  and holds up no other chat.
- **A 429 pauses only its chat**, for as long as Telegram said; the request is then tried again
  (`max_retries`, or the call's own `rate_limit_args`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from pyrate_limiter import GCRA, InMemoryBucket, Rate, RateItem
from pyrate_limiter.abstracts.algorithm import State
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

_LOG = logging.getLogger(__name__)
JSONDict = dict[str, Any]
ChatKey = int | str
_PRUNE_EVERY = 512  # requests between sweeps of idle chats' state
_IN_FLIGHT_POLL = 0.02  # seconds between looks when a window is full of unanswered requests


class ChatAwareRateLimiter(BaseRateLimiter[int]):
    """Telegram's overall, per-group and per-chat limits; a 429 pauses only its chat.

    Defaults: 30 requests in any second overall, 20 in any minute per group, and per chat a
    burst of `chat_burst`, then one a second; each window `slack` seconds longer than Telegram's,
    as Telegram's limits are approximate. `clock` (seconds) and `sleep` are for tests."""

    def __init__(
        self,
        *,
        max_retries: int = 3,
        overall_per_second: int = 30,
        group_per_minute: int = 20,
        chat_burst: int = 3,
        chat_interval: float = 1.0,
        slack: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._overall = _Window(Rate(overall_per_second, _ms(1.0 + slack)))
        self._group_rate = Rate(group_per_minute, _ms(60.0 + slack))
        self._groups: dict[ChatKey, _Window] = {}
        self._pace_rates = [Rate(1, _ms(chat_interval + slack), burst=chat_burst)]
        self._gcra = GCRA()
        self._paces: dict[ChatKey, State] = {}  # each chat's GCRA state: its theoretical arrival time
        self._paused_until: dict[ChatKey, float] = {}
        self._queue = asyncio.Lock()  # FIFO: the order requests wait for the overall window
        self._clock = clock
        self._sleep = sleep
        self._retries = max_retries
        self._sent = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat = _chat_key(data.get("chat_id"))
        if chat is None:  # getUpdates, answerCallbackQuery, inline answers…: no chat to flood
            return await callback(*args, **kwargs)
        retries = rate_limit_args if rate_limit_args is not None else self._retries
        for attempt in range(retries + 1):
            sent = await self._admit(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                delay = _seconds(exc)
                _LOG.info("Telegram asked to wait %.1f s before sending to chat %s", delay, chat)
                self._paused_until[chat] = self._clock() + delay + 0.1
            finally:
                self._answered(chat, sent)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- admission ----------------------------------------------------------------------------

    async def _admit(self, chat: ChatKey) -> float:
        """Wait until `chat` may send (only as long as a limit needs), count the request in every
        limit it falls under, and return the time it left."""
        while True:
            wait = self._chat_wait(chat, self._clock())
            if wait > 0:  # the chat's own pause, pace or group window: wait outside the queue
                await self._sleep(wait)
                continue
            async with self._queue:
                while True:
                    now = self._clock()
                    if self._chat_wait(chat, now) > 0:  # paused by a 429 meanwhile
                        break
                    wait = self._overall.wait(now)
                    if wait <= 0:
                        self._send(chat, now)
                        return now
                    await self._sleep(wait)

    def _chat_wait(self, chat: ChatKey, now: float) -> float:
        """Seconds until the chat's pause, pace and (for a group) window all allow one more."""
        waits = [self._paused_until.get(chat, 0.0) - now]
        if chat in self._paces:
            _, decision = self._gcra.step(self._pace_rates, self._paces[chat], _ms(now), 1)
            if not decision.allowed:
                waits.append((decision.retry_after_ms or 1) / 1000)
        if chat in self._groups:
            waits.append(self._groups[chat].wait(now))
        return max(waits)

    def _send(self, chat: ChatKey, now: float) -> None:
        """Count one request leaving now in every limit it falls under (all have room)."""
        self._overall.sending()
        if _is_group(chat):
            self._groups.setdefault(chat, _Window(self._group_rate)).sending()
        pace = self._paces.get(chat) or self._gcra.initial(self._pace_rates)
        self._paces[chat], _ = self._gcra.step(self._pace_rates, pace, _ms(now), 1)
        self._sent += 1
        if self._sent % _PRUNE_EVERY == 0:
            self._prune(now)

    def _answered(self, chat: ChatKey, sent: float) -> None:
        """The answer is in: Telegram counted the request by now at the latest."""
        now = self._clock()
        self._overall.answered(now)
        if chat in self._groups:
            self._groups[chat].answered(now)
        if chat in self._paces:  # as if it had left only now: the pace moves back by the delay
            delay_us = int((now - sent) * 1_000_000)
            self._paces[chat] = tuple(tat + delay_us for tat in self._paces[chat])

    def _prune(self, now: float) -> None:
        """Forget chats with nothing left to wait for, so a bot in many chats stays small."""
        for chat, pace in list(self._paces.items()):
            if self._gcra.consumed(self._pace_rates, pace, _ms(now)) == 0:
                del self._paces[chat]
        for chat, window in list(self._groups.items()):
            if window.idle(now):
                del self._groups[chat]
        for chat in [c for c, until in self._paused_until.items() if until <= now]:
            del self._paused_until[chat]


class _Window:
    """At most `rate.limit` requests in any `rate.interval`: a sliding-window log of answered
    requests (stamped when their answer came), plus the requests still waiting for theirs."""

    def __init__(self, rate: Rate) -> None:
        self._rate = rate
        self._log = InMemoryBucket([rate])
        self._in_flight = 0

    def wait(self, now: float) -> float:
        """Seconds until one more fits (0: it fits now)."""
        now_ms = _ms(now)
        self._log.leak(now_ms)  # entries that left the window go
        room = self._rate.limit - self._in_flight
        if self._log.count() < room:
            return 0.0
        if room <= 0:  # the window is all unanswered requests: look again soon
            return _IN_FLIGHT_POLL
        blocking = self._log.peek(room - 1)  # the entry whose expiry makes room
        if blocking is None:  # pragma: no cover - count says it is there
            return 0.0
        return max(0.001, (blocking.timestamp + self._rate.interval + 1 - now_ms) / 1000)

    def sending(self) -> None:
        self._in_flight += 1

    def answered(self, now: float) -> None:
        self._in_flight -= 1
        # Always fits: it held its place while in flight (and answers come in time order).
        self._log.put(RateItem("telegram", _ms(now)))

    def idle(self, now: float) -> bool:
        self._log.leak(_ms(now))
        return not self._in_flight and not self._log.count()


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _is_group(chat: ChatKey) -> bool:
    """Groups, supergroups and channels: negative ids, or an @username (channels only)."""
    return isinstance(chat, str) or chat < 0


def _seconds(exc: RetryAfter) -> float:
    """`retry_after` is becoming a timedelta in python-telegram-bot; accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _chat_key(chat_id: object) -> ChatKey | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload, no-any-return]
    return str(chat_id)
