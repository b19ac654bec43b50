"""build_backend / build_one: settings in, a ready backend (or None) out."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from bot.llm import BackendMisconfigured, build_backend, build_one, members
from bot.llm.anthropic import AnthropicBackend
from bot.llm.gemini import GeminiBackend
from bot.llm.ollama import OllamaBackend
from bot.llm.openai import OpenAIBackend
from bot.ops.settings import BackendSettings
from tests.fakes.llm_servers import collect, render_openai


def test_no_provider_means_no_backend(make_settings) -> None:
    assert build_backend(make_settings(llm_provider="none")) is None


@pytest.mark.parametrize(
    ("provider", "adapter", "base_url"),
    [
        ("openai", OpenAIBackend, "https://api.openai.com/v1"),
        ("anthropic", AnthropicBackend, "https://api.anthropic.com"),
        ("ollama", OllamaBackend, "http://localhost:11434"),
        ("gemini", GeminiBackend, "https://generativelanguage.googleapis.com"),
    ],
)
async def test_single_provider_from_llm_variables(provider, adapter, base_url, make_settings) -> None:
    backend = build_backend(make_settings(llm_provider=provider, llm_model="m1"))
    assert isinstance(backend, adapter)
    assert backend.name == f"{provider}:m1"
    assert backend.base_url == base_url
    await backend.aclose()


async def test_single_backend_streams_from_the_configured_server(servers, make_settings) -> None:
    server = await servers("ollama")
    backend = build_backend(
        make_settings(llm_provider="ollama", llm_base_url=server.base_url + "/", llm_model="qwen3")
    )
    assert backend is not None
    try:
        assert await collect(backend) == "Hello!"
    finally:
        await backend.aclose()
    assert server.last.json["model"] == "qwen3"


async def test_several_backends_become_a_fallback_in_order(servers, make_settings) -> None:
    first, second = await servers("anthropic"), await servers("openai")
    first.error(529, "Overloaded", kind="overloaded_error")
    configured = make_settings(
        llm_max_retries=0,
        llm_backends=[
            {"name": "claude", "provider": "anthropic", "base_url": first.base_url, "model": "c"},
            {"name": "off", "provider": "none"},
            {"name": "local", "provider": "openai", "base_url": second.base_url, "model": "l"},
        ],
    )
    backend = build_backend(configured)
    assert backend is not None
    assert [b.name for b in members(backend)] == ["claude", "local"]
    try:
        assert await collect(backend) == "Hello!"
    finally:
        await backend.aclose()


def test_missing_model_fails_at_build_time(make_settings) -> None:
    with pytest.raises(BackendMisconfigured, match="LLM_MODEL"):
        build_backend(make_settings(llm_provider="openai", llm_model=""))


def test_provider_none_cannot_be_built_alone(make_settings) -> None:
    with pytest.raises(BackendMisconfigured, match="LLM_PROVIDER"):
        build_one(BackendSettings(provider="none", model="m"), make_settings())


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("openai", "gpt-4o-mini", True),
        ("openai", "Qwen2.5-VL-7B-Instruct", True),
        ("openai", "llama-3.1-8b-instruct", False),
        ("ollama", "llava:13b", True),
        ("ollama", "gemma3:4b", True),
        ("ollama", "llama3.1", False),
        ("anthropic", "claude-haiku-4-5", True),
        ("gemini", "gemini-2.5-flash", True),
    ],
)
async def test_supports_images_guess(provider, model, expected, make_settings) -> None:
    backend = build_one(BackendSettings(provider=provider, model=model), make_settings())
    assert backend.supports_images is expected
    await backend.aclose()


async def test_supports_images_setting_overrides_the_guess(make_settings) -> None:
    config = BackendSettings(provider="ollama", model="my-custom-vision", supports_images=False)
    backend = build_one(config, make_settings())
    assert backend.supports_images is False
    await backend.aclose()


async def test_transport_is_used_for_requests(make_settings) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = b"".join(render_openai(["via ", "transport"]))
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    backend = build_backend(
        make_settings(llm_provider="openai", llm_model="m", llm_base_url="http://llm.invalid/v1"),
        transport=httpx.MockTransport(answer),
    )
    assert backend is not None
    try:
        assert await collect(backend) == "via transport"
    finally:
        await backend.aclose()
    assert str(seen[0].url) == "http://llm.invalid/v1/chat/completions"
    assert json.loads(seen[0].content)["model"] == "m"


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama", "gemini"])
async def test_base_url_with_or_without_a_trailing_slash(provider, servers, make_backend, caplog) -> None:
    server = await servers(provider)
    for base_url in (server.base_url, server.base_url + "/", server.base_url + "//"):
        assert await collect(make_backend(server, base_url=base_url)) == "Hello!"
    assert len({r.path for r in server.requests}) == 1, [r.path for r in server.requests]
    assert "//" not in server.last.path
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("provider", "base_url", "says"),
    [
        ("openai", "http://localhost:1234", "has no /v1"),
        ("openai", "http://localhost:8000/v1/v1/", "has /v1 twice"),
        ("openai", "https://api.example.com/v1/chat/completions", "already ends in /chat/completions"),
        ("anthropic", "https://api.anthropic.com/v1", "drop /v1"),
        ("gemini", "https://generativelanguage.googleapis.com/v1beta", "drop /v1beta"),
        ("ollama", "http://ollama:11434/v1", "LLM_PROVIDER=openai"),
    ],
)
async def test_a_base_url_that_cannot_work_is_one_warning_at_start_up(
    provider, base_url, says, make_settings, caplog
) -> None:
    configured = make_settings(llm_provider=provider, llm_base_url=base_url, llm_model="m")
    backend = build_backend(configured)
    assert backend is not None
    await backend.aclose()
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert says in warning.getMessage() and "LLM_BASE_URL" in warning.getMessage()


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [
        ("openai", "https://api.openai.com/v1"),
        ("openai", "https://openrouter.ai/api/v1/"),
        ("openai", "https://myres.openai.azure.com/openai/deployments/gpt-4o"),
        ("openai", "https://generativelanguage.googleapis.com/v1beta/openai"),
        ("openai", "https://api.deepseek.com"),
        ("openai", "http://localhost:11434/v1"),
        ("anthropic", "https://api.anthropic.com/"),
        ("gemini", "https://generativelanguage.googleapis.com"),
        ("ollama", "http://ollama:11434"),
    ],
)
async def test_known_good_base_urls_are_not_warned_about(provider, base_url, make_settings, caplog) -> None:
    backend = build_backend(make_settings(llm_provider=provider, llm_base_url=base_url, llm_model="m"))
    assert backend is not None
    await backend.aclose()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
