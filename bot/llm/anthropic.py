"""Anthropic Messages API (`/v1/messages`, streamed as server-sent events).

The API is strict where chat history is loose: the system prompt is a top-level field, roles
must alternate, and `max_tokens` is required. Only `text_delta` reaches the user; thinking and
signature deltas are dropped, and an `error` event (often `overloaded_error`) becomes an error,
also when its data is not JSON (a proxy's plain-text complaint, quoted as it came).
An answer is whole when `message_stop` arrives; a `stop_reason` of "max_tokens" or "refusal"
means it was cut off.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar

from bot.llm.http import BodyItem, HTTPBackend
from bot.llm.sse import aiter_sse
from bot.llm.types import ChatMessage
from bot.llm.wire import Stop, WireRequest, endpoint, merge_turns

__all__ = ["ANTHROPIC_VERSION", "AnthropicBackend"]

ANTHROPIC_VERSION = "2023-06-01"

_STOPS: dict[str, Stop] = {
    "max_tokens": Stop("max_tokens", 'stop_reason "max_tokens"'),
    "model_context_window_exceeded": Stop("max_tokens", 'stop_reason "model_context_window_exceeded"'),
    "refusal": Stop("content_filter", 'stop_reason "refusal"'),
}


class AnthropicBackend(HTTPBackend):
    """POST `{base_url}/v1/messages` with `stream: true`."""

    provider: ClassVar[str] = "anthropic"
    final_marker: ClassVar[str] = "message_stop"

    def _build_request(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> WireRequest:
        system, turns = merge_turns(messages)
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
            "messages": [
                {"role": role, "content": [b for m in group for b in _blocks(m)]} for role, group in turns
            ],
        }
        if system:
            body["system"] = system
        headers = {"anthropic-version": ANTHROPIC_VERSION, "Accept": "text/event-stream"}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return WireRequest(endpoint(self.base_url, "/v1/messages"), body, headers)

    async def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[BodyItem, None]:
        async for event in aiter_sse(body):
            payload = self._json(event.data)
            if event.event == "error":
                raise self._in_band_error(event.data if payload is None else payload)
            if not isinstance(payload, dict):
                continue
            kind = payload.get("type")
            if kind == "error":
                raise self._in_band_error(payload)
            if kind == "content_block_delta":
                delta = payload.get("delta") or {}
                if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
                    yield delta["text"]
            elif kind == "message_delta" and (stop := _STOPS.get(_stop_reason(payload) or "")):
                yield stop
            elif kind == "message_stop":
                yield Stop("end", "message_stop")
                return

    def _parse_document(self, payload: object) -> Iterator[BodyItem]:
        """A whole `message` object (non-streamed), or an error object."""
        if not isinstance(payload, dict) or payload.get("type") != "message":
            return super()._parse_document(payload)
        texts: list[BodyItem] = [
            b["text"]
            for b in payload.get("content") or []
            if isinstance(b, dict)
            and b.get("type") == "text"
            and isinstance(b.get("text"), str)
            and b["text"]
        ]
        reason = payload.get("stop_reason")
        stop = _STOPS.get(reason, Stop("end", f"stop_reason {reason!r}")) if isinstance(reason, str) else None
        return iter([*texts, stop or Stop("end", "a complete JSON response")])

    def _guess_supports_images(self, model: str) -> bool:
        return True  # every current Claude model reads images


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    """Images first, then text, as Anthropic recommends; empty text blocks are refused."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": image.mime_type,
                "data": base64.b64encode(image.data).decode("ascii"),
            },
        }
        for image in message.images
    ]
    if message.content.strip():
        blocks.append({"type": "text", "text": message.content})
    return blocks


def _stop_reason(payload: dict[str, Any]) -> str | None:
    delta = payload.get("delta")
    reason = delta.get("stop_reason") if isinstance(delta, dict) else None
    return reason if isinstance(reason, str) else None
