"""Getting an answer into a chat, whatever Telegram says back.

All sending goes through here so the rules hold everywhere: Markdown is rendered once, split
below Telegram's limits, threaded to the asker in groups; a parse error falls back to plain
text instead of losing the answer; a migrated group is followed to its supergroup; a chat that
blocked or removed the bot is logged quietly, never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TimedOut

from bot.answer import Answer
from bot.telegram.render import html_to_plain, render_caption, render_messages

_LOG = logging.getLogger(__name__)
_GATEWAY_RETRIES = 2
_Send = Callable[[int], Awaitable[Message]]


class Target:
    """Where an answer goes: a chat, and in groups the message it replies to."""

    def __init__(self, bot: Bot, chat_id: int, reply_to: int | None = None) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.reply_to = reply_to

    @classmethod
    def for_message(cls, message: Message) -> Target:
        threaded = message.chat.type != "private"
        return cls(message.get_bot(), message.chat_id, message.message_id if threaded else None)

    def _reply(self) -> ReplyParameters | None:
        if self.reply_to is None:
            return None
        return ReplyParameters(self.reply_to, allow_sending_without_reply=True)


async def send_answer(target: Target, answer: Answer) -> list[Message]:
    """Send the answer's text (with its source line) in as many messages as it needs."""
    sent: list[Message] = []
    for i, chunk in enumerate(render_messages(answer.markdown())):
        message = await _send_html(target, chunk, threaded=i == 0)
        if message is None:
            break
        sent.append(message)
    return sent


async def send_text(target: Target, markdown: str) -> Message | None:
    chunks = render_messages(markdown)
    return await _send_html(target, chunks[0], threaded=True) if chunks else None


async def send_chart(target: Target, png: bytes, caption_markdown: str) -> Message | None:
    caption = render_caption(caption_markdown)
    try:
        return await _follow_migration(
            target,
            lambda chat_id: target.bot.send_photo(
                chat_id, png, caption=caption or None, parse_mode=ParseMode.HTML
            ),
        )
    except Forbidden as exc:
        _LOG.info("Not allowed to post in chat %s: %s", target.chat_id, exc.message)
    except BadRequest as exc:
        _LOG.warning("Telegram refused a chart for chat %s: %s", target.chat_id, exc.message)
    return None


async def _send_html(target: Target, html: str, *, threaded: bool) -> Message | None:
    reply = target._reply() if threaded else None
    try:
        return await _follow_migration(
            target,
            lambda chat_id: target.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
                link_preview_options=None,
            ),
        )
    except Forbidden as exc:
        _LOG.info("Not allowed to post in chat %s: %s", target.chat_id, exc.message)
        return None
    except BadRequest as exc:
        if "parse entities" not in exc.message.lower():
            raise
        _LOG.warning("Telegram could not parse our HTML (%s); sending plain text", exc.message)
        plain = html_to_plain(html)
        return await _follow_migration(
            target, lambda chat_id: target.bot.send_message(chat_id, plain, reply_parameters=reply)
        )


async def _follow_migration(target: Target, send: _Send) -> Message:
    """A group upgraded to a supergroup has a new id: send there, and remember it."""
    try:
        return await _retry_gateway_errors(target, send)
    except ChatMigrated as exc:
        _LOG.info("Chat %s moved to %s", target.chat_id, exc.new_chat_id)
        target.chat_id = exc.new_chat_id
        return await _retry_gateway_errors(target, send)


async def _retry_gateway_errors(target: Target, send: _Send) -> Message:
    """A 502/503 from Telegram's front end means the request never reached the Bot API, so it
    is safe to send again; python-telegram-bot does not. A timeout is *not* retried: the
    message may have gone out, and a duplicate answer is worse than a late one."""
    for attempt in range(_GATEWAY_RETRIES + 1):
        try:
            return await send(target.chat_id)
        except (TimedOut, ChatMigrated):
            raise
        except NetworkError as exc:
            if attempt == _GATEWAY_RETRIES or isinstance(exc, BadRequest | Forbidden):
                raise
            _LOG.warning("Telegram answered %r; sending again", exc.message)
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


async def edit_html(target: Target, message_id: int, html: str) -> None:
    """Replace a message's text; an unchanged text or a vanished message is not an error."""
    try:
        await target.bot.edit_message_text(html, target.chat_id, message_id, parse_mode=ParseMode.HTML)
    except BadRequest as exc:
        text = exc.message.lower()
        if "not modified" in text or "message to edit not found" in text:
            return
        if "parse entities" not in text:
            raise
        await target.bot.edit_message_text(html_to_plain(html), target.chat_id, message_id)
