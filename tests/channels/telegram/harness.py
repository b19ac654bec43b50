"""Starting and stopping the real Application against the fake Bot API, the way `run_polling`
does, for every end-to-end test: `launch()` (and the `start` fixture built on it) is the one
start-up path, with the parts tests vary as parameters — the LLM, the store, the quotas' clock,
how often live messages may change, and flood control (off unless a test is about it: the
real group limiter would make a test wait up to a minute for nothing).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, BaseRateLimiter, TypeHandler

from bot.answering.engine import Engine
from bot.channels.telegram.app import _publish_commands, build_application
from bot.channels.telegram.context import Context, MuseApplication
from bot.channels.telegram.live import StreamPolicy
from bot.contemplation import ContemplateConfig
from bot.knowledge import KnowledgeBase
from bot.llm import LLMBackend, build_backend, build_one
from bot.ops.settings import BackendSettings, Settings
from bot.state.store import Store
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, SleepRecorder
from tests.fakes.telegram_api import FakeBotAPI

App = Application[Any, Any, Any, Any, Any, Any]
# Deliberately not shaped like a real token (`\d{8,10}:AA[A-Za-z0-9_-]{33}`), so no secret
# scanner flags it and nobody mistakes it for a credential.
TEST_TOKEN = "123456:TEST-token-not-real-abcdefghijklmno"
# Previews and typing at a pace tests can watch without waiting long.
FAST_POLICY = StreamPolicy(
    draft_interval=0.2,
    edit_interval=0.2,
    private_typing_interval=0.5,
    group_typing_interval=0.5,
    private_status_interval=0.2,
    group_status_interval=0.4,
)
BARRIER = "[test barrier]"


def bot_settings(api: FakeBotAPI, **extra: Any) -> Settings:
    """Settings for a bot talking to `api`, ignoring any `.env` and environment LLM config."""
    return Settings(
        telegram_bot_token=SecretStr(TEST_TOKEN),
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=api.base_file_url,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


def llm_backend(
    server: FakeLLMServer, settings: Settings, sleep: SleepRecorder | None = None, key: str = TEST_KEY
) -> LLMBackend:
    """An adapter for the fake server's wire format; `sleep` records retry waits instead of
    doing them, so a Retry-After costs the test no time."""
    model = "gpt-4o-mini" if server.provider == "openai" else "test-model"
    config = BackendSettings(
        provider=server.provider, base_url=server.base_url, api_key=SecretStr(key), model=model
    )
    return build_one(config, settings, sleep=sleep or SleepRecorder())


async def launch(
    api: FakeBotAPI,
    kb: KnowledgeBase,
    *,
    llm: FakeLLMServer | LLMBackend | None = None,
    store: Store | None = None,
    clock: float | Callable[[], float] | None = None,
    policy: StreamPolicy = FAST_POLICY,
    contemplate: ContemplateConfig | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    barrier: bool = False,
    menus: bool = True,
    sleep: SleepRecorder | None = None,
    **settings: Any,
) -> MuseApplication:
    """Muse Bot polling `api`: built, started and polling, as `musebot run` does (minus signals).

    `llm` is a fake server (an adapter is made for it) or a ready backend; `clock` fixes the
    quotas' time; `barrier=True` answers the message `BARRIER` with itself before any other
    handler, so a test knows every earlier update of that chat has been handled."""
    if isinstance(llm, FakeLLMServer):
        settings = {"llm_read_timeout": 3.0, "llm_total_timeout": 8.0, "llm_max_retries": 2, **settings}
    config = bot_settings(api, **settings)
    if isinstance(llm, FakeLLMServer):
        backend: LLMBackend | None = llm_backend(llm, config, sleep)
    else:  # a ready backend, or the one the settings describe (LLM_PROVIDER…), as `musebot run`
        backend = llm if llm is not None else build_backend(config)
    now = (lambda: clock) if isinstance(clock, int | float) else clock
    app = build_application(
        config,
        Engine(kb, llm=backend),
        store or Store(":memory:"),
        policy=policy,
        rate_limiter=rate_limiter,
        contemplate=contemplate or ContemplateConfig(agent_timeout=5.0),
        **({"clock": now} if now is not None else {}),
    )
    if barrier:
        app.add_handler(TypeHandler(Update, _barrier), group=-10)
    return await start_bot(app, menus=menus)


async def _barrier(update: object, context: Context) -> None:
    message = update.effective_message if isinstance(update, Update) else None
    if message is not None and message.text == BARRIER:
        await context.bot.send_message(message.chat_id, BARRIER)
        raise ApplicationHandlerStop


async def start_bot(app: App, *, menus: bool = True) -> Any:
    """initialize → post_init (command menus) → start → long polling, as `run_polling` does.
    `menus=False` for an Application that is not Muse Bot (the echo baseline of the benches)."""
    await app.initialize()
    if menus:
        await _publish_commands(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=5)
    return app


async def stop_bot(app: App) -> None:
    """The reverse, as `run_polling` does on SIGTERM: `post_stop` (running contemplations are
    cancelled while the bot can still edit their status), then `post_shutdown` (the LLM client
    and the store are closed)."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


@asynccontextmanager
async def running(app: App, *, menus: bool = True) -> AsyncIterator[App]:
    await start_bot(app, menus=menus)
    try:
        yield app
    finally:
        await stop_bot(app)
