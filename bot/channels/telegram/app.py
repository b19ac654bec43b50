"""Building and running the python-telegram-bot Application.

`build_application` is what tests drive against the fake Bot API; `run_bot` is `musebot run`:
logging with secrets redacted, a lock so one data folder has one bot, the health server, then
long polling (or a webhook with a secret token when `WEBHOOK_URL` is set), and a clean stop on
SIGTERM: python-telegram-bot confirms the update offset to Telegram on the way out. Whatever
the stop — SIGTERM, SIGKILL, out of memory — the inbox has kept every update it received, so
the next start answers what was left unanswered and nothing twice.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.answering.engine import Engine
from bot.channels.telegram import gate, handlers
from bot.channels.telegram.context import App, Context, MuseApplication, Services
from bot.channels.telegram.inbox import PollRequest
from bot.channels.telegram.live import StreamPolicy
from bot.channels.telegram.ordering import PerChatUpdateProcessor
from bot.channels.telegram.parse import AddressedToBot, InAlbum
from bot.channels.telegram.pictures import ImageDocument
from bot.channels.telegram.ratelimit import ChatAwareRateLimiter
from bot.commands import available
from bot.contemplation import ContemplateConfig
from bot.conversation import Conversation
from bot.i18n import LOCALES, speaker
from bot.knowledge import load_knowledge
from bot.llm import build_backend
from bot.ops.health import Health, HealthServer
from bot.ops.logs import setup_logging
from bot.ops.metrics import Metrics
from bot.ops.settings import Settings
from bot.state.store import Store

__all__ = ["ALLOWED_UPDATES", "build_application", "register", "run_bot", "webhook_parameters"]

_LOG = logging.getLogger(__name__)
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.INLINE_QUERY,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
INBOX_GROUP, GATE_GROUP, NOTE_GROUP, ANSWER_GROUP = -3, -2, -1, 0
_DEFAULT_LIMITER: Any = object()
# Kinds of message that are neither text nor pictures: answered with what the bot can read.
_UNREADABLE = (
    filters.VOICE
    | filters.VIDEO_NOTE
    | filters.VIDEO
    | filters.AUDIO
    | filters.Sticker.ALL
    | filters.ANIMATION
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
    | filters.Document.ALL
)


def build_application(
    settings: Settings,
    engine: Engine,
    store: Store,
    *,
    policy: StreamPolicy | None = None,
    health: Health | None = None,
    metrics: Metrics | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = _DEFAULT_LIMITER,
    clock: Callable[[], float] = time.time,
    contemplate: ContemplateConfig | None = None,
) -> MuseApplication:
    """The bot, ready to start: every handler registered, the services built.

    `rate_limiter` is Telegram flood control (`None` for none: tests that never come near
    Telegram's limits); `clock` is the quotas' clock; `contemplate` overrides the settings'."""
    health = health or Health()
    conversation = Conversation.from_settings(
        settings, engine, store, health=health, metrics=metrics, clock=clock, contemplate=contemplate
    )
    services = Services(conversation, settings, policy=policy or StreamPolicy())
    builder = (
        ApplicationBuilder()
        .application_class(MuseApplication, kwargs={"services": services})
        .context_types(ContextTypes(context=Context))
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_api_base_url)
        .get_updates_request(PollRequest(health, services.inbox, connection_pool_size=1))
        .concurrent_updates(PerChatUpdateProcessor(256))
        .post_init(_publish_commands)
        .post_shutdown(_close)
    )
    limiter = ChatAwareRateLimiter() if rate_limiter is _DEFAULT_LIMITER else rate_limiter
    app: object = builder.rate_limiter(limiter).build() if limiter is not None else builder.build()
    if not isinstance(app, MuseApplication):  # pragma: no cover - wiring error
        raise TypeError("ApplicationBuilder did not build a MuseApplication")
    register(app)
    return app


def register(app: App) -> None:
    """Every handler, in one place. Groups run in order, and in each the first match runs:
    the repeat guard, the access gate, the note of who spoke, then the one handler that answers.

    A new message is a question in private chats, and in groups when it is meant for the bot;
    a linked channel's posts (automatic forwards) never are. Pictures (photos, images sent as
    files) are questions; other kinds get one line saying what the bot can read. An edited
    question may have its answer edited in place. Every button tap is answered, one this bot
    no longer knows with a short note."""
    services = _services(app)
    app.add_handler(TypeHandler(Update, services.inbox.skip_repeats), group=INBOX_GROUP)
    app.add_handler(TypeHandler(Update, gate.gate), group=GATE_GROUP)
    app.add_handler(TypeHandler(Update, services.shown.note), group=NOTE_GROUP)
    names = [c.name for c in available("telegram", model=True, admin=True)]
    addressed = filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & AddressedToBot())
    new = filters.UpdateType.MESSAGE & ~filters.IS_AUTOMATIC_FORWARD
    pictures = (filters.PHOTO | ImageDocument()) & ~filters.ANIMATION
    answers = [
        CommandHandler(names, handlers.on_command, filters=new),
        MessageHandler(filters.COMMAND & new & filters.ChatType.PRIVATE, handlers.on_unknown_command),
        MessageHandler(filters.TEXT & ~filters.COMMAND & new & addressed, handlers.on_question),
        MessageHandler(pictures & new & (addressed | InAlbum()), handlers.on_picture),
        MessageHandler(_UNREADABLE & new & addressed, handlers.on_unreadable),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, handlers.on_edit),
        InlineQueryHandler(handlers.on_inline_query),
        CallbackQueryHandler(handlers.on_example, pattern=r"^ask:\d+$"),
        CallbackQueryHandler(handlers.on_show_drafts, pattern=r"^drafts:\d+$"),
        CallbackQueryHandler(handlers.on_stale_button),  # any other tap: its spinner stopped
    ]
    app.add_handlers(answers, group=ANSWER_GROUP)
    app.add_error_handler(handlers.on_error)


async def _publish_commands(app: App) -> None:
    """The command menus people see when they type "/", per kind of chat, described in each
    language the bot speaks (Telegram shows the one for the user's app language, English to
    everyone else)."""
    services = _services(app)
    model = services.conversation.engine.llm is not None

    def menu(language: str = "en", **kwargs: bool) -> list[BotCommand]:
        say = speaker(language)
        found = available("telegram", model=model, **kwargs)
        return [BotCommand(c.name, say(c.description)[:256]) for c in found]

    for language in LOCALES:
        code = "" if language == "en" else language
        await app.bot.set_my_commands(
            menu(language), scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        await app.bot.set_my_commands(
            menu(language, group=True), scope=BotCommandScopeAllGroupChats(), language_code=code
        )
    for admin in services.settings.admin_user_ids:
        try:
            await app.bot.set_my_commands(menu(admin=True), scope=BotCommandScopeChat(admin))
        except BadRequest as exc:  # the admin has not opened a chat with the bot yet
            _LOG.info("No admin menu for %s yet: %s", admin, exc.message)


async def _close(app: App) -> None:
    """Let go of the LLM's connections and the database on the way out."""
    conversation = _services(app).conversation
    if conversation.engine.llm is not None:
        await conversation.engine.llm.aclose()
    conversation.store.close()


def _services(app: App) -> Services:
    if not isinstance(app, MuseApplication):  # pragma: no cover - wiring error
        raise TypeError("not a Muse Bot application")
    return app.services


def run_bot(settings: Settings) -> int:
    """`musebot run` until SIGINT/SIGTERM; one clear line for errors an operator can fix."""
    setup_logging(settings.log_level, settings.secrets())
    with _single_instance(settings.data_dir) as locked:
        if not locked:
            _LOG.error(
                "Another musebot is already running with DATA_DIR=%s. Stop it first.", settings.data_dir
            )
            return 3
        engine = Engine(load_knowledge(settings.knowledge_dir), llm=build_backend(settings))
        health, metrics = Health(webhook=bool(settings.webhook_url)), Metrics()
        app = build_application(
            settings, engine, Store.in_data_dir(settings.data_dir), health=health, metrics=metrics
        )
        server = (
            HealthServer(health, metrics, settings.health_host, settings.health_port)
            if settings.health_port
            else None
        )
        if server is not None:
            server.start()
        try:
            return _run(app, settings)
        finally:
            if server is not None:
                server.stop()


def _run(app: MuseApplication, settings: Settings) -> int:
    counts = ", ".join(f"{n} {k}" for k, n in app.services.conversation.engine.kb.counts().items())
    _LOG.info("Muse Bot starting (%s): %s", "webhook" if settings.webhook_url else "long polling", counts)
    try:
        if settings.webhook_url:
            app.run_webhook(**webhook_parameters(settings))
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    except InvalidToken:
        _LOG.error("Telegram rejected TELEGRAM_BOT_TOKEN. Copy the token again from @BotFather.")
        return 2
    except Conflict:
        _LOG.error(handlers.CONFLICT_MESSAGE)
        return 3
    except NetworkError as exc:
        _LOG.error("Cannot reach the Telegram Bot API at start-up: %s", exc.message)
        return 4
    except TelegramError as exc:
        _LOG.error("Telegram refused to start the bot: %s", exc.message)
        return 5
    _LOG.info("Muse Bot stopped")
    return app.services.exit_code


def webhook_parameters(settings: Settings) -> dict[str, Any]:
    """`Updater.start_webhook` / `Application.run_webhook` arguments for `WEBHOOK_URL`: listen
    locally on the URL's path, and refuse any request without the secret token."""
    url = urlsplit(settings.webhook_url)
    path = url.path.strip("/") or "telegram"
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": path,
        "webhook_url": url._replace(path=f"/{path}").geturl(),
        "secret_token": settings.webhook_secret_token(),
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": False,
    }


@contextmanager
def _single_instance(data_dir: Path) -> Iterator[bool]:
    """An exclusive lock on a file in DATA_DIR: two bots on one data folder would both poll
    (Telegram answers the second with endless 409 Conflicts) and both write the database."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    handle: TextIO = open(Path(data_dir) / "musebot.lock", "a+")  # noqa: SIM115
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield True
    finally:
        handle.close()
