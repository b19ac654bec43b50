"""Flood control: python-telegram-bot's AIORateLimiter, with 429s paused per chat.

AIORateLimiter already keeps the overall (30/s) and per-group (20/min) limits (tightened below so
bursts stay inside them too). Two gaps matter
for a busy bot (docs/architecture.md, "Telegram facts"): it has no per-chat pace for private chats, and a
`RetryAfter` from one chat pauses *every* request. This subclass asks the parent for no retries
of its own and instead pauses only the chat that Telegram throttled, for as long as it said.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

_LOG = logging.getLogger(__name__)
JSONDict = dict[str, Any]


class ChatAwareRateLimiter(AIORateLimiter):
    def __init__(self, *, max_retries: int = 3, private_chat_burst: int = 3) -> None:
        # aiolimiter is a leaky bucket: in any window it admits its capacity *plus* the rate, so
        # the defaults (30 per 1 s, 20 per 60 s) let through ~60/s overall and ~40/min in a group.
        # A small capacity with the same rate keeps every window within Telegram's limits:
        # 5 + 25/s ≤ 30 in any second; 2 + one per 7 s ≈ 19 in any minute of a group.
        super().__init__(
            overall_max_rate=5, overall_time_period=0.2, group_max_rate=2, group_time_period=7, max_retries=0
        )
        # Telegram counts requests as they arrive, and they arrive with jitter: one request every
        # 1/28 s, never a burst, keeps any second below 30 with room to spare.
        self._base_limiter = AsyncLimiter(1, 1 / 28)
        # With no retries of its own the parent logs every 429 as an error with a traceback;
        # this class handles them, and logs them itself at INFO.
        logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
        self._chat_retries = max_retries
        self._burst = private_chat_burst
        self._paused_until: dict[int | str, float] = {}
        self._private: dict[int | str, AsyncLimiter] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = _chat_key(data.get("chat_id"))
        retries = rate_limit_args if rate_limit_args is not None else self._chat_retries

        async def paced(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            # The chat's own pace is taken after the overall queue, right before sending: taken
            # before it, a long wait there lets the chat's next messages go out back to back.
            await self._wait_for_chat(chat_id)
            return await callback(*call_args, **call_kwargs)

        for attempt in range(retries + 1):
            try:
                return await super().process_request(paced, args, kwargs, endpoint, data, 0)
            except RetryAfter as exc:
                if attempt == retries or chat_id is None:
                    raise
                delay = _seconds(exc)
                _LOG.info("Telegram asked to wait %.1f s before sending to chat %s", delay, chat_id)
                self._paused_until[chat_id] = time.monotonic() + float(delay) + 0.1
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait_for_chat(self, chat_id: int | str | None) -> None:
        if chat_id is None:
            return
        pause = self._paused_until.get(chat_id, 0.0) - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        if isinstance(chat_id, int) and chat_id > 0:
            limiter = self._private.setdefault(chat_id, AsyncLimiter(self._burst, self._burst * 1.2))
            await limiter.acquire()


def _seconds(exc: RetryAfter) -> float:
    """`retry_after` is becoming a timedelta in python-telegram-bot; accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload, no-any-return]
    return str(chat_id)
