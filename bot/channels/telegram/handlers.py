"""Telegram handlers: parse the update, take one turn of the conversation, show the reply.

Each handler is a small async function; `app.register()` adds them all in one place. Who may be
answered (private chats always; in groups only commands, @mentions and replies to the bot) is
decided by filters, so the handlers never see group chatter.
"""

from __future__ import annotations

import html
import logging
import re
from uuid import uuid4

from telegram import InlineQueryResultArticle, InputTextMessageContent, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, Forbidden, TelegramError
from telegram.ext import filters

from bot import commands, texts
from bot.answering.answer import Answer
from bot.channels.telegram import delivery, replies
from bot.channels.telegram.context import Context
from bot.channels.telegram.delivery import Target, topic_of
from bot.channels.telegram.render import render_messages
from bot.conversation import Asker, Question
from bot.llm import ImagePart

_LOG = logging.getLogger(__name__)
CONFLICT_MESSAGE = (
    "Another bot instance is polling with this token (Telegram answered 409 Conflict). "
    "Stop the other one, or use a different token; this one is stopping."
)
SORRY = texts.SORRY
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_INLINE_RESULTS = 3


class AddressedToBot(filters.MessageFilter):
    """In a group: a reply to one of the bot's messages, or an @mention of the bot."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        return _mentions_bot(message, bot.username, bot.id)


def _mentions_bot(message: Message, username: str, bot_id: int) -> bool:
    """An @mention in the text, or in a photo's caption."""
    wanted = f"@{username}".lower()
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    for entity, text in found.items():
        if entity.type == MessageEntity.MENTION and text.lower() == wanted:
            return True
        if entity.user is not None and entity.user.id == bot_id:
            return True
    return False


def question_text(message: Message) -> str:
    """The message without the bot's @mention, which is addressing, not part of the question."""
    text = message.text or message.caption or ""
    username = message.get_bot().username
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def asker_of(message: Message) -> Asker:
    """Who asks: a message sent on behalf of a chat (anonymous group admins, a linked channel)
    spends that chat's quota, not the one shared placeholder user's."""
    user, sender = message.from_user, message.sender_chat
    return Asker(
        chat_id=message.chat_id,
        user_id=sender.id if sender is not None else (user.id if user is not None else None),
        private=message.chat.type == "private",
        thread_id=topic_of(message),
        channel="telegram",
    )


async def on_question(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    await _turn(update, message, Question(question_text(message), asker_of(message)), context)


async def on_photo(update: Update, context: Context) -> None:
    """A photo with a question goes to the language model, if it can see images."""
    message = update.effective_message
    if message is None or not message.photo:
        return
    target = Target.for_message(message)
    largest = max(message.photo, key=lambda p: p.file_size or p.width * p.height)
    if (largest.file_size or 0) > MAX_PHOTO_BYTES:
        await delivery.send_text(target, texts.PICTURE_TOO_LARGE)
        return
    if not context.services.conversation.engine.sees_images:
        await delivery.send_text(target, texts.NO_IMAGES)
        return
    data = bytes(await (await largest.get_file()).download_as_bytearray())
    text = question_text(message) or "What is in this picture?"
    question = Question(text, asker_of(message), images=(ImagePart(data, "image/jpeg"),))
    await _turn(update, message, question, context)


async def on_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    name = message.text.split()[0][1:].split("@")[0].lower()
    asker = asker_of(message)
    reply = await commands.run(context.services.conversation, name, context.args or [], asker)
    if reply is not None:
        await replies.show(reply, Target.for_message(message), asker, context, update)


async def _turn(update: Update, message: Message, question: Question, context: Context) -> None:
    reply = await context.services.conversation.turn(question)
    await replies.show(reply, Target.for_message(message), question.asker, context, update)


async def on_example(update: Update, context: Context) -> None:
    """A tap on one of /start's example questions asks it — even when the tap arrives too late
    for Telegram to stop the button's spinner."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    await delivery.answer_callback(query)
    index = int(query.data.removeprefix("ask:"))
    if not 0 <= index < len(texts.EXAMPLES):
        return
    message = query.message
    asker = Asker(
        chat_id=message.chat_id,
        user_id=query.from_user.id,
        private=message.chat.type == "private",
        thread_id=topic_of(message),
        channel="telegram",
    )
    reply = await context.services.conversation.turn(Question(texts.EXAMPLES[index], asker))
    reply.answer.text = f"_{texts.EXAMPLES[index]}_\n\n{reply.answer.text}"
    target = Target(context.bot, message.chat_id, thread_id=topic_of(message))
    await replies.show(reply, target, asker, context, update)


async def on_show_drafts(update: Update, context: Context) -> None:
    """The "Show drafts" button: each agent's draft, once, under the summary card."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    message_id = int(query.data.removeprefix("drafts:"))
    found = context.services.drafts.take(query.message.chat_id, message_id)
    if found is None or not found[1]:
        await delivery.answer_callback(query, texts.DRAFTS_GONE if found is None else texts.DRAFTS_SHOWN)
        return
    await delivery.answer_callback(query)
    target = Target(context.bot, query.message.chat_id, message_id, topic_of(query.message))
    await delivery.send_answer(target, replies.drafts_answer(found[0]))


async def on_inline_query(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    answers = context.services.conversation.engine.suggest(text, limit=_INLINE_RESULTS) if text else []
    await delivery.answer_inline(query, [_inline_card(a) for a in answers])


def _inline_card(answer: Answer) -> InlineQueryResultArticle:
    chunks = render_messages(answer.markdown())
    plain = re.sub(r"<[^>]+>", "", chunks[0]) if chunks else answer.text
    return InlineQueryResultArticle(
        id=uuid4().hex,
        title=(answer.title or "Muse Spark")[:64],
        description=html.unescape(plain)[:120],
        input_message_content=InputTextMessageContent(chunks[0], parse_mode=ParseMode.HTML),
    )


async def on_error(update: object, context: Context) -> None:
    """Log with the traceback for the operator; one short sentence for the user, never details."""
    error = context.error
    services = context.services
    services.conversation.metrics.errors.labels(type(error).__name__).inc()
    if isinstance(error, Conflict) and update is None:
        _LOG.error(CONFLICT_MESSAGE)
        services.exit_code = 3
        context.application.stop_running()
        return
    if isinstance(error, Forbidden):
        _LOG.info("Bot removed or blocked: %s", error.message)
        return
    if update is None:  # polling trouble: python-telegram-bot retries by itself
        _LOG.warning("Polling for updates failed: %s", error)
        return
    _LOG.error("Error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    try:
        await delivery.send_text(Target.for_message(update.effective_message), SORRY)
    except TelegramError:
        _LOG.warning("Could not tell the user about the error either")
