"""Showing an LLM answer while it is written, without tripping Telegram's flood limits.

- Private chats: `sendMessageDraft` previews (ephemeral, animated by the client) at most once
  a second, then the finished answer with `sendMessage`. If drafts are refused, throttled
  edits of one message instead.
- Groups: the 20-messages-a-minute group limit counts edits and chat actions too, so a group
  sees "typing…" (sparsely renewed) and then the finished answer once.

Every update is skipped when the text has not changed, so Telegram never answers "message is
not modified"; the final text is rendered and split like any other answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass

from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.answer import Answer
from bot.telegram.delivery import Target, edit_html, send_answer
from bot.telegram.render import TELEGRAM_TEXT_LIMIT, render_messages

_LOG = logging.getLogger(__name__)
_PREVIEW_LIMIT = TELEGRAM_TEXT_LIMIT - 96
_CURSOR = " ▍"


@dataclass(frozen=True)
class StreamPolicy:
    """How often a chat may be updated while an answer streams (seconds)."""

    draft_interval: float = 1.0
    edit_interval: float = 1.5
    private_typing_interval: float = 4.5
    group_typing_interval: float = 9.0


async def stream_answer(target: Target, answer: Answer, *, private: bool, policy: StreamPolicy) -> str:
    """Consume `answer.stream` into the chat; return the full text (also set on `answer`)."""
    assert answer.stream is not None
    show: _Shower = _DraftShower(target, policy) if private else _Shower(target, policy)
    typing = asyncio.create_task(_keep_typing(target, policy, private))
    parts: list[str] = []
    try:
        async for chunk in answer.stream:
            parts.append(chunk)
            if private and "".join(parts).strip():
                typing.cancel()
            show = await show.update("".join(parts))
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
    answer.text = "".join(parts).strip() or "(The model returned an empty answer.)"
    answer.stream = None
    await show.finish(answer)
    return answer.text


class _Shower:
    """Shows nothing while the answer streams (groups), then sends it once."""

    def __init__(self, target: Target, policy: StreamPolicy) -> None:
        self._target, self._policy = target, policy

    async def update(self, text: str) -> _Shower:
        return self

    async def finish(self, answer: Answer) -> None:
        await send_answer(self._target, answer)


@dataclass
class _Throttle:
    interval: float
    last_at: float = float("-inf")
    last_text: str = ""

    def due(self, text: str) -> bool:
        return text != self.last_text and time.monotonic() - self.last_at >= self.interval

    def mark(self, text: str) -> None:
        self.last_at, self.last_text = time.monotonic(), text


class _DraftShower(_Shower):
    """Ephemeral draft previews; switches to `_EditShower` if Telegram refuses drafts."""

    def __init__(self, target: Target, policy: StreamPolicy) -> None:
        super().__init__(target, policy)
        self._throttle = _Throttle(policy.draft_interval)
        self._draft_id = random.randint(1, 2**31 - 1)

    async def update(self, text: str) -> _Shower:
        preview = _preview(text)
        if not preview or not self._throttle.due(preview):
            return self
        try:
            await self._target.bot.send_message_draft(
                self._target.chat_id, self._draft_id, preview, parse_mode=ParseMode.HTML
            )
        except BadRequest as exc:
            _LOG.info("Drafts refused (%s); streaming by edits instead", exc.message)
            return await _EditShower(self._target, self._policy).update(text)
        self._throttle.mark(preview)
        return self


class _EditShower(_Shower):
    """One message, edited at most every `edit_interval`, finally replaced by the answer."""

    def __init__(self, target: Target, policy: StreamPolicy) -> None:
        super().__init__(target, policy)
        self._throttle = _Throttle(policy.edit_interval)
        self._message_id: int | None = None

    async def update(self, text: str) -> _Shower:
        preview = _preview(text)
        if not preview or not self._throttle.due(preview):
            return self
        if self._message_id is None:
            message = await self._target.bot.send_message(
                self._target.chat_id, preview, parse_mode=ParseMode.HTML
            )
            self._message_id = message.message_id
        else:
            await edit_html(self._target, self._message_id, preview)
        self._throttle.mark(preview)
        return self

    async def finish(self, answer: Answer) -> None:
        chunks = render_messages(answer.markdown())
        if self._message_id is None or not chunks:
            await send_answer(self._target, answer)
            return
        if chunks[0] != self._throttle.last_text:
            await edit_html(self._target, self._message_id, chunks[0])
        for chunk in chunks[1:]:
            await self._target.bot.send_message(self._target.chat_id, chunk, parse_mode=ParseMode.HTML)


def _preview(markdown: str) -> str:
    """The partial answer as valid Telegram HTML, with a cursor, within one message."""
    chunks = render_messages(markdown.rstrip() + _CURSOR, limit=_PREVIEW_LIMIT)
    return chunks[0] if chunks else ""


async def _keep_typing(target: Target, policy: StreamPolicy, private: bool) -> None:
    """ "typing…" until the first text shows (private) or the answer is sent (groups)."""
    interval = policy.private_typing_interval if private else policy.group_typing_interval
    with contextlib.suppress(Forbidden, TelegramError):
        while True:
            await target.bot.send_chat_action(target.chat_id, ChatAction.TYPING)
            await asyncio.sleep(interval)
