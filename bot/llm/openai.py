"""OpenAI-compatible chat completions: OpenAI, vLLM, llama.cpp, Ollama /v1, LM Studio, OpenRouter…

The servers behind this one format disagree on details, so parsing is lenient: comment lines,
a missing `data: [DONE]`, a usage-only chunk with no choices, `content: null`, reasoning in
`reasoning_content`/`reasoning` (never shown), and an `{"error": ...}` object after a 200.
Requests that a server rejects for an option it does not know are revised and sent again.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from bot.llm.base import ChatMessage, HTTPBackend, StatusFailure, WireRequest
from bot.llm.sse import aiter_sse

__all__ = ["OpenAIBackend"]

logger = logging.getLogger("bot.llm")

# (option, what the error text says when a server refuses it)
_REFUSALS = (
    ("stream_options", "stream_options"),
    ("max_tokens", "max_completion_tokens"),
    ("temperature", "temperature"),
)

_VISION_MODELS = re.compile(
    r"gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|^o[134]|vision|-vl|vl-|llava|pixtral|gemma-?3|claude|gemini",
    re.IGNORECASE,
)


class OpenAIBackend(HTTPBackend):
    """POST `{base_url}/chat/completions` with `stream: true`; `base_url` ends in `/v1`."""

    provider: ClassVar[str] = "openai"
    _base_url_hint: ClassVar[str] = " For OpenAI-compatible servers it usually ends in /v1."

    def _build_request(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> WireRequest:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        url = f"{self.base_url}/chat/completions"
        return WireRequest(url, self._without_refused(body), headers)

    async def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[str, None]:
        async for event in aiter_sse(body):
            if event.data.strip() == "[DONE]":
                return
            chunk = self._json(event.data)
            if not isinstance(chunk, dict):
                continue
            if chunk.get("error"):
                raise self._in_band_error(chunk)
            if text := _delta_text(chunk):
                yield text

    def _revise(self, request: WireRequest, failure: StatusFailure) -> WireRequest | None:
        """Drop or rename the option a server just refused, and remember it for later requests.

        Some llama.cpp/vLLM versions reject `stream_options`; OpenAI's reasoning models reject
        `max_tokens` (they want `max_completion_tokens`) and any non-default `temperature`.
        """
        if failure.status not in (400, 422):
            return None
        said = failure.body_text.lower()
        for option, sign in _REFUSALS:
            if option in request.body and sign in said:
                self._refused.add(option)
                logger.info("%s refused %r; leaving it out from now on.", self.name, option)
                return replace(request, body=self._without_refused(request.body))
        return None

    def _without_refused(self, body: dict[str, Any]) -> dict[str, Any]:
        body = dict(body)
        if "max_tokens" in self._refused and "max_tokens" in body:
            body["max_completion_tokens"] = body.pop("max_tokens")
        for option in self._refused - {"max_tokens"}:
            body.pop(option, None)
        return body

    def _guess_supports_images(self, model: str) -> bool:
        return bool(_VISION_MODELS.search(model))


def _message(message: ChatMessage) -> dict[str, Any]:
    if not message.images:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    for image in message.images:
        encoded = base64.b64encode(image.data).decode("ascii")
        url = f"data:{image.mime_type};base64,{encoded}"
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return {"role": message.role, "content": parts}


def _delta_text(chunk: dict[str, Any]) -> str:
    """The answer text of the first choice; reasoning fields are deliberately not read."""
    choices = chunk.get("choices") or []
    first = choices[0] if isinstance(choices, list) and choices else None
    delta = first.get("delta") if isinstance(first, dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""
