"""Building and running the python-telegram-bot Application.

`build_application` is what tests drive against the fake Bot API; `run_bot` is `musebot run`:
logging with secrets redacted, long polling, and a clean stop on SIGTERM (python-telegram-bot
confirms the update offset to Telegram on the way out, so nothing is handled twice after a
restart).
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.charts import ChartCache
from bot.commands import COMMANDS
from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.llm.factory import build_backend
from bot.logs import setup_logging
from bot.settings import Settings
from bot.store import Store
from bot.telegram.handlers import CHAT_COMMANDS, Services, register
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.ratelimit import ChatAwareRateLimiter
from bot.telegram.streaming import StreamPolicy

_LOG = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.INLINE_QUERY, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def build_application(
    settings: Settings, engine: Engine, store: Store, *, policy: StreamPolicy | None = None
) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_api_base_url)
        .rate_limiter(ChatAwareRateLimiter())
        .concurrent_updates(PerChatUpdateProcessor(256))
        .post_init(_publish_commands)
        .post_shutdown(_close)
        .build()
    )
    app.bot_data["services"] = Services(
        engine=engine,
        charts=ChartCache(),
        store=store,
        history_turns=settings.llm_history_turns,
        stream_policy=policy or StreamPolicy(),
    )
    register(app)
    return app


async def _publish_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The command menus people see when they type "/", per kind of chat."""
    extra = [BotCommand(name, description) for name, description in CHAT_COMMANDS]
    private = [BotCommand(c.name, c.description[:256]) for c in COMMANDS] + extra
    groups = [BotCommand(c.name, c.description[:256]) for c in COMMANDS if c.in_groups] + extra
    await app.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    await app.bot.set_my_commands(groups, scope=BotCommandScopeAllGroupChats())


async def _close(app: Application) -> None:  # type: ignore[type-arg]
    """Let go of the LLM's connections and the database on the way out."""
    services: Services = app.bot_data["services"]
    if services.engine.llm is not None:
        await services.engine.llm.aclose()
    services.store.close()


def run_bot(settings: Settings) -> int:
    """`musebot run`: poll until SIGINT/SIGTERM; one clear line for errors an operator can fix."""
    setup_logging(settings.log_level, settings.secrets())
    engine = Engine(load_knowledge(settings.knowledge_dir), llm=build_backend(settings))
    app = build_application(settings, engine, Store.in_data_dir(settings.data_dir))
    _LOG.info("Muse Bot starting: %s", ", ".join(f"{n} {k}" for k, n in engine.kb.counts().items()))
    try:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    except InvalidToken:
        _LOG.error("Telegram rejected TELEGRAM_BOT_TOKEN. Copy the token again from @BotFather.")
        return 2
    except Conflict:
        _LOG.error("Another instance is already polling with this token. Stop it first.")
        return 3
    except NetworkError as exc:
        _LOG.error("Cannot reach the Telegram Bot API at start-up: %s", exc.message)
        return 4
    except TelegramError as exc:
        _LOG.error("Telegram refused to start the bot: %s", exc.message)
        return 5
    _LOG.info("Muse Bot stopped")
    return 0
