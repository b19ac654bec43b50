"""Telegram handlers: parse the update, ask the engine, hand the answer to `delivery`.

Each handler is a small async function and all of them are registered in `register()`.
Who may be answered (private chats always; in groups only commands, @mentions and replies to
the bot) is decided by filters, so the handlers themselves never see group chatter.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from dataclasses import dataclass, field
from uuid import uuid4

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import Conflict, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.answer import Answer
from bot.charts import ChartCache
from bot.commands import COMMANDS, EXAMPLES, help_text, run_command
from bot.engine import NO_IMAGES_NOTE, Engine
from bot.health import Health
from bot.knowledge import KnowledgeError, load_knowledge
from bot.llm import ImagePart
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store import Store
from bot.telegram import contemplating, guard
from bot.telegram.delivery import Target, send_answer, send_chart, send_text
from bot.telegram.render import TELEGRAM_TEXT_LIMIT, render_messages
from bot.telegram.streaming import StreamPolicy, stream_answer

_LOG = logging.getLogger(__name__)
CONFLICT_MESSAGE = (
    "Another bot instance is polling with this token (Telegram answered 409 Conflict). "
    "Stop the other one, or use a different token; this one is stopping."
)
SORRY = "Sorry — something went wrong on my side. Please try again in a moment."
_INLINE_RESULTS = 3


@dataclass
class Services:
    """What handlers need, kept in `bot_data` so handlers stay plain functions."""

    engine: Engine
    charts: ChartCache
    store: Store
    settings: Settings
    metrics: Metrics = field(default_factory=Metrics)
    health: Health = field(default_factory=Health)
    history_turns: int = 6
    stream_policy: StreamPolicy = field(default_factory=StreamPolicy)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_user_ids


CHAT_COMMANDS = (
    ("ask", "ask the language model directly: /ask QUESTION"),
    ("reset", "forget this chat's conversation history"),
    guard.USAGE_COMMAND,
)
# Commands beyond the shared ones (bot/commands.py): for the menus and /help.
MENU_EXTRAS = (*CHAT_COMMANDS, *contemplating.CONTEMPLATE_COMMANDS)
ADMIN_COMMANDS = (
    ("stats", "operator: usage and health figures"),
    ("reload", "operator: re-read the knowledge base"),
)
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.application.bot_data["services"]
    return found


class _AddressedToBot(filters.MessageFilter):
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


def _question_text(message: Message) -> str:
    """The message without the bot's @mention, which is addressing, not part of the question."""
    text = message.text or message.caption or ""
    username = message.get_bot().username
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def skip_repeats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After a crash Telegram sends the unconfirmed updates again: answer each one once."""
    svc = services(context)
    if not svc.store.first_time(update.update_id):
        _LOG.info("Update %s was handled before a restart; skipping it", update.update_id)
        raise ApplicationHandlerStop
    svc.metrics.updates.labels(_update_kind(update)).inc()


def _update_kind(update: Update) -> str:
    if update.inline_query:
        return "inline_query"
    if update.callback_query:
        return "callback_query"
    if update.effective_message and update.effective_message.photo:
        return "photo"
    return "message" if update.effective_message else "other"


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    question = await guard.clip_input(message, _question_text(message), context)
    if await contemplating.contemplate_if_in_mode(message, question, context):
        return
    await _answer(message, question, context)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/ask QUESTION`: straight to the language model, grounded like any other answer."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await send_text(
            Target.for_message(message),
            "Usage: `/ask QUESTION`, e.g. `/ask why does health matter so much for Meta?`",
        )
        return
    await _answer(message, question, context, use_llm=True)


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo with a question goes to the language model, if it can see images."""
    message = update.effective_message
    if message is None or not message.photo:
        return
    question = _question_text(message) or "What is in this picture?"
    largest = max(message.photo, key=lambda p: p.file_size or p.width * p.height)
    if (largest.file_size or 0) > MAX_PHOTO_BYTES:
        await send_text(
            Target.for_message(message), "That picture is too large for me; please send a smaller one."
        )
        return
    if not services(context).engine.sees_images:
        await send_text(Target.for_message(message), NO_IMAGES_NOTE)
        return
    data = bytes(await (await largest.get_file()).download_as_bytearray())
    await _answer(message, question, context, images=[ImagePart(data, "image/jpeg")])


async def on_reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    services(context).store.forget(message.chat_id)
    await send_text(Target.for_message(message), "Done: I've forgotten this chat's conversation.")


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/stats` for operators: what the bot has done since it started, and how it is."""
    message, svc = update.effective_message, services(context)
    if message is None or not await _admin_only(update, svc):
        return
    m = svc.metrics
    ok, health = svc.health.report()
    answers = ", ".join(f"{route} {n}" for route, n in sorted(m.totals(m.answers).items())) or "none yet"
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(m.totals(m.errors).items())) or "none"
    kb = ", ".join(f"{n} {k}" for k, n in svc.engine.kb.counts().items())
    llm = svc.engine.llm.name if svc.engine.llm else "none configured"
    text = (
        f"**Muse Bot** — {'healthy' if ok else 'UNHEALTHY'}, up {_duration(health['uptime_s'])}\n"
        f"Updates: {sum(m.totals(m.updates).values())} · Answers: {answers}\n"
        f"Errors: {errors}\n"
        f"Knowledge: {kb} (as of {svc.engine.kb.as_of.isoformat()})\n"
        f"LLM: {llm}{' — last error: ' + health['llm']['last_error'] if health['llm']['last_error'] else ''}"
    )
    await send_text(Target.for_message(message), text)


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/reload` for operators: re-read `knowledge/`; a broken file keeps the old knowledge."""
    message, svc = update.effective_message, services(context)
    if message is None or not await _admin_only(update, svc):
        return
    target = Target.for_message(message)
    try:
        kb = await asyncio.to_thread(load_knowledge, svc.settings.knowledge_dir)
    except KnowledgeError as exc:
        _LOG.warning("Reload refused: %s", exc)
        await send_text(target, f"Kept the current knowledge base; the new one has a problem:\n\n`{exc}`")
        return
    svc.engine = Engine(kb, llm=svc.engine.llm)
    svc.health.knowledge_counts = kb.counts()
    svc.metrics.track_knowledge(kb.counts())
    counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
    _LOG.info("Knowledge base reloaded: %s", counts)
    await send_text(target, f"Reloaded the knowledge base: {counts}.")


async def _admin_only(update: Update, svc: Services) -> bool:
    """Operators pass; others are told once, politely, in private, and ignored in groups."""
    user = update.effective_user
    if svc.is_admin(user.id if user else None):
        return True
    message = update.effective_message
    if message is not None and message.chat.type == "private":
        await send_text(Target.for_message(message), "That command is for the bot's operators.")
    return False


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


async def _answer(
    message: Message,
    question: str,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    use_llm: bool = False,
    images: list[ImagePart] | None = None,
) -> None:
    svc = services(context)
    started = time.monotonic()
    question = await guard.clip_input(message, question, context)
    history = svc.store.history(message.chat_id, turns=svc.history_turns)
    answer = await svc.engine.answer(question, history, images=images or (), use_llm=use_llm)
    target = Target.for_message(message)
    if answer.stream is not None:
        if not await guard.admit_llm(message, context):
            return
        private = message.chat.type == "private"
        await stream_answer(target, answer, private=private, policy=svc.stream_policy)
        svc.health.llm_result(answer.error or None)
        svc.metrics.llm_seconds.labels("total").observe(time.monotonic() - started)
        if answer.error:
            svc.metrics.errors.labels(f"llm_{answer.error}").inc()
    else:
        await _deliver(target, answer, context)
    svc.metrics.answers.labels(answer.route).inc()
    svc.metrics.answer_seconds.labels(answer.route).observe(time.monotonic() - started)
    if not answer.error:  # "the model is busy" is not something to show the model next time
        svc.store.remember(message.chat_id, question, answer.text)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    name = message.text.split()[0][1:].split("@")[0].lower()
    svc = services(context)
    answer = run_command(svc.engine, name, context.args or [])
    if answer is None:
        return
    if name == "help":
        answer = Answer(help_text(MENU_EXTRAS), "knowledge")
    svc.metrics.answers.labels(answer.route).inc()
    markup = _examples_keyboard() if name == "start" else None
    target = Target.for_message(message)
    if markup is not None:
        await _send_with_keyboard(target, answer, markup)
        return
    await _deliver(target, answer, context)


async def on_example(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on one of /start's example questions asks it."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    index = int(query.data.removeprefix("ask:")) if query.data.removeprefix("ask:").isdigit() else -1
    if not 0 <= index < len(EXAMPLES) or not isinstance(query.message, Message):
        return
    answer = await services(context).engine.answer(EXAMPLES[index])
    question = f"_{EXAMPLES[index]}_\n\n"
    answer.text = question + answer.text
    await _deliver(Target(context.bot, query.message.chat_id), answer, context)


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    answers = services(context).engine.suggest(text, limit=_INLINE_RESULTS) if text else []
    results = [_inline_card(a) for a in answers]
    await query.answer(results, cache_time=300, is_personal=False)


def _inline_card(answer: Answer) -> InlineQueryResultArticle:
    chunks = render_messages(answer.markdown(), limit=TELEGRAM_TEXT_LIMIT)
    plain = re.sub(r"<[^>]+>", "", chunks[0]) if chunks else answer.text
    description = html.unescape(plain)[:120]
    return InlineQueryResultArticle(
        id=uuid4().hex,
        title=(answer.title or "Muse Spark")[:64],
        description=description,
        input_message_content=InputTextMessageContent(chunks[0], parse_mode=ParseMode.HTML),
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the traceback for the operator; one short sentence for the user, never details."""
    error = context.error
    services(context).metrics.errors.labels(type(error).__name__).inc()
    if isinstance(error, Conflict) and update is None:
        _LOG.error(CONFLICT_MESSAGE)
        context.application.bot_data["exit_code"] = 3
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
        await send_text(Target.for_message(update.effective_message), SORRY)
    except TelegramError:
        _LOG.warning("Could not tell the user about the error either")


async def _deliver(target: Target, answer: Answer, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_answer(target, answer)
    if answer.comparison is None:
        return
    png = await asyncio.to_thread(services(context).charts.get_or_render, answer.comparison)
    if png is not None:
        await target.bot.send_chat_action(target.chat_id, ChatAction.UPLOAD_PHOTO)
        await send_chart(target, png, f"**{answer.title}** — {answer.footer() or 'chart'}")


async def _send_with_keyboard(target: Target, answer: Answer, markup: InlineKeyboardMarkup) -> None:
    chunks = render_messages(answer.markdown())
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await target.bot.send_message(
            target.chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
        )


def _examples_keyboard() -> InlineKeyboardMarkup:
    buttons = [[InlineKeyboardButton(q, callback_data=f"ask:{i}")] for i, q in enumerate(EXAMPLES)]
    return InlineKeyboardMarkup(buttons)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Every handler, in one place. Group chatter never matches any of them."""
    guard.register(app)
    app.add_handler(TypeHandler(Update, skip_repeats), group=-1)
    app.add_handler(CommandHandler([c.name for c in COMMANDS], on_command))
    app.add_handler(CommandHandler("ask", on_ask))
    app.add_handler(CommandHandler("reset", on_reset))
    app.add_handler(CommandHandler("stats", on_stats))
    app.add_handler(CommandHandler("reload", on_reload))
    contemplating.register(app)
    addressed = filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & _AddressedToBot())
    text = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    app.add_handler(MessageHandler(text & addressed, on_question))
    app.add_handler(MessageHandler(filters.PHOTO & ~filters.UpdateType.EDITED & addressed, on_photo))
    app.add_handler(InlineQueryHandler(on_inline_query))
    app.add_handler(CallbackQueryHandler(on_example, pattern=r"^ask:\d+$"))
    app.add_error_handler(on_error)
