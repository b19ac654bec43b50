"""Google Gemini (`streamGenerateContent?alt=sse` on the Generative Language API).

The key goes in the `x-goog-api-key` header, never in `?key=`: httpx writes request URLs into
its log lines and exception messages. Parts marked `thought` are reasoning and are dropped;
a safety stop would otherwise look like an empty or truncated answer, so it adds a short note.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from bot.llm.base import ChatMessage, HTTPBackend, WireRequest, merge_turns
from bot.llm.sse import aiter_sse

__all__ = ["GeminiBackend"]

# Finish reasons that mean "stopped by a policy", with words a reader understands.
_BLOCKED: dict[str, str] = {
    "SAFETY": "its safety filter",
    "RECITATION": "its recitation (copyright) check",
    "BLOCKLIST": "a blocklist",
    "PROHIBITED_CONTENT": "its prohibited-content filter",
    "SPII": "its personal-information filter",
    "IMAGE_SAFETY": "its image safety filter",
}


class GeminiBackend(HTTPBackend):
    """POST `{base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse`."""

    provider: ClassVar[str] = "gemini"

    def _build_request(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> WireRequest:
        system, turns = merge_turns(messages)
        body: dict[str, Any] = {
            "contents": [
                {
                    "role": "model" if role == "assistant" else "user",
                    "parts": [p for m in group for p in _parts(m)],
                }
                for role, group in turns
            ],
            "generationConfig": {"maxOutputTokens": max_tokens, "temperature": temperature},
        }
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        model = quote(self.model.removeprefix("models/"), safe="-._~")
        url = f"{self.base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse"
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["x-goog-api-key"] = self._api_key
        return WireRequest(url, body, headers)

    async def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[str, None]:
        async for event in aiter_sse(body):
            chunk = self._json(event.data)
            if isinstance(chunk, list):  # errors, and some proxies, wrap the object in a list
                chunk = chunk[0] if chunk else None
            if not isinstance(chunk, dict):
                continue
            if chunk.get("error"):
                raise self._in_band_error(chunk)
            for text in _chunk_texts(chunk):
                yield text

    def _guess_supports_images(self, model: str) -> bool:
        return True  # every Gemini model reads images


def _parts(message: ChatMessage) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [
        {
            "inline_data": {
                "mime_type": image.mime_type,
                "data": base64.b64encode(image.data).decode("ascii"),
            }
        }
        for image in message.images
    ]
    if message.content or not parts:
        parts.append({"text": message.content})
    return parts


def _chunk_texts(chunk: dict[str, Any]) -> list[str]:
    """Answer text of the first candidate, then a note if a filter stopped it."""
    feedback = chunk.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return [f"[Gemini refused the question ({feedback['blockReason']}).]"]
    candidates = chunk.get("candidates") or []
    first = candidates[0] if isinstance(candidates, list) and candidates else None
    if not isinstance(first, dict):
        return []
    content = first.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    texts = [
        p["text"]
        for p in parts or []
        if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    ]
    reason = first.get("finishReason")
    if isinstance(reason, str) and reason in _BLOCKED:
        texts.append(f"\n\n[Gemini stopped this answer: {_BLOCKED[reason]} ({reason}).]")
    return [t for t in texts if t]
