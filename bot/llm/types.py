"""The contract the rest of the bot sees: chat messages in, an answer streamed as text out.

Everything else in `bot.llm` (wire formats, HTTP, retries, fallbacks) hides behind
`LLMBackend`, so the engine, contemplation and the channels never know which provider answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["ChatMessage", "ImagePart", "LLMBackend", "Role"]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ImagePart:
    """An image attached to a message, as raw bytes; each adapter encodes it its own way."""

    data: bytes
    mime_type: str = "image/jpeg"

    def __repr__(self) -> str:  # the bytes would flood logs and tracebacks
        return f"ImagePart(<{len(self.data)} bytes>, mime_type={self.mime_type!r})"


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a conversation; `images` only on user turns, for backends that see them."""

    role: Role
    content: str
    images: tuple[ImagePart, ...] = ()


class LLMBackend(Protocol):
    """What the engine needs from a model: stream an answer, and let go of connections.

    `stream()` yields non-empty text chunks in order, only the answer (never reasoning), and
    raises an `LLMError` (see `bot.llm.errors`) when it cannot give a whole answer; once
    text was yielded the error is a `StreamInterrupted` carrying that text in `.partial`.
    `name` identifies the backend in logs; `supports_images` says whether images are read.
    """

    name: str
    supports_images: bool

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[str]: ...

    async def aclose(self) -> None: ...
