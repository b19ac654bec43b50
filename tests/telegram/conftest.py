"""Fixtures for end-to-end tests against the fake Telegram Bot API (and fake LLM servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI
from tests.telegram.harness import TEST_TOKEN, stop_bot

__all__ = ["TEST_TOKEN"]


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
async def apps() -> AsyncIterator[list[Application]]:  # type: ignore[type-arg]
    """Apps a test started, stopped afterwards even when it fails."""
    started: list[Application] = []  # type: ignore[type-arg]
    yield started
    for app in started:
        await stop_bot(app)
