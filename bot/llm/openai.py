"""OpenAI-compatible chat completions: OpenAI, vLLM, llama.cpp, Ollama /v1, LM Studio, OpenRouter…

The servers behind this one format disagree on details, so parsing is lenient: comment lines,
a usage-only chunk with no choices, `content: null`, content as a list of parts (Mistral's
Magistral: `thinking` parts are skipped, `text` parts read), reasoning in `reasoning_content`
or `reasoning` (never shown), an `{"error": ...}` object or llama.cpp's `error:` field after a
200, and a server that answers a streaming request with one complete JSON completion. An
answer is whole once a `finish_reason` (or `data: [DONE]`) came, and nothing after it is read;
"length" and "content_filter" mean it was cut off, "error" that it failed part-way. Requests
that a server rejects for an option it does not know are revised and sent again.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import urlsplit

from bot.llm.http import BodyItem, HTTPBackend, StatusFailure
from bot.llm.sse import aiter_sse
from bot.llm.types import ChatMessage
from bot.llm.wire import (
    ErrorDetail,
    Stop,
    StopReason,
    WireRequest,
    display_url,
    endpoint,
    error_detail,
    is_error_payload,
)

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

# finish_reason values that mean the answer is not whole; any other one ("stop", "tool_calls",
# "eos", "end_turn"…) is a normal end. "model_length", "error": Mistral's FinishReason;
# "error": OpenRouter and bifrost after a provider failed mid-answer; "abort": vLLM's
# FinishReason for a request the engine dropped; "insufficient_system_resource": DeepSeek's,
# for a generation its servers could not finish.
_CUT_FINISHES: dict[str, StopReason] = {
    "length": "max_tokens",
    "model_length": "max_tokens",
    "content_filter": "content_filter",
    "error": "error",
    "abort": "error",
    "insufficient_system_resource": "error",
}


class OpenAIBackend(HTTPBackend):
    """POST `{base_url}/chat/completions` with `stream: true`; `base_url` ends in `/v1`."""

    provider: ClassVar[str] = "openai"
    final_marker: ClassVar[str] = "a finish_reason or data: [DONE]"
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
        url = endpoint(self.base_url, "/chat/completions")
        return WireRequest(url, self._without_refused(body), headers)

    async def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[BodyItem, None]:
        async for event in aiter_sse(body):
            if event.data.strip() == "[DONE]":
                yield Stop("end", "data: [DONE]")
                return
            chunk = self._json(event.data)
            if event.event == "error":  # llama.cpp's `error:` field (see bot.llm.sse)
                raise self._in_band_error(chunk if chunk is not None else event.data)
            if not isinstance(chunk, dict):
                continue
            if is_error_payload(chunk):
                raise self._in_band_error(chunk)
            first = _first_choice(chunk)
            if text := _text(first, "delta"):
                yield text
            if stop := _finish(first):
                yield stop

    def _parse_document(self, payload: object) -> Iterator[BodyItem]:
        """A whole `chat.completion` (the server ignored `stream: true`), or an error object."""
        if not isinstance(payload, dict) or "choices" not in payload:
            return super()._parse_document(payload)
        first = _first_choice(payload)
        items: list[BodyItem] = [_text(first, "message")]
        items.append(_finish(first) or Stop("end", "a complete JSON response"))
        return iter([i for i in items if i])

    def _error_detail(self, payload: object) -> ErrorDetail:
        detail = error_detail(payload)
        if "unexpected endpoint" in detail.message.lower():  # LM Studio's 200 for an unknown path
            return replace(detail, status=404, hint=self._path_hint())
        return detail

    def _path_hint(self) -> str:
        where = display_url(self.base_url)
        if not re.search(r"/v\d", urlsplit(self.base_url).path):
            return (
                f"The server does not know the path: LLM_BASE_URL ({where}) lacks /v1. LM Studio and "
                f"most OpenAI-compatible servers want it, e.g. {where}/v1."
            )
        return f"The server does not know the path under LLM_BASE_URL ({where}); check it."

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


def _first_choice(chunk: dict[str, Any]) -> dict[str, Any]:
    choices = chunk.get("choices") or []
    first = choices[0] if isinstance(choices, list) and choices else None
    return first if isinstance(first, dict) else {}


def _text(choice: dict[str, Any], field: str) -> str:
    """The answer text of a choice's `delta` or `message`; reasoning is never read.

    `content` is a string, or (Mistral's reasoning models, Magistral) a list of parts:
    `{"type": "text", "text": ...}` is answer, `{"type": "thinking", "thinking": [...]}` is
    reasoning and skipped, like the `reasoning_content` field other servers use.
    """
    part = choice.get(field)
    content = part.get("content") if isinstance(part, dict) else None
    if isinstance(content, list):
        return "".join(
            p["text"]
            for p in content
            if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
        )
    return content if isinstance(content, str) else ""


def _finish(choice: dict[str, Any]) -> Stop | None:
    reason = choice.get("finish_reason")
    if not isinstance(reason, str) or not reason:
        return None
    return Stop(_CUT_FINISHES.get(reason.lower(), "end"), f'finish_reason "{reason}"')
