"""LLM backends: one small streaming interface, one adapter per wire format.

    backend = build_backend(settings)          # None when LLM_PROVIDER=none
    async for text in backend.stream([ChatMessage("user", "Hi")]):
        ...

Failures are `LLMError`s: `BackendMisconfigured` (fix the settings), `BackendUnavailable`
(try later or elsewhere) and `StreamInterrupted` (broke off; `.partial` has the text so far).
"""

from bot.llm.base import (
    BackendMisconfigured,
    BackendOptions,
    BackendUnavailable,
    ChatMessage,
    ImagePart,
    LLMBackend,
    LLMError,
    StreamInterrupted,
)
from bot.llm.factory import build_backend, build_one
from bot.llm.fallback import FallbackBackend

__all__ = [
    "BackendMisconfigured",
    "BackendOptions",
    "BackendUnavailable",
    "ChatMessage",
    "FallbackBackend",
    "ImagePart",
    "LLMBackend",
    "LLMError",
    "StreamInterrupted",
    "build_backend",
    "build_one",
]
