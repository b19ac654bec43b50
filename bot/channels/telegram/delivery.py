"""Getting things into a chat, whatever Telegram says back: the only module that sends.

Every message, chart, edit, draft, chat action and button answer goes through here, so the
rules hold everywhere: Markdown is rendered once and split below Telegram's limits; groups get
replies threaded to the asker; a forum topic gets every send and chat action in that topic; a
parse error falls back to plain text instead of losing the answer; a migrated group is followed
to its supergroup; a 502/503 from Telegram's front end is sent again; a chat that blocked or
removed the bot is logged quietly, never retried; a send that timed out is logged and never
apologised for (it may well have arrived); a button whose spinner cannot be stopped still
gets its work done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResult,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.answering.answer import Answer
from bot.channels.telegram.render import html_to_plain, render_caption, render_messages
from bot.conversation import Button

__all__ = [
    "Target",
    "answer_callback",
    "answer_inline",
    "chat_action",
    "delete",
    "edit_html",
    "keyboard",
    "send_answer",
    "send_chart",
    "send_draft",
    "send_html",
    "send_text",
]

_LOG = logging.getLogger(__name__)
_GATEWAY_RETRIES = 2
_Send = Callable[[int], Awaitable[Any]]


class Target:
    """Where things go: a chat, the forum topic within it, and in groups the message replied to;
    `texts` and `charts` collect the ids of the messages that went there (so an answer can later
    be edited in place)."""

    def __init__(
        self, bot: Bot, chat_id: int, reply_to: int | None = None, thread_id: int | None = None
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.reply_to = reply_to
        self.thread_id = thread_id
        self.texts: list[int] = []
        self.charts: list[int] = []

    @classmethod
    def for_message(cls, message: Message) -> Target:
        """Answer `message` where it was asked: its topic, and threaded to it in groups."""
        threaded = message.chat.type != "private"
        return cls(
            message.get_bot(),
            message.chat_id,
            message.message_id if threaded else None,
            topic_of(message),
        )

    def _reply(self) -> ReplyParameters | None:
        if self.reply_to is None:
            return None
        return ReplyParameters(self.reply_to, allow_sending_without_reply=True)


def topic_of(message: Message) -> int | None:
    """The forum topic a message is in (None for General and for chats without topics).

    Only a topic message's thread id names a topic: in a supergroup without topics, a reply's
    `message_thread_id` is a reply thread, and sending to it would fail."""
    return message.message_thread_id if message.is_topic_message else None


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button a row (example questions read better that way)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)] for b in buttons])


async def send_answer(
    target: Target, answer: Answer, *, markup: InlineKeyboardMarkup | None = None
) -> list[Message]:
    """The answer's text (with its source line) in as many messages as it needs; `markup`
    goes under the last one."""
    chunks = render_messages(answer.markdown())
    sent: list[Message] = []
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        with _unconfirmed(target, "a message"):  # a part that timed out: the rest still go
            message = await _post_html(target, chunk, threaded=i == 0, markup=markup if last else None)
            if message is None:  # the chat does not let the bot post
                break
            sent.append(message)
    return sent


async def send_text(target: Target, markdown: str) -> Message | None:
    """A short note (one message; the first chunk if it were ever longer)."""
    chunks = render_messages(markdown)
    return await send_html(target, chunks[0], threaded=True) if chunks else None


async def send_html(
    target: Target, html: str, *, threaded: bool = True, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """One rendered message; None if the chat does not let the bot post, or if Telegram did not
    confirm it in time (it may have arrived: see `_unconfirmed`)."""
    with _unconfirmed(target, "a message"):
        return await _post_html(target, html, threaded=threaded, markup=markup)
    return None


async def _post_html(
    target: Target, html: str, *, threaded: bool, markup: InlineKeyboardMarkup | None
) -> Message | None:
    """`send_html`, raising `TimedOut`."""
    reply = target._reply() if threaded else None

    def send(chat_id: int, text: str, parse_mode: str | None) -> Awaitable[Message]:
        return target.bot.send_message(
            chat_id,
            text,
            parse_mode=parse_mode,
            reply_parameters=reply,
            message_thread_id=target.thread_id,
            reply_markup=markup,
        )

    try:
        found: Message = await _deliver(target, lambda chat_id: send(chat_id, html, ParseMode.HTML))
    except Forbidden as exc:
        _LOG.info("Not allowed to post in chat %s: %s", target.chat_id, exc.message)
        return None
    except BadRequest as exc:
        if "parse entities" not in exc.message.lower():
            raise
        _LOG.warning("Telegram could not parse our HTML (%s); sending plain text", exc.message)
        plain = html_to_plain(html)
        found = await _deliver(target, lambda chat_id: send(chat_id, plain, None))
    target.texts.append(found.message_id)
    return found


async def send_chart(target: Target, png: bytes, caption_markdown: str) -> Message | None:
    """A chart with its caption (cut to Telegram's 1024), in the asker's topic; None if refused."""
    caption = render_caption(caption_markdown)
    await chat_action(target, ChatAction.UPLOAD_PHOTO)
    try:
        found: Message = await _deliver(
            target,
            lambda chat_id: target.bot.send_photo(
                chat_id,
                png,
                caption=caption or None,
                parse_mode=ParseMode.HTML,
                message_thread_id=target.thread_id,
                reply_parameters=target._reply(),
            ),
        )
        target.charts.append(found.message_id)
        return found
    except TimedOut as exc:
        _log_unconfirmed(target, "a chart", exc)
    except Forbidden as exc:
        _LOG.info("Not allowed to post in chat %s: %s", target.chat_id, exc.message)
    except BadRequest as exc:
        _LOG.warning("Telegram refused a chart for chat %s: %s", target.chat_id, exc.message)
    return None


async def edit_html(
    target: Target, message_id: int, html: str, *, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace a message's text; an unchanged text, a vanished message or an edit Telegram did
    not confirm in time is not an error."""
    with _unconfirmed(target, "an edit"):
        try:
            await target.bot.edit_message_text(
                html, target.chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as exc:
            text = exc.message.lower()
            if "not modified" in text or "message to edit not found" in text:
                return
            if "parse entities" not in text:
                raise
            await target.bot.edit_message_text(
                html_to_plain(html), target.chat_id, message_id, reply_markup=markup
            )


async def delete(target: Target, message_id: int) -> None:
    """Take back one of the bot's messages; one already gone (or too old) is left alone."""
    try:
        with _unconfirmed(target, "a deletion"):
            await target.bot.delete_message(target.chat_id, message_id)
    except BadRequest as exc:
        _LOG.info("Could not delete message %s in chat %s: %s", message_id, target.chat_id, exc.message)


async def send_draft(target: Target, draft_id: int, html: str) -> None:
    """An ephemeral preview (`sendMessageDraft`, private chats); raises what Telegram raises."""
    await target.bot.send_message_draft(
        target.chat_id, draft_id, html, parse_mode=ParseMode.HTML, message_thread_id=target.thread_id
    )


async def chat_action(target: Target, action: str = ChatAction.TYPING) -> None:
    """ "typing…" (or "sending a photo…") in the asker's topic; cosmetic, so never raises."""
    try:
        await target.bot.send_chat_action(target.chat_id, action, message_thread_id=target.thread_id)
    except TelegramError as exc:
        _LOG.debug("No chat action in chat %s: %s", target.chat_id, exc.message)


async def answer_callback(query: CallbackQuery, text: str | None = None) -> None:
    """Stop a button's spinner (and show `text` as a toast). This only stops the spinner, so
    nothing Telegram answers here may cost the tap its work: an expired query ("query is too
    old"), a network error, a 502 or a timeout, a 429 (waiting for it would delay the answer
    for a spinner Telegram stops by itself after a few seconds)."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        _LOG.info("Could not answer a button tap (%s); carrying on", exc.message)
    except (NetworkError, RetryAfter) as exc:
        _LOG.warning("Could not stop a button's spinner (%s); answering the tap anyway", exc.message)


async def react(target: Target, emoji: str) -> bool:
    """Put a reaction on the message `target` replies to: how a group is thanked without a new
    message. False when there is none, or the chat does not allow that reaction (an admin may
    limit them; Telegram answers REACTION_INVALID), or Telegram did not take it."""
    if target.reply_to is None:
        return False
    try:
        await target.bot.set_message_reaction(target.chat_id, target.reply_to, reaction=emoji)
    except (BadRequest, Forbidden, NetworkError, RetryAfter) as exc:
        _LOG.info("Could not react to a message (%s)", exc.message)
        return False
    return True


async def answer_inline(query: InlineQuery, results: Sequence[InlineQueryResult]) -> None:
    try:
        await query.answer(results, cache_time=300, is_personal=False)
    except BadRequest as exc:  # the query expired while we thought: nobody is waiting any more
        _LOG.info("Could not answer an inline query: %s", exc.message)


@contextlib.contextmanager
def _unconfirmed(target: Target, what: str) -> Iterator[None]:
    """A `TimedOut` means Telegram did not answer in time, not that the request never arrived:
    a slow Bot API usually delivers the message all the same. So it is neither sent again (a
    duplicate answer) nor apologised for (an apology under the answer); it is logged."""
    try:
        yield
    except TimedOut as exc:
        _log_unconfirmed(target, what, exc)


def _log_unconfirmed(target: Target, what: str, exc: TimedOut) -> None:
    _LOG.warning(
        "Telegram did not confirm %s to chat %s in time (%s); it may have arrived, so it is not sent again",
        what,
        target.chat_id,
        exc.message,
    )


async def _deliver(target: Target, send: _Send) -> Any:
    """A group upgraded to a supergroup has a new id: send there, and remember it."""
    try:
        return await _retry_gateway_errors(target, send)
    except ChatMigrated as exc:
        _LOG.info("Chat %s moved to %s", target.chat_id, exc.new_chat_id)
        target.chat_id = exc.new_chat_id
        return await _retry_gateway_errors(target, send)


async def _retry_gateway_errors(target: Target, send: _Send) -> Any:
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
