"""Showing an LLM answer while it is written, without tripping Telegram's flood limits.

- Private chats: `sendMessageDraft` previews (ephemeral, animated by the client) at most once
  every `draft_interval`, then the finished answer with `sendMessage`. If drafts are refused,
  throttled edits of one message instead.
- Groups: the 20-messages-a-minute group limit counts edits and chat actions too, so a group
  sees "typing…" (sparsely renewed) and then the finished answer once.

Previews are sent by a task of their own, so a slow Telegram call never holds up reading the
model's stream, the newest text is shown even when the model pauses, and a preview still
waiting for its turn is dropped the moment the answer is complete. Previews and "typing…" are
cosmetic: they draw on a budget shared by every chat (`StreamPolicy.cosmetic_per_second`),
below Telegram's 30 messages a second, so real answers for other chats never queue behind
them. A failed preview is skipped, never fatal: the final answer is what matters.

Every update is skipped when the text has not changed, so Telegram never answers "message is
not modified"; the final text is rendered and split like any other answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, TelegramError

from bot.answer import Answer
from bot.telegram.delivery import Target, edit_html, send_answer
from bot.telegram.render import TELEGRAM_TEXT_LIMIT, render_messages

_LOG = logging.getLogger(__name__)
_PREVIEW_LIMIT = TELEGRAM_TEXT_LIMIT - 96
_CURSOR = " ▍"


class _Budget:
    """A token bucket, never waited on: a cosmetic call goes out only if a token is free now."""

    def __init__(self, rate: float, burst: float) -> None:
        self._rate, self._burst = rate, burst
        self._tokens, self._at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def next_in(self) -> float:
        """Seconds until a token will be free (roughly)."""
        return max(0.0, (1.0 - self._tokens) / self._rate) if self._rate > 0 else 1.0


@dataclass(frozen=True)
class StreamPolicy:
    """How often a chat may be updated while an answer streams (seconds), and how many
    cosmetic calls (previews, typing) all chats together may make per second."""

    draft_interval: float = 1.0
    edit_interval: float = 1.5
    private_typing_interval: float = 4.5
    group_typing_interval: float = 9.0
    cosmetic_per_second: float = 15.0
    _budget: _Budget = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One budget per policy, and one policy per running bot (see `Services`).
        rate = self.cosmetic_per_second
        object.__setattr__(self, "_budget", _Budget(rate, max(1.0, rate)))


async def stream_answer(target: Target, answer: Answer, *, private: bool, policy: StreamPolicy) -> str:
    """Consume `answer.stream` into the chat; return the full text (also set on `answer`)."""
    assert answer.stream is not None
    stream = answer.stream
    live = _LivePreview(_DraftShower(target, policy) if private else _Shower(target, policy), policy)
    typing = asyncio.create_task(_keep_typing(target, policy, private))
    parts: list[str] = []
    try:
        async with _closing(stream):
            async for chunk in stream:
                parts.append(chunk)
                text = "".join(parts)
                if private and text.strip():
                    typing.cancel()
                live.offer(text)
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
        shower = await live.stop()
    answer.text = "".join(parts).strip() or "(The model returned an empty answer.)"
    answer.stream = None
    await shower.finish(answer)
    return answer.text


@contextlib.asynccontextmanager
async def _closing(stream: AsyncIterator[str]) -> AsyncIterator[None]:
    """Close the model's stream (and its HTTP response) however the loop ends."""
    try:
        yield
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


class _LivePreview:
    """Sends the newest text through a shower, paced by its throttle and the shared budget."""

    def __init__(self, shower: _Shower, policy: StreamPolicy) -> None:
        self.shower = shower
        self._budget = policy._budget
        self._latest = ""
        self._changed = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task = asyncio.create_task(self._run()) if shower.previews else None

    def offer(self, text: str) -> None:
        if self._task is not None and text.strip():
            self._latest = text
            self._changed.set()

    async def stop(self) -> _Shower:
        """Stop previewing; a preview already on its way is let through only if it must be."""
        if self._task is not None:
            self._changed.clear()
            if not self.shower.cancellable():
                await self._idle.wait()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.shower

    async def _run(self) -> None:
        while self.shower.previews:
            await self._changed.wait()
            wait = self.shower.wait_time()
            if wait <= 0 and not self._budget.take():
                wait = self._budget.next_in()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            self._changed.clear()
            self._idle.clear()
            try:
                self.shower = await self.shower.update(self._latest)
            except Exception:  # a preview is a nicety; whatever breaks it, the answer goes on
                _LOG.exception("Previews stopped for chat %s", self.shower.chat_id)
                return
            finally:
                self._idle.set()


class _Shower:
    """Shows nothing while the answer streams (groups), then sends it once."""

    previews = False

    def __init__(self, target: Target, policy: StreamPolicy) -> None:
        self._target, self._policy = target, policy

    @property
    def chat_id(self) -> int:
        return self._target.chat_id

    def cancellable(self) -> bool:
        """Whether a preview on its way may be abandoned when the answer is complete."""
        return True

    def wait_time(self) -> float:
        return 0.0

    async def update(self, text: str) -> _Shower:
        return self

    async def finish(self, answer: Answer) -> None:
        await send_answer(self._target, answer)


@dataclass
class _Throttle:
    interval: float
    last_at: float = float("-inf")
    last_text: str = ""

    def wait_time(self) -> float:
        return max(0.0, self.last_at + self.interval - time.monotonic())

    def mark(self, text: str | None = None) -> None:
        self.last_at = time.monotonic()
        if text is not None:
            self.last_text = text


class _PreviewShower(_Shower):
    """Shows throttled previews; what a preview is (a draft, an edit) is the subclass's."""

    previews = True

    def __init__(self, target: Target, policy: StreamPolicy, interval: float) -> None:
        super().__init__(target, policy)
        self._throttle = _Throttle(interval)

    def wait_time(self) -> float:
        return self._throttle.wait_time()

    async def _show(self, preview: str) -> _Shower | None:
        """Send one preview; return another shower to switch to, or None to carry on."""
        raise NotImplementedError

    async def update(self, text: str) -> _Shower:
        preview = _preview(text)
        if not preview or preview == self._throttle.last_text:
            return self
        try:
            switch = await self._show(preview)
        except Forbidden as exc:
            _LOG.info("Not allowed to post in chat %s: %s", self._target.chat_id, exc.message)
            return _Shower(self._target, self._policy)
        except TelegramError as exc:  # a preview is cosmetic: skip it, the answer still comes
            _LOG.info("Skipped a preview in chat %s: %s", self._target.chat_id, exc.message)
            self._throttle.mark()
            return self
        if switch is not None:
            return await switch.update(text)
        self._throttle.mark(preview)
        return self


class _DraftShower(_PreviewShower):
    """Ephemeral draft previews; switches to `_EditShower` if Telegram refuses drafts."""

    def __init__(self, target: Target, policy: StreamPolicy) -> None:
        super().__init__(target, policy, policy.draft_interval)
        self._draft_id = random.randint(1, 2**31 - 1)

    async def _show(self, preview: str) -> _Shower | None:
        try:
            await self._target.bot.send_message_draft(
                self._target.chat_id, self._draft_id, preview, parse_mode=ParseMode.HTML
            )
        except (BadRequest, InvalidToken, EndPointNotFound) as exc:
            # 400: drafts refused here; 404 (which python-telegram-bot calls InvalidToken): a
            # Bot API server too old to know sendMessageDraft.
            _LOG.info("Drafts refused (%s); streaming by edits instead", exc.message)
            return _EditShower(self._target, self._policy)
        return None


class _EditShower(_PreviewShower):
    """One message, edited at most every `edit_interval`, finally replaced by the answer."""

    def __init__(self, target: Target, policy: StreamPolicy) -> None:
        super().__init__(target, policy, policy.edit_interval)
        self._message_id: int | None = None

    def cancellable(self) -> bool:
        # Abandoning the first send could leave a message whose id we never learn.
        return self._message_id is not None

    async def _show(self, preview: str) -> _Shower | None:
        if self._message_id is None:
            message = await self._target.bot.send_message(
                self._target.chat_id, preview, parse_mode=ParseMode.HTML
            )
            self._message_id = message.message_id
        else:
            await edit_html(self._target, self._message_id, preview)
        return None

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
    if not markdown.strip():
        return ""
    chunks = render_messages(markdown.rstrip() + _CURSOR, limit=_PREVIEW_LIMIT)
    return chunks[0] if chunks else ""


async def _keep_typing(target: Target, policy: StreamPolicy, private: bool) -> None:
    """ "typing…" until the first text shows (private) or the answer is sent (groups)."""
    interval = policy.private_typing_interval if private else policy.group_typing_interval
    budget = policy._budget
    with contextlib.suppress(Forbidden, TelegramError):
        while True:
            if not budget.take():
                await asyncio.sleep(budget.next_in())
                continue
            await target.bot.send_chat_action(target.chat_id, ChatAction.TYPING)
            await asyncio.sleep(interval)
