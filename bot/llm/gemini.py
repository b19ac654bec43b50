"""Google Gemini (`streamGenerateContent?alt=sse` on the Generative Language API).

The key goes in the `x-goog-api-key` header, never in `?key=`: httpx writes request URLs into
its log lines and exception messages. Parts marked `thought` are reasoning and are dropped.
Gemini has no end-of-stream event: an answer is whole when a candidate carries the
`finishReason` "STOP"; "MAX_TOKENS" means it was cut off at the limit, "SAFETY",
"RECITATION" and the other policy reasons (or a blocked prompt) that a filter stopped it, and
every other one ("MALFORMED_FUNCTION_CALL", "OTHER", "FINISH_REASON_UNSPECIFIED"…, see the
API's FinishReason enum) that the generation failed. Nothing after a finishReason is read.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from bot.llm.http import BodyItem, HTTPBackend
from bot.llm.sse import aiter_sse
from bot.llm.types import ChatMessage
from bot.llm.wire import Stop, StopReason, WireRequest, endpoint, is_error_payload, merge_turns

__all__ = ["GeminiBackend"]

# Finish reasons that mean "stopped by a policy".
_BLOCKED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)


class GeminiBackend(HTTPBackend):
    """POST `{base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse`."""

    provider: ClassVar[str] = "gemini"
    final_marker: ClassVar[str] = "a finishReason"

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
        url = endpoint(self.base_url, f"/v1beta/models/{model}:streamGenerateContent", "alt=sse")
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["x-goog-api-key"] = self._api_key
        return WireRequest(url, body, headers)

    async def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[BodyItem, None]:
        async for event in aiter_sse(body):
            chunk = self._json(event.data)
            if event.event == "error":  # a proxy's named event, or llama.cpp-style `error:` (sse)
                raise self._in_band_error(event.data if chunk is None else chunk)
            if isinstance(chunk, list):  # errors, and some proxies, wrap the object in a list
                chunk = chunk[0] if chunk else None
            if not isinstance(chunk, dict):
                continue
            if is_error_payload(chunk):
                raise self._in_band_error(chunk)
            for item in _chunk_items(chunk):
                yield item

    def _parse_document(self, payload: object) -> Iterator[BodyItem]:
        """A whole response, or the JSON array of chunks sent when `alt=sse` was dropped."""
        chunks = payload if isinstance(payload, list) else [payload]
        if any(is_error_payload(c) for c in chunks) or not chunks:
            return super()._parse_document(payload)
        return iter([item for c in chunks if isinstance(c, dict) for item in _chunk_items(c)])

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


def _chunk_items(chunk: dict[str, Any]) -> list[BodyItem]:
    """Answer text of the first candidate, then how it ended, if this chunk says."""
    feedback = chunk.get("promptFeedback")
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return [Stop("content_filter", f"promptFeedback.blockReason {feedback['blockReason']!r}")]
    candidates = chunk.get("candidates") or []
    first = candidates[0] if isinstance(candidates, list) and candidates else None
    if not isinstance(first, dict):
        return []
    content = first.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    items: list[BodyItem] = [
        p["text"]
        for p in parts or []
        if isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"] and not p.get("thought")
    ]
    reason = first.get("finishReason")
    if isinstance(reason, str) and reason:
        items.append(Stop(_stop_reason(reason), f"finishReason {reason!r}"))
    return items


def _stop_reason(finish_reason: str) -> StopReason:
    if finish_reason == "STOP":
        return "end"
    if finish_reason == "MAX_TOKENS":
        return "max_tokens"
    return "content_filter" if finish_reason in _BLOCKED else "error"
