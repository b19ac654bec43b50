"""LLM backends: one small streaming interface, one adapter per wire format.

    backend = build_backend(settings)          # None when LLM_PROVIDER=none
    async for text in backend.stream([ChatMessage("user", "Hi")]):
        ...

This package namespace is the whole contract: code outside `bot.llm` imports from here only.
Failures are the `LLMError` tree drawn in `bot.llm.errors`: `BackendMisconfigured` (fix the
settings), `BackendUnavailable` and its `BackendTimeout` (try later or elsewhere), and
`StreamInterrupted` and its `AnswerCutOff` (the answer broke off; `.partial` has the text so
far). `members()` and `combine()` take apart and build a group of backends tried in order.

Inside: `types` (the contract), `errors`, `config` (what adapters are built from), `wire`
(requests, endings, error bodies), `http` (send, retry, read), `failures` (what went wrong,
in words), `think` (reasoning out of the text), `sse` (stream formats), one module per wire
format (`openai`, `anthropic`, `ollama`, `gemini`), `fallback`, and `factory`.

The adapters (and httpx under them) are imported when a backend is first built, not with this
package: `musebot ask` without a model, and the knowledge answers of a bot, never need them.
"""

from typing import TYPE_CHECKING, Any

from bot.llm.config import BackendOptions
from bot.llm.errors import (
    AnswerCutOff,
    BackendMisconfigured,
    BackendTimeout,
    BackendUnavailable,
    LLMError,
    StreamInterrupted,
)
from bot.llm.fallback import combine, members
from bot.llm.types import ChatMessage, ImagePart, LLMBackend

__all__ = [
    "AnswerCutOff",
    "BackendMisconfigured",
    "BackendOptions",
    "BackendTimeout",
    "BackendUnavailable",
    "ChatMessage",
    "ImagePart",
    "LLMBackend",
    "LLMError",
    "StreamInterrupted",
    "build_backend",
    "build_one",
    "combine",
    "members",
]

if TYPE_CHECKING:
    from bot.llm.factory import build_one
    from bot.ops.settings import Settings


def build_backend(settings: "Settings", **kwargs: Any) -> LLMBackend | None:
    """The backend the settings describe, or None when no LLM is configured (`bot.llm.factory`)."""
    if not settings.backends():
        return None
    from bot.llm.factory import build_backend as build

    return build(settings, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "build_one":
        from bot.llm import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'bot.llm' has no attribute {name!r}")
