"""Turn settings into a ready backend: one adapter per configured entry, several behind a fallback.

A missing model is caught here, at start-up, rather than as a confusing 404 mid-conversation.
"""

from __future__ import annotations

import httpx

from bot.llm.anthropic import AnthropicBackend
from bot.llm.base import BackendMisconfigured, BackendOptions, HTTPBackend, LLMBackend, Sleep
from bot.llm.fallback import FallbackBackend
from bot.llm.gemini import GeminiBackend
from bot.llm.ollama import OllamaBackend
from bot.llm.openai import OpenAIBackend
from bot.ops.settings import BackendSettings, Settings

__all__ = ["ADAPTERS", "build_backend", "build_one"]

ADAPTERS: dict[str, type[HTTPBackend]] = {
    "openai": OpenAIBackend,
    "anthropic": AnthropicBackend,
    "ollama": OllamaBackend,
    "gemini": GeminiBackend,
}


def build_backend(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> LLMBackend | None:
    """The backend the settings describe, or None when no LLM is configured."""
    configs = settings.backends()
    if not configs:
        return None
    backends = [build_one(c, settings, transport=transport, sleep=sleep) for c in configs]
    return backends[0] if len(backends) == 1 else FallbackBackend(backends)


def build_one(
    cfg: BackendSettings,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> LLMBackend:
    """One adapter for `cfg`, with the timeouts and limits from `settings`."""
    adapter = ADAPTERS.get(cfg.provider)
    if adapter is None:
        raise BackendMisconfigured(
            f"LLM backend {cfg.name!r} has provider {cfg.provider!r}; use one of "
            f"{', '.join(ADAPTERS)} (LLM_PROVIDER).",
            backend=cfg.name,
        )
    if not cfg.model.strip():
        raise BackendMisconfigured(
            f"LLM backend {cfg.name!r} ({cfg.provider}) has no model: set LLM_MODEL.",
            backend=cfg.name,
        )
    options = BackendOptions.from_settings(settings)
    return adapter(cfg, options, transport=transport, sleep=sleep)
