"""What can go wrong with a language model, as a small tree of exceptions.

    LLMError                      every backend failure; str() is safe to log (no keys)
    ├── BackendMisconfigured      the request itself is wrong: key, model, URL, context size.
    │                             Retrying cannot help; the message says what to fix.
    ├── BackendUnavailable        the backend could not answer now: down, overloaded,
    │   │                         rate-limited. Try again later (or another backend).
    │   └── BackendTimeout        no first byte within LLM_READ_TIMEOUT, or LLM_TOTAL_TIMEOUT
    │                             passed before the answer began; `.setting`, `.seconds`.
    └── StreamInterrupted         the answer broke off after some text; `.partial` has it.
        └── AnswerCutOff          the model stopped early, or the stream lost its end:
                                  `.reason` is "max_tokens", "content_filter", "error" or
                                  "incomplete".

Callers catch the most specific class they can act on: the engine turns each into one
sentence for the user, the fallback moves on only from errors raised before any text.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AnswerCutOff",
    "BackendMisconfigured",
    "BackendTimeout",
    "BackendUnavailable",
    "CutOffReason",
    "LLMError",
    "StreamInterrupted",
]

CutOffReason = Literal["max_tokens", "content_filter", "error", "incomplete"]


class LLMError(Exception):
    """Base of every backend failure. `str()` is safe to show an operator: it never holds a key.

    `backend` names the backend that failed; `retryable` says whether sending the same request
    again soon may succeed (rate limits, overload, server errors, dropped connections), and
    `retry_after` how long the backend asked to wait, in seconds, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        backend: str = "",
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.backend = backend
        self.retry_after = retry_after
        self.retryable = retryable

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class BackendMisconfigured(LLMError):
    """The backend refused the request itself (key, model, URL, prompt size): retrying cannot help."""


class BackendUnavailable(LLMError):
    """The backend could not answer now (down, overloaded, rate-limited): try later or elsewhere."""


class BackendTimeout(BackendUnavailable):
    """The model did not start its answer in time.

    `setting` is the timeout that fired ("LLM_READ_TIMEOUT": no byte for that long;
    "LLM_TOTAL_TIMEOUT": the overall deadline) and `seconds` its value, so the operator's log
    says which knob to turn; the user is only told the model took too long.
    """

    def __init__(self, message: str, *, backend: str = "", setting: str, seconds: float) -> None:
        super().__init__(message, backend=backend)
        self.setting = setting
        self.seconds = seconds


class StreamInterrupted(LLMError):
    """The answer broke off after some text was already delivered; `partial` holds that text."""

    def __init__(
        self,
        message: str,
        *,
        backend: str = "",
        partial: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, backend=backend, retry_after=retry_after)
        self.partial = partial


class AnswerCutOff(StreamInterrupted):
    """The stream ended but the answer is not whole; raised after the partial text was yielded.

    `reason` is "max_tokens" (the model reached its token limit: raise LLM_MAX_TOKENS),
    "content_filter" (the provider's filter stopped it), "error" (the server said the generation
    failed: OpenAI-compatible `finish_reason: "error"`, Gemini's `MALFORMED_FUNCTION_CALL`…) or
    "incomplete" (the stream ended without its final marker: a proxy or the server dropped
    it). `partial` may be empty, e.g.
    when a filter blocked the question itself. Never retried: the same request would stop
    the same way, and the user has already seen the text.
    """

    def __init__(self, message: str, *, backend: str = "", partial: str = "", reason: CutOffReason) -> None:
        super().__init__(message, backend=backend, partial=partial)
        self.reason: CutOffReason = reason
