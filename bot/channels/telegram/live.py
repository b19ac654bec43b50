"""Showing work in progress without tripping Telegram's flood limits.

`LiveMessage` is the one throttled "message that changes": a streamed answer's preview and a
contemplation's status line are both one. It shows the newest text at most once per
`interval`, never the text it already shows, and never holds up the caller: a single flusher
task sends while the caller goes on reading the model's stream, and a preview still waiting
for its turn is dropped once the answer is complete.

- Private chats preview an answer with `sendMessageDraft` (ephemeral, animated by the client),
  then send it with `sendMessage`; if drafts are refused, throttled edits of one message.
- Groups: the 20-messages-a-minute group limit counts edits and chat actions too, so a group
  sees "typing…" (sparsely renewed) and then the finished answer once.

Previews and "typing…" are cosmetic: they draw on a budget shared by every chat
(`StreamPolicy.cosmetic_per_second`, below Telegram's 30 messages a second), so real answers
for other chats never queue behind them; a failed preview is skipped, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, TelegramError

from bot.answering.answer import Answer
from bot.channels.telegram import delivery
from bot.channels.telegram.delivery import Target
from bot.channels.telegram.render import TELEGRAM_TEXT_LIMIT, render_messages

__all__ = ["Budget", "LiveMessage", "StreamPolicy", "keep_typing", "show_stream"]

_LOG = logging.getLogger(__name__)
_PREVIEW_LIMIT = TELEGRAM_TEXT_LIMIT - 96
_CURSOR = " ▍"
Clock = Callable[[], float]


class Budget:
    """A token bucket, never waited on: a cosmetic call goes out only if a token is free now."""

    def __init__(self, rate: float, burst: float, clock: Clock = time.monotonic) -> None:
        self._rate, self._burst, self._clock = rate, burst, clock
        self._tokens, self._at = burst, clock()

    def take(self) -> bool:
        now = self._clock()
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
    """How often a chat may be updated while an answer streams or a contemplation runs
    (seconds), and how many cosmetic calls (previews, typing) all chats together may make per
    second. One policy (and so one budget) per running bot."""

    draft_interval: float = 1.0
    edit_interval: float = 1.5
    private_typing_interval: float = 4.5
    group_typing_interval: float = 9.0
    private_status_interval: float = 1.0
    group_status_interval: float = 3.0
    cosmetic_per_second: float = 15.0
    budget: Budget = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rate = self.cosmetic_per_second
        object.__setattr__(self, "budget", Budget(rate, max(1.0, rate)))


class LiveMessage:
    """A message that shows the newest text, throttled; `drafts` previews ephemerally.

    `cosmetic` previews draw on the shared budget (streamed answers); a contemplation's status
    line does not, since it is the only sign of life for a long wait.
    """

    def __init__(
        self, target: Target, policy: StreamPolicy, *, interval: float, drafts: bool, cosmetic: bool
    ) -> None:
        self._target, self._policy, self._interval = target, policy, interval
        self._kind: Literal["draft", "edit"] = "draft" if drafts else "edit"
        self._cosmetic = cosmetic
        self._draft_id = random.randint(1, 2**31 - 1)
        self.message_id: int | None = None
        self._shown, self._shown_at = "", float("-inf")
        self._pending: str | None = None
        self._sending = False
        self._stopped = False
        self._flusher: asyncio.Task[None] | None = None

    def show(self, markdown: str) -> None:
        """Show this text when the throttle allows (the newest text wins)."""
        html = _preview(markdown)
        if self._stopped or not html or html == self._shown:
            return
        self._pending = html
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=f"live-{self._target.chat_id}")

    async def stop(self) -> None:
        """No more previews; one already on its way finishes only if its message id is needed."""
        self._stopped, self._pending = True, None
        if self._flusher is None:
            return
        if self._sending and self.message_id is None and self._kind == "edit":
            await asyncio.shield(self._flusher)  # abandoning the first send would lose its id
        self._flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._flusher

    async def finish(self, answer: Answer, *, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the preview by the answer: the edited message (plus any further parts), or,
        after drafts or no preview at all, the answer sent anew."""
        await self.stop()
        chunks = render_messages(answer.markdown())
        if self._kind == "draft" or self.message_id is None or not chunks:
            await delivery.send_answer(self._target, answer, markup=markup)
            return
        first_markup = markup if len(chunks) == 1 else None
        if chunks[0] != self._shown or first_markup is not None:
            await delivery.edit_html(self._target, self.message_id, chunks[0], markup=first_markup)
        for i, chunk in enumerate(chunks[1:], 2):
            last = i == len(chunks)
            await delivery.send_html(self._target, chunk, threaded=False, markup=markup if last else None)

    async def settle(self, markdown: str, *, markup: InlineKeyboardMarkup | None = None) -> None:
        """The last word of a status line (a summary, or "cancelled"), after its turn."""
        await self.stop()
        if self.message_id is None:
            return
        await asyncio.sleep(self._wait())
        chunks = render_messages(markdown)
        if chunks:
            with contextlib.suppress(TelegramError):
                await delivery.edit_html(self._target, self.message_id, chunks[0], markup=markup)

    async def _flush(self) -> None:
        while self._pending is not None and not self._stopped:
            wait = self._wait()
            if wait <= 0 and self._cosmetic and not self._policy.budget.take():
                wait = self._policy.budget.next_in()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            html, self._pending = self._pending, None
            self._sending = True
            try:
                await self._send(html)
            finally:
                self._sending = False

    def _wait(self) -> float:
        return max(0.0, self._shown_at + self._interval - time.monotonic())

    async def _send(self, html: str) -> None:
        """One preview. Cosmetic: a refusal is logged and skipped, never raised."""
        try:
            if self._kind == "draft":
                await self._send_draft(html)
            elif self.message_id is None:
                sent = await delivery.send_html(self._target, html)
                self.message_id = sent.message_id if sent is not None else None
            else:
                await delivery.edit_html(self._target, self.message_id, html)
        except Forbidden as exc:
            _LOG.info("Not allowed to post in chat %s: %s", self._target.chat_id, exc.message)
            self._stopped = True
            return
        except TelegramError as exc:
            _LOG.info("Skipped a preview in chat %s: %s", self._target.chat_id, exc.message)
        self._shown, self._shown_at = html, time.monotonic()

    async def _send_draft(self, html: str) -> None:
        try:
            await delivery.send_draft(self._target, self._draft_id, html)
        except (BadRequest, InvalidToken, EndPointNotFound) as exc:
            # 400: drafts refused here; 404 (which python-telegram-bot calls InvalidToken): a
            # Bot API server too old to know sendMessageDraft. Edits of one message instead.
            _LOG.info("Drafts refused (%s); streaming by edits instead", exc.message)
            self._kind, self._interval = "edit", self._policy.edit_interval
            sent = await delivery.send_html(self._target, html)
            self.message_id = sent.message_id if sent is not None else None


def _preview(markdown: str) -> str:
    """The partial answer as valid Telegram HTML, with a cursor, within one message."""
    if not markdown.strip():
        return ""
    chunks = render_messages(markdown.rstrip() + _CURSOR, limit=_PREVIEW_LIMIT)
    return chunks[0] if chunks else ""


async def keep_typing(target: Target, policy: StreamPolicy, *, private: bool) -> None:
    """ "typing…" until cancelled, renewed sparsely, within the shared cosmetic budget."""
    interval = policy.private_typing_interval if private else policy.group_typing_interval
    while True:
        if not policy.budget.take():
            await asyncio.sleep(policy.budget.next_in())
            continue
        await delivery.chat_action(target)
        await asyncio.sleep(interval)


async def show_stream(
    target: Target,
    pieces: AsyncIterator[str],
    policy: StreamPolicy,
    *,
    private: bool,
    finish: Callable[[LiveMessage | None], Awaitable[None]],
) -> None:
    """Read a streamed answer into the chat: previews (private) or "typing…" (groups) while it
    is written, then `finish(preview)` shows the final answer (in place of the preview)."""
    live = (
        LiveMessage(target, policy, interval=policy.draft_interval, drafts=True, cosmetic=True)
        if private
        else None
    )
    typing = asyncio.create_task(keep_typing(target, policy, private=private))
    text = ""
    try:
        async for piece in pieces:
            text += piece
            if live is not None and text.strip():
                typing.cancel()
                live.show(text)
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
        if live is not None:
            await live.stop()
    await finish(live)
