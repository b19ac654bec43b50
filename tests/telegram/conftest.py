"""Fixtures for end-to-end tests against the fake Telegram Bot API.

The token is deliberately *not* shaped like a real one (real tokens look like
``\\d{8,10}:AA[A-Za-z0-9_-]{33}``) so secret scanners never flag it and nobody mistakes it
for a credential.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import FakeBotAPI

TEST_TOKEN = "123456:TEST-token-not-real-abcdefghijklmno"


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    """A started FakeBotAPI on 127.0.0.1; stopped (pending long polls answered) afterwards."""
    async with FakeBotAPI(TEST_TOKEN) as server:
        yield server
