"""Telegram handlers: parse the update, take one turn of the conversation, show the reply.

Each handler is a small async function; `app.register()` adds them all in one place. Who may be
answered (private chats always; in groups only commands, @mentions and replies to the bot, and
never a linked channel's automatic forwards) is decided by filters, so the handlers never see
group chatter. What a message says (who asks, what, whether it is meant for the bot) is read by
`parse`; pictures and albums by `pictures`; edits in place by `edits`.
"""

from __future__ import annotations

import html
import logging
import re
from uuid import uuid4

from telegram import CallbackQuery, InlineQueryResultArticle, InputTextMessageContent, Message, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, Forbidden, TelegramError

from bot import commands, texts
from bot.answering.answer import Answer
from bot.answering.words import verbatim
from bot.channels.telegram import delivery, replies
from bot.channels.telegram.context import Context
from bot.channels.telegram.delivery import Target, topic_of
from bot.channels.telegram.parse import (
    addressed,
    asker_of,
    command_for_bot,
    question_text,
    words_beside_reply,
)
from bot.channels.telegram.pictures import Album, download, picture_of
from bot.channels.telegram.render import render_messages
from bot.conversation import Asker, Question, Reply
from bot.i18n import Speaker, speaker

_LOG = logging.getLogger(__name__)
CONFLICT_MESSAGE = (
    "Another bot instance is polling with this token (Telegram answered 409 Conflict). "
    "Stop the other one, or use a different token; this one is stopping."
)
SORRY = texts.SORRY
# Said through the asker's `Speaker`, so a translation in the catalogue is used once there is one.
_INLINE_RESULTS = 3


def say_for(context: Context, asker: Asker) -> Speaker:
    """The bot's own sentences in the asker's language (the chat's choice, else the client's)."""
    return speaker(context.services.conversation.language_for(asker))


async def on_question(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    question = Question(question_text(message), asker_of(message), own=words_beside_reply(message))
    await _turn(update, message, question, context)


async def on_picture(update: Update, context: Context) -> None:
    """A photo (or an image sent as a file), alone or as part of an album: one question."""
    message = update.effective_message
    if message is None:
        return
    if message.media_group_id is None:
        await _answer_pictures(update, [message], context)
        return
    album, first = context.services.albums.add(message, addressed=addressed(message))
    if first:
        album.task = context.application.create_task(
            _answer_album(update, album, context), update=update, name=f"album-{message.chat_id}"
        )
    if album.task is not None:
        context.services.inbox.hold(update, album.task)


async def _answer_album(update: Update, album: Album, context: Context) -> None:
    parts = await context.services.albums.complete(album)
    if album.addressed:  # in groups, an album is a question only if a part is meant for the bot
        await _answer_pictures(update, parts, context)


async def _answer_pictures(update: Update, parts: list[Message], context: Context) -> None:
    """The pictures go to the model if it can see them (the best size of each, within bounds);
    otherwise the words are answered, saying the pictures were not looked at."""
    asking = next((m for m in parts if m.caption), parts[0])
    asker = asker_of(asking)
    found = [p for p in (picture_of(m) for m in parts) if p is not None]
    fits = [p for p in found if not p.too_large]
    if not fits:
        await delivery.send_text(Target.for_message(asking), say_for(context, asker)(texts.PICTURE_TOO_LARGE))
        return
    text = "\n\n".join(t for t in (question_text(m) for m in parts) if t)
    text = text or say_for(context, asker)(texts.PICTURE_QUESTION)
    if context.services.conversation.engine.sees_images:
        images = tuple([await download(p) for p in fits])
        question = Question(text, asker, images=images)
    else:
        question = Question(text, asker, unseen=len(fits))
    await _turn(update, asking, question, context)


async def on_unreadable(update: Update, context: Context) -> None:
    """Voice, video, stickers, locations…: one line saying what the bot can read."""
    message = update.effective_message
    if message is None:
        return
    await delivery.send_text(
        Target.for_message(message), say_for(context, asker_of(message))(texts.CANT_READ)
    )


async def on_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    asker = asker_of(message)
    reply = await _command_reply(message, asker, context)
    if reply is not None:
        target = Target.for_message(message)
        await replies.show(reply, target, asker, context, update)
        context.services.shown.answered(message, "", target)


async def on_unknown_command(update: Update, context: Context) -> None:
    """`/foo` in a private chat: the commands there are (in a group it may be another bot's)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    asker = asker_of(message)
    name = message.text.split()[0][1:].split("@")[0]
    reply = commands.unknown(context.services.conversation, name, asker)
    await replies.show(reply, Target.for_message(message), asker, context, update)


async def _command_reply(message: Message, asker: Asker, context: Context) -> Reply | None:
    words = (message.text or "").split()
    name = words[0][1:].split("@")[0].lower()
    return await commands.run(context.services.conversation, name, words[1:], asker)


async def on_edit(update: Update, context: Context) -> None:
    """An edited question, soon after its answer and before anyone else spoke: the answer is
    edited in place (see `edits`); any other edit is left alone."""
    message = update.edited_message
    if message is None or not message.text:
        return
    command = command_for_bot(message)
    if not (command or addressed(message)):
        return
    services = context.services
    before = services.shown.editable(message)
    if before is None:
        return
    asker, target = asker_of(message), Target.for_message(message)
    if command:
        reply, question = await _command_reply(message, asker, context), ""
    else:
        question = question_text(message)
        conversation = services.conversation
        conversation.store.retract(message.chat_id, before.question, thread_id=asker.thread_id)
        reply = await conversation.turn(Question(question, asker, own=words_beside_reply(message)))
    if reply is None:
        return
    await replies.show_in_place(reply, target, asker, context, update, before)
    services.shown.answered(message, question, target)


async def _turn(update: Update, message: Message, question: Question, context: Context) -> None:
    reply = await context.services.conversation.turn(question)
    target = Target.for_message(message)
    await replies.show(reply, target, question.asker, context, update)
    if not reply.contemplation:
        context.services.shown.answered(message, _remembered(question, context), target)


def _remembered(question: Question, context: Context) -> str:
    """The question as history keeps it (stripped and clipped, as `turn()` does)."""
    return question.text.strip()[: context.services.conversation.max_question_chars]


async def on_example(update: Update, context: Context) -> None:
    """A tap on one of /start's example questions asks it — even when the tap arrives too late
    for Telegram to stop the button's spinner."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    index = int(query.data.removeprefix("ask:"))
    message = query.message
    if not isinstance(message, Message) or not 0 <= index < len(texts.EXAMPLES):
        await on_stale_button(update, context)
        return
    await delivery.answer_callback(query)
    asker = Asker(
        chat_id=message.chat_id,
        user_id=query.from_user.id,
        private=message.chat.type == "private",
        thread_id=topic_of(message),
        channel="telegram",
        language=query.from_user.language_code,
    )
    example = say_for(context, asker)(texts.EXAMPLES[index])  # as the button said it
    reply = await context.services.conversation.turn(Question(example, asker))
    reply.answer.text = f"_{verbatim(example)}_\n\n{reply.answer.text}"
    target = Target(context.bot, message.chat_id, thread_id=topic_of(message))
    await replies.show(reply, target, asker, context, update)


async def on_show_drafts(update: Update, context: Context) -> None:
    """The "Show drafts" button: each agent's draft, once, under the summary card."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    if not isinstance(query.message, Message):
        await on_stale_button(update, context)
        return
    message_id = int(query.data.removeprefix("drafts:"))
    found = context.services.drafts.take(query.message.chat_id, message_id)
    if found is None or not found[1]:
        say = speaker(context.services.conversation.language_for(_tapper(query)))
        await delivery.answer_callback(query, say(texts.DRAFTS_GONE if found is None else texts.DRAFTS_SHOWN))
        return
    await delivery.answer_callback(query)
    target = Target(context.bot, query.message.chat_id, message_id, topic_of(query.message))
    say = speaker(context.services.conversation.language_for(_tapper(query)))
    await delivery.send_answer(target, replies.drafts_answer(found[0], say))


async def on_stale_button(update: Update, context: Context) -> None:
    """A tap this bot cannot act on — data no handler knows (a button left by an older version,
    garbage), an example that is no longer there, a button whose message is gone: the spinner
    would otherwise run until Telegram gives up, so it is stopped with a short note."""
    query = update.callback_query
    if query is None:
        return
    say = speaker(context.services.conversation.language_for(_tapper(query)))
    await delivery.answer_callback(query, say(texts.BUTTON_GONE))


def _tapper(query: CallbackQuery) -> Asker:
    """Who tapped, and in which chat (a button on an inline message has none: the tapper's own)."""
    chat = query.message.chat if query.message is not None else None
    return Asker(
        chat.id if chat is not None else query.from_user.id,
        query.from_user.id,
        chat is None or chat.type == "private",
        language=query.from_user.language_code,
        channel="telegram",
    )


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
    message = update.effective_message
    try:
        await delivery.send_text(Target.for_message(message), say_for(context, asker_of(message))(SORRY))
    except TelegramError:
        _LOG.warning("Could not tell the user about the error either")
