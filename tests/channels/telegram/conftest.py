"""Fixtures for end-to-end tests against the fake Telegram Bot API (and fake LLM servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.channels.telegram.context import MuseApplication
from bot.knowledge import KnowledgeBase
from tests.channels.telegram.harness import TEST_TOKEN, launch, stop_bot
from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI

__all__ = ["TEST_TOKEN"]

Start = Callable[..., Awaitable[MuseApplication]]


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    """A started FakeBotAPI on 127.0.0.1; stopped (pending long polls answered) afterwards."""
    async with FakeBotAPI(TEST_TOKEN) as server:
        yield server


@pytest.fixture
async def llm() -> AsyncIterator[FakeLLMServer]:
    """A fake OpenAI-compatible server; tests script its answers."""
    server = await FakeLLMServer("openai").start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def start(bot_api: FakeBotAPI, kb: KnowledgeBase) -> AsyncIterator[Start]:
    """`app = await start(kb=..., llm=..., store=..., clock=..., **settings)`: Muse Bot polling the fake
    Bot API (see `harness.launch`); every bot started is stopped afterwards, even on failure."""
    started: list[MuseApplication] = []

    async def start_one(**options: Any) -> MuseApplication:
        app = await launch(bot_api, options.pop("kb", kb), **options)
        started.append(app)
        return app

    yield start_one
    for app in started:
        await stop_bot(app)


@pytest.fixture
async def bot(start: Start, bot_api: FakeBotAPI) -> FakeBotAPI:
    """The fake Bot API with a knowledge-only Muse Bot already polling it."""
    await start()
    return bot_api
