"""Turn settings into a ready backend: one adapter per configured entry, several behind a fallback.

The one module of `bot.llm` that reads `bot.ops.settings`: it copies what the adapters need into
plain `BackendConfig`/`BackendOptions` values. Mistakes that can be seen without a request
are caught here, at start-up: a missing model or unknown provider fails, and a base URL that
will not work as written (a doubled or missing `/v1`, or a `/v1` the adapter adds itself) is
one WARNING in the log, rather than a confusing 404 mid-conversation.
"""

from __future__ import annotations

import itertools
import logging
import re
from urllib.parse import urlsplit

import httpx

from bot.llm.anthropic import AnthropicBackend
from bot.llm.config import BackendConfig, BackendOptions
from bot.llm.errors import BackendMisconfigured
from bot.llm.fallback import combine
from bot.llm.gemini import GeminiBackend
from bot.llm.http import HTTPBackend, Sleep
from bot.llm.ollama import OllamaBackend
from bot.llm.openai import OpenAIBackend
from bot.llm.types import LLMBackend
from bot.llm.wire import display_url
from bot.ops.settings import BackendSettings, Settings

__all__ = ["ADAPTERS", "base_url_problem", "build_backend", "build_one", "options_from"]

logger = logging.getLogger("bot.llm")

ADAPTERS: dict[str, type[HTTPBackend]] = {
    "openai": OpenAIBackend,
    "anthropic": AnthropicBackend,
    "ollama": OllamaBackend,
    "gemini": GeminiBackend,
}

# OpenAI-compatible services whose documented base URL has no /v1 segment.
_NO_V1_HOSTS = ("api.deepseek.com", "api.perplexity.ai", "models.inference.ai.azure.com", "models.github.ai")
_VERSION = re.compile(r"^v\d+\w*$")  # v1, v1beta, v2alpha…


def build_backend(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> LLMBackend | None:
    """The backend the settings describe, or None when no LLM is configured.

    Several entries in LLM_BACKENDS become one fallback, tried in order. Raises
    `BackendMisconfigured` for an entry without a model or with an unknown provider.
    """
    configs = settings.backends()
    if not configs:
        return None
    return combine([build_one(c, settings, transport=transport, sleep=sleep) for c in configs])


def build_one(
    cfg: BackendSettings,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> LLMBackend:
    """One adapter for `cfg`, with the timeouts and limits from `settings`.

    Logs one WARNING when its base URL looks wrong for the provider (see `base_url_problem`).
    """
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
    config = BackendConfig(
        provider=cfg.provider,
        model=cfg.model,
        base_url=cfg.base_url,
        api_key=cfg.api_key.get_secret_value(),
        name="" if cfg.name == "default" else cfg.name,
        supports_images=cfg.supports_images,
    )
    backend = adapter(config, options_from(settings), transport=transport, sleep=sleep)
    if problem := base_url_problem(cfg.provider, cfg.base_url):
        logger.warning("LLM backend %r: %s", backend.name, problem)
    return backend


def options_from(settings: Settings) -> BackendOptions:
    """The shared limits (LLM_*_TIMEOUT, LLM_MAX_RETRIES, LLM_MAX_TOKENS, LLM_TEMPERATURE)."""
    return BackendOptions(
        connect_timeout=settings.llm_connect_timeout,
        read_timeout=settings.llm_read_timeout,
        total_timeout=settings.llm_total_timeout,
        max_retries=max(0, settings.llm_max_retries),
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def base_url_problem(provider: str, base_url: str) -> str | None:
    """What is wrong with `base_url` for `provider`, in a sentence naming LLM_BASE_URL, or None.

    A trailing slash is fine everywhere. OpenAI-compatible URLs should end in one version
    segment (`/v1`): a doubled `/v1/v1`, a URL that already names `/chat/completions`, or one
    with no version at all are reported, except for known services documented without one
    (Azure's `/openai/...`, DeepSeek, Perplexity, GitHub and Azure AI model inference). The
    adapters for Anthropic, Gemini and Ollama add their own version path, so a base URL
    ending in one is reported.
    """
    try:
        parts = urlsplit(base_url.strip())
    except ValueError:
        return None  # the first request says "unusable LLM_BASE_URL" with the reason
    segments = [s for s in parts.path.split("/") if s]
    shown = display_url(base_url)
    if provider == "openai":
        if any(a == b == "v1" for a, b in itertools.pairwise(segments)):
            return f"LLM_BASE_URL ({shown}) has /v1 twice; requests would go to …/v1/v1/chat/completions."
        if segments[-2:] == ["chat", "completions"]:
            return (
                f"LLM_BASE_URL ({shown}) already ends in /chat/completions, which the adapter adds "
                "itself; stop the URL before it (usually at /v1)."
            )
        known = "openai" in segments or (parts.hostname or "").endswith(_NO_V1_HOSTS)
        if not known and not any(_VERSION.match(s) for s in segments):
            return (
                f"LLM_BASE_URL ({shown}) has no /v1; OpenAI-compatible servers (vLLM, llama.cpp, LM "
                f"Studio, Ollama's /v1) answer under it, e.g. {shown.rstrip('/')}/v1."
            )
        return None
    if segments and _VERSION.match(segments[-1]):
        added = {"anthropic": "/v1/messages", "gemini": "/v1beta/models/…", "ollama": "/api/chat"}[provider]
        also = (
            " (for Ollama's OpenAI-compatible /v1, set LLM_PROVIDER=openai)" if provider == "ollama" else ""
        )
        return (
            f"LLM_BASE_URL ({shown}) ends in /{segments[-1]}, but the {provider} adapter adds {added} "
            f"itself; drop /{segments[-1]}{also}."
        )
    return None
