"""Several backends behind one: the next is tried only while the user has seen nothing.

Switching after the first chunk would splice two different answers together, so from then on
an error ends the answer (as `StreamInterrupted`, with what was said so far). `combine()` and
`members()` are how code outside `bot.llm` builds and takes apart such a group without
knowing the class.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from bot.llm.errors import (
    BackendMisconfigured,
    BackendTimeout,
    BackendUnavailable,
    LLMError,
    StreamInterrupted,
)
from bot.llm.types import ChatMessage, LLMBackend

__all__ = ["FallbackBackend", "combine", "members"]

logger = logging.getLogger("bot.llm")


def combine(backends: Sequence[LLMBackend]) -> LLMBackend:
    """One backend for `backends`: the backend itself when there is one, else a fallback in order.

    Raises ValueError for an empty sequence.
    """
    if len(backends) == 1:
        return backends[0]
    return FallbackBackend(backends)


def members(llm: LLMBackend) -> list[LLMBackend]:
    """The distinct backends behind `llm`: those a fallback tries, in order, or `[llm]`."""
    return list(llm.backends) if isinstance(llm, FallbackBackend) else [llm]


class FallbackBackend:
    """Tries `backends` in order; `supports_images` if any of them does."""

    def __init__(self, backends: Sequence[LLMBackend]) -> None:
        if not backends:
            raise ValueError("a fallback needs at least one backend")
        self.backends = tuple(backends)
        self.name = "fallback(" + ", ".join(b.name for b in self.backends) + ")"
        self.supports_images = any(b.supports_images for b in self.backends)

    def __repr__(self) -> str:
        return f"<FallbackBackend {self.name!r}>"

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[str]:
        errors: list[LLMError] = []
        for backend in self._candidates(messages):
            partial: list[str] = []
            pieces = backend.stream(messages, max_tokens=max_tokens, temperature=temperature)
            try:
                async with _closing(pieces):
                    async for piece in pieces:
                        partial.append(piece)
                        yield piece
                return
            except StreamInterrupted:
                raise
            except LLMError as exc:
                if partial:
                    raise _interrupted(exc, backend.name, "".join(partial)) from exc
                logger.warning("%s Trying the next backend.", exc)
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise self._all_failed(errors) from errors[-1]

    async def aclose(self) -> None:
        for backend in self.backends:
            await backend.aclose()

    def _candidates(self, messages: Sequence[ChatMessage]) -> list[LLMBackend]:
        """Backends that can read the messages: with images, only those that see images."""
        if any(m.images for m in messages):
            seeing = [b for b in self.backends if b.supports_images]
            if seeing:
                return seeing
        return list(self.backends)

    def _all_failed(self, errors: list[LLMError]) -> LLMError:
        summary = " | ".join(str(e) for e in errors)
        message = f"No LLM backend could answer: {summary}"
        if all(isinstance(e, BackendMisconfigured) for e in errors):
            return BackendMisconfigured(message, backend=self.name)
        if all(isinstance(e, BackendTimeout) for e in errors):
            first = errors[0]
            assert isinstance(first, BackendTimeout)
            return BackendTimeout(message, backend=self.name, setting=first.setting, seconds=first.seconds)
        waits = [e.retry_after for e in errors if e.retry_after is not None]
        return BackendUnavailable(
            message,
            backend=self.name,
            retry_after=min(waits) if waits else None,
            retryable=any(e.retryable for e in errors),
        )


@asynccontextmanager
async def _closing(pieces: AsyncIterator[str]) -> AsyncIterator[None]:
    """Close a backend's generator promptly (and its HTTP response) when we stop early."""
    try:
        yield
    finally:
        aclose = getattr(pieces, "aclose", None)
        if aclose is not None:
            await aclose()


def _interrupted(error: LLMError, backend: str, partial: str) -> StreamInterrupted:
    return StreamInterrupted(
        f"{error} The answer stopped part-way.",
        backend=backend,
        partial=partial,
        retry_after=error.retry_after,
    )
