"""Building and running the python-telegram-bot Application.

`build_application` is what tests drive against the fake Bot API; `run_bot` is `musebot run`:
logging with secrets redacted, a lock so one data folder has one bot, the health server, then
long polling (or a webhook with a secret token when `WEBHOOK_URL` is set), and a clean stop on
SIGTERM: python-telegram-bot confirms the update offset to Telegram on the way out, so nothing
is handled twice after a restart.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
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
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.charts import ChartCache
from bot.commands import COMMANDS
from bot.engine import Engine
from bot.health import Health, HealthServer
from bot.knowledge import load_knowledge
from bot.llm import build_backend
from bot.logs import setup_logging
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store import Store
from bot.telegram.handlers import ADMIN_COMMANDS, CONFLICT_MESSAGE, MENU_EXTRAS, Services, register
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.ratelimit import ChatAwareRateLimiter
from bot.telegram.streaming import StreamPolicy

_LOG = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.INLINE_QUERY, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


class _PollTracking(HTTPXRequest):
    """The request object used for `getUpdates`: a 200 is what "last successful poll" means."""

    def __init__(self, health: Health, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._health = health

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self._health.polled()
        return code, payload


def build_application(
    settings: Settings,
    engine: Engine,
    store: Store,
    *,
    policy: StreamPolicy | None = None,
    health: Health | None = None,
    metrics: Metrics | None = None,
) -> Application:  # type: ignore[type-arg]
    health, metrics = health or Health(), metrics or Metrics()
    health.knowledge_counts = engine.kb.counts()
    metrics.track_knowledge(engine.kb.counts())
    health.llm_configured = engine.llm is not None
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_api_base_url)
        .get_updates_request(_PollTracking(health, connection_pool_size=1))
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
        settings=settings,
        metrics=metrics,
        health=health,
        history_turns=settings.llm_history_turns,
        stream_policy=policy or StreamPolicy(),
    )
    register(app)
    return app


async def _publish_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The command menus people see when they type "/", per kind of chat."""
    extra = [BotCommand(name, description) for name, description in MENU_EXTRAS]
    private = [BotCommand(c.name, c.description[:256]) for c in COMMANDS] + extra
    groups = [BotCommand(c.name, c.description[:256]) for c in COMMANDS if c.in_groups] + extra
    await app.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    await app.bot.set_my_commands(groups, scope=BotCommandScopeAllGroupChats())
    admin_menu = private + [BotCommand(name, description) for name, description in ADMIN_COMMANDS]
    for admin in app.bot_data["services"].settings.admin_user_ids:
        try:
            await app.bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin))
        except BadRequest as exc:  # the admin has not opened a chat with the bot yet
            _LOG.info("No admin menu for %s yet: %s", admin, exc.message)


async def _close(app: Application) -> None:  # type: ignore[type-arg]
    """Let go of the LLM's connections and the database on the way out."""
    services: Services = app.bot_data["services"]
    if services.engine.llm is not None:
        await services.engine.llm.aclose()
    services.store.close()


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


def _run(app: Application, settings: Settings) -> int:  # type: ignore[type-arg]
    counts = ", ".join(f"{n} {k}" for k, n in app.bot_data["services"].engine.kb.counts().items())
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
        _LOG.error(CONFLICT_MESSAGE)
        return 3
    except NetworkError as exc:
        _LOG.error("Cannot reach the Telegram Bot API at start-up: %s", exc.message)
        return 4
    except TelegramError as exc:
        _LOG.error("Telegram refused to start the bot: %s", exc.message)
        return 5
    code = int(app.bot_data.get("exit_code", 0))
    _LOG.info("Muse Bot stopped")
    return code


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
