"""Fixtures for the LLM adapter tests: fake provider servers and backends pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.llm import LLMBackend, build_one
from bot.ops.settings import BackendSettings, Settings
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Provider, SleepRecorder

FAST = {
    "llm_connect_timeout": 1.0,
    "llm_read_timeout": 2.0,
    "llm_total_timeout": 5.0,
    "llm_max_retries": 2,
    "llm_max_tokens": 256,
    "llm_temperature": 0.2,
}

MakeBackend = Callable[..., LLMBackend]


def settings(**overrides: Any) -> Settings:
    """Settings from arguments only: no `.env`, and the test's values over the environment."""
    return Settings(_env_file=None, **{**FAST, **overrides})  # type: ignore[call-arg]


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    return settings


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def servers() -> AsyncIterator[Callable[[Provider], Any]]:
    """`await servers("openai")` starts a fake server, closed after the test."""
    started: list[FakeLLMServer] = []

    async def start(provider: Provider) -> FakeLLMServer:
        server = await FakeLLMServer(provider).start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.close()


@pytest.fixture
async def make_backend(sleeps: SleepRecorder) -> AsyncIterator[MakeBackend]:
    """Build a backend through the real factory, aimed at a fake server (or any URL)."""
    built: list[LLMBackend] = []

    def make(
        server: FakeLLMServer | None = None,
        *,
        provider: Provider | None = None,
        base_url: str | None = None,
        key: str = TEST_KEY,
        model: str = "test-model",
        name: str = "default",
        supports_images: bool | None = None,
        **overrides: Any,
    ) -> LLMBackend:
        config = BackendSettings(
            name=name,
            provider=provider or (server.provider if server else "openai"),
            base_url=base_url or (server.base_url if server else ""),
            api_key=key,
            model=model,
            supports_images=supports_images,
        )
        backend = build_one(config, settings(**overrides), sleep=sleeps)
        built.append(backend)
        return backend

    yield make
    for backend in built:
        await backend.aclose()
