"""Ollama's native chat API (`/api/chat`, streamed as newline-delimited JSON).

Used instead of Ollama's OpenAI-compatible endpoint because the native one reports a missing
model plainly (so we can say `ollama pull MODEL`), takes images as bare base64, and keeps a
thinking model's reasoning in `message.thinking`, which is never shown. An answer is whole
when a line with `done: true` arrives; `done_reason: "length"` means it was cut off. A
non-streamed answer is one such line, so it needs no special handling.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any, ClassVar, Literal

from bot.llm.http import BodyItem, HTTPBackend
from bot.llm.sse import aiter_ndjson
from bot.llm.types import ChatMessage
from bot.llm.wire import ErrorDetail, Stop, WireRequest, endpoint, error_detail

__all__ = ["OllamaBackend"]

_VISION_MODELS = re.compile(
    r"llava|vision|-vl|vl:|vl$|bakllava|moondream|minicpm-v|gemma3|qwen2\.5vl|mistral-small3|granite3\.2-vision",
    re.IGNORECASE,
)


class OllamaBackend(HTTPBackend):
    """POST `{base_url}/api/chat` with `stream: true`."""

    provider: ClassVar[str] = "ollama"
    body_format: ClassVar[Literal["sse", "ndjson"]] = "ndjson"
    final_marker: ClassVar[str] = "a line with done: true"

    def _build_request(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> WireRequest:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in messages],
            "stream": True,
            "options": {"temperature": temperature, "num_predict": max_tokens},
        }
        headers = {"Accept": "application/x-ndjson"}
        if self._api_key:  # Ollama itself has no keys; a reverse proxy in front of it may
            headers["Authorization"] = f"Bearer {self._api_key}"
        return WireRequest(endpoint(self.base_url, "/api/chat"), body, headers)

    async def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[BodyItem, None]:
        async for line in aiter_ndjson(body):
            chunk = self._json(line)
            if not isinstance(chunk, dict):
                continue
            if chunk.get("error"):
                raise self._in_band_error(chunk)
            message = chunk.get("message")
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str) and content:
                yield content
            if chunk.get("done"):
                reason = chunk.get("done_reason")
                if reason == "length":
                    yield Stop("max_tokens", 'done_reason "length"')
                else:
                    yield Stop("end", f"done_reason {reason!r}")
                return

    def _error_detail(self, payload: object) -> ErrorDetail:
        detail = error_detail(payload)
        if "not found" in detail.message.lower() and "model" in detail.message.lower():
            return ErrorDetail(
                message=detail.message,
                status=404,
                hint=f"Run `ollama pull {self.model}` on the Ollama host, or fix LLM_MODEL.",
            )
        return detail

    def _guess_supports_images(self, model: str) -> bool:
        return bool(_VISION_MODELS.search(model))


def _message(message: ChatMessage) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.images:
        wire["images"] = [base64.b64encode(i.data).decode("ascii") for i in message.images]
    return wire
