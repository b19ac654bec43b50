"""LLM backends: one small streaming interface, one adapter per wire format.

    backend = build_backend(settings)          # None when LLM_PROVIDER=none
    async for text in backend.stream([ChatMessage("user", "Hi")]):
        ...

Failures are `LLMError`s: `BackendMisconfigured` (fix the settings), `BackendUnavailable`
(try later or elsewhere) and `StreamInterrupted` (broke off; `.partial` has the text so far).
"""

from collections.abc import Sequence

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


def members(llm: LLMBackend) -> list[LLMBackend]:
    """The backends behind `llm`: those of a fallback, or `[llm]` itself."""
    return list(llm.backends) if isinstance(llm, FallbackBackend) else [llm]


def combine(backends: Sequence[LLMBackend]) -> LLMBackend:
    """One backend for several: itself when alone, else a fallback trying them in order."""
    return backends[0] if len(backends) == 1 else FallbackBackend(backends)


class BackendTimeout(BackendUnavailable):
    """The backend sent nothing within a timeout (placeholder until the wire-format work lands)."""


class AnswerCutOff(StreamInterrupted):
    """The answer stopped early (placeholder until the wire-format work lands)."""


__all__ = [
    "AnswerCutOff",
    "BackendMisconfigured",
    "BackendOptions",
    "BackendTimeout",
    "BackendUnavailable",
    "ChatMessage",
    "FallbackBackend",
    "ImagePart",
    "LLMBackend",
    "LLMError",
    "StreamInterrupted",
    "build_backend",
    "build_one",
    "combine",
    "members",
]
