"""Starting and stopping the real Application against the fake Bot API, the way
`run_polling` does, for every end-to-end test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

from pydantic import SecretStr
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.app import _publish_commands
from tests.fakes.telegram_api import FakeBotAPI

App: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"
# Deliberately not shaped like a real token (`\d{8,10}:AA[A-Za-z0-9_-]{33}`), so no secret
# scanner flags it and nobody mistakes it for a credential.
TEST_TOKEN = "123456:TEST-token-not-real-abcdefghijklmno"


def bot_settings(api: FakeBotAPI, **extra: Any) -> Settings:
    """Settings for a bot talking to `api`, ignoring any `.env` and environment LLM config."""
    return Settings(
        telegram_bot_token=SecretStr(TEST_TOKEN),
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=api.base_file_url,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


async def start_bot(app: App, *, menus: bool = True) -> App:
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
    """The reverse, including `post_shutdown` (closes the LLM client and the store)."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
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
