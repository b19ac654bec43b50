"""What adapters and the HTTP machinery exchange: requests, endings, and error bodies read.

Each adapter builds a `WireRequest`, turns a response body into text and `Stop`s (how the
provider said the answer ended), and reads error payloads with `error_detail()`, which
understands the shapes of all four formats and of the servers that imitate them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from bot.llm.types import ChatMessage

__all__ = [
    "ErrorDetail",
    "Stop",
    "StopReason",
    "WireRequest",
    "display_url",
    "endpoint",
    "error_detail",
    "is_error_payload",
    "merge_turns",
    "retry_after",
]

StopReason = Literal["end", "max_tokens", "content_filter", "error"]


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request as an adapter wants it sent (always a JSON POST)."""

    url: str
    body: dict[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Stop:
    """How the provider said the answer ended. `said` is its own words, for the operator's log.

    "end" is a normal finish; "max_tokens", "content_filter" and "error" (the server says the
    generation itself failed) mean the text is not whole. A `Stop` is the provider's last word:
    nothing after it is read. A stream that ends without any `Stop` lost its final marker
    (reported as "incomplete").
    """

    reason: StopReason = "end"
    said: str = ""

    @property
    def cut(self) -> bool:
        return self.reason != "end"


@dataclass(frozen=True)
class ErrorDetail:
    """What a provider's error payload says, normalised across the formats.

    `status` is the HTTP status the error stands for (from the payload when it was sent
    inside a 200), `kind` the provider's error type, `hint` advice for the operator.
    """

    message: str = ""
    status: int | None = None
    kind: str | None = None
    retry_after: float | None = None
    hint: str | None = None


# Error "type"/"status" strings in bodies, mapped to the HTTP status they stand for. In-band
# errors (after a 200) carry no status of their own, so this decides retry vs. give up.
_KIND_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "invalid_argument": 400,
    "failed_precondition": 400,
    "exceed_context_size_error": 400,
    "context_length_exceeded": 400,
    "authentication_error": 401,
    "unauthenticated": 401,
    "permission_error": 403,
    "permission_denied": 403,
    "insufficient_quota": 403,
    "not_found_error": 404,
    "not_found": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "resource_exhausted": 429,
    "api_error": 500,
    "server_error": 500,
    "internal": 500,
    "unavailable": 503,
    "overloaded_error": 529,
    "deadline_exceeded": 504,
}
_DETAIL_LIMIT = 300

# How the servers word "the prompt does not fit": llama.cpp, OpenAI, vLLM, Anthropic, Gemini,
# LM Studio, Ollama.
_CONTEXT_FULL = re.compile(
    r"context (size|length|window)|maximum context|prompt is too long|input token count|"
    r"exceeds the (available|maximum)|too many tokens|num_ctx",
    re.IGNORECASE,
)
_CONTEXT_HINT = (
    "The prompt (history plus question) does not fit the model's context{counts}: lower "
    "LLM_HISTORY_TURNS, or give the model a larger context (llama.cpp: --ctx-size; Ollama: "
    "num_ctx / OLLAMA_CONTEXT_LENGTH; LM Studio: the model's context length)."
)


def error_detail(payload: object) -> ErrorDetail:
    """Read an error body in any of the providers' shapes.

    OpenAI/Anthropic: `{"error": {"message", "type", "code"}}`; Ollama and LM Studio:
    `{"error": "..."}`; Gemini: `{"error": {"code", "message", "status", "details"}}`,
    sometimes wrapped in a list; vLLM: `{"object": "error", "message": ...}`; FastAPI-based
    servers and proxies: `{"detail": "..."}` or a list of validation errors; llama.cpp's old
    `error:` SSE field: the error object itself; anything else: the body text itself.
    A context-size error (llama.cpp's `exceed_context_size_error` and the others' wordings)
    gets a hint naming the token counts when the server gave them.
    """
    if isinstance(payload, list) and payload:
        payload = payload[0]
    if isinstance(payload, str):
        return _with_context_hint(ErrorDetail(message=_squash(payload)), {})
    if not isinstance(payload, dict):
        return ErrorDetail()
    if not payload.get("error") and "detail" in payload:
        return _with_context_hint(_fastapi_detail(payload["detail"]), {})
    error = payload.get("error") or payload
    if isinstance(error, str):
        return _with_context_hint(ErrorDetail(message=_squash(error)), payload)
    if not isinstance(error, dict):
        return ErrorDetail()
    kinds = [str(error[k]) for k in ("type", "status", "code") if isinstance(error.get(k), str)]
    kind = next((k for k in kinds if k.lower() in _KIND_STATUS), kinds[0] if kinds else None)
    code = error.get("code")
    status = code if isinstance(code, int) and 400 <= code <= 599 else None
    if status is None and kind:
        status = _KIND_STATUS.get(kind.lower())
    if (reason := _error_info_reason(error)) and (key_status := _key_refusal(reason)):
        kind, status = reason, key_status
    message = str(error.get("message") or kind or "")
    detail = ErrorDetail(message=_squash(message), status=status, kind=kind, retry_after=_retry_info(error))
    return _with_context_hint(detail, error)


def is_error_payload(payload: object) -> bool:
    """Whether a JSON body (or one chunk of a stream) reports an error rather than an answer.

    The shapes `error_detail()` reads: an `error` member (OpenAI, Gemini, Ollama, LM Studio),
    Anthropic's `"type": "error"`, vLLM's `"object": "error"` and FastAPI's `detail`, which
    vLLM and many proxies answer with HTTP 200 where a stream was expected.
    """
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    if not isinstance(payload, dict):
        return False
    marked = payload.get("type") == "error" or payload.get("object") == "error"
    return marked or bool(payload.get("error")) or bool(payload.get("detail"))


def _fastapi_detail(detail: object) -> ErrorDetail:
    """FastAPI's `{"detail": ...}`: a sentence, or request validation errors (its 422)."""
    if isinstance(detail, list):
        said = [
            ".".join(str(p) for p in item.get("loc") or ()) + f": {item.get('msg', '')}"
            for item in detail
            if isinstance(item, dict)
        ]
        return ErrorDetail(message=_squash("; ".join(said)), status=422, kind="validation_error")
    return ErrorDetail(message=_squash(str(detail or "")))


# google.rpc.ErrorInfo reasons that mean the key itself is refused (googleapis/api-common-protos,
# google/api/error_reason.proto). Gemini sends API_KEY_INVALID with HTTP 400 INVALID_ARGUMENT
# ("API key not valid"), so the status alone would blame the request instead of the key.
_KEY_REASONS: dict[str, int] = {"API_KEY_INVALID": 401, "ACCESS_TOKEN_EXPIRED": 401}


def _error_info_reason(error: Mapping[str, Any]) -> str | None:
    for item in error.get("details") or ():
        if isinstance(item, dict) and isinstance(item.get("reason"), str):
            return str(item["reason"])
    return None


def _key_refusal(reason: str) -> int | None:
    """401 for a key the provider does not accept, 403 for one it blocks here, else None."""
    if reason in _KEY_REASONS:
        return _KEY_REASONS[reason]
    return 403 if reason.startswith("API_KEY_") and reason.endswith("_BLOCKED") else None


def _with_context_hint(detail: ErrorDetail, error: Mapping[str, Any]) -> ErrorDetail:
    kind = (detail.kind or "").lower()
    if kind not in ("exceed_context_size_error", "context_length_exceeded") and not _CONTEXT_FULL.search(
        detail.message
    ):
        return detail
    counts = ""
    if isinstance(error.get("n_prompt_tokens"), int) and isinstance(error.get("n_ctx"), int):
        counts = f" (prompt {error['n_prompt_tokens']} tokens, context {error['n_ctx']})"
    hint = _CONTEXT_HINT.format(counts=counts)
    # Too big is the request's fault, never the server's: not worth retrying, whatever the code.
    status = detail.status if detail.status is not None and detail.status < 500 else 400
    return ErrorDetail(detail.message, status, detail.kind, detail.retry_after, hint)


def _retry_info(error: dict[str, Any]) -> float | None:
    """Gemini puts the wait in `details[].retryDelay` ("37s") rather than a header."""
    for item in error.get("details") or ():
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                return None
    return None


def _squash(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def merge_turns(
    messages: Sequence[ChatMessage],
) -> tuple[str, list[tuple[Literal["user", "assistant"], list[ChatMessage]]]]:
    """Split out the system prompt and group consecutive same-role messages.

    Anthropic rejects two user (or assistant) messages in a row and Gemini dislikes it, yet
    chat history plus a grounding message easily produces that; grouping keeps every part.
    """
    system = "\n\n".join(m.content for m in messages if m.role == "system" and m.content)
    turns: list[tuple[Literal["user", "assistant"], list[ChatMessage]]] = []
    for message in messages:
        if message.role == "system":
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1][1].append(message)
        else:
            turns.append((message.role, [message]))
    return system, turns


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from `retry-after-ms` (OpenAI) or `Retry-After` (seconds or a date)."""
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def endpoint(base_url: str, path: str, query: str = "") -> str:
    """`path` added to the base URL's path, with the base's own query kept after it (then `query`).

    Azure OpenAI's base URLs carry one (`…/openai/deployments/NAME?api-version=2024-10-21`):
    adding the path to the string would put it inside the query. A URL that cannot be split is
    joined as text, so httpx reports what is wrong with it.
    """
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return base_url + path + (f"?{query}" if query else "")
    merged = "&".join(q for q in (parts.query, query) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + path, merged, ""))


def display_url(url: str) -> str:
    """The URL without user info, query or fragment: the parts where keys tend to hide."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
