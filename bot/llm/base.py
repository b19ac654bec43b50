"""The LLM backend contract, its errors, and the HTTP machinery every adapter shares.

Adapters only know their wire format: how to build a request and how to turn a response body
into text. Everything that must behave the same for every provider lives here, once: timeouts
(connect, idle read, overall deadline), retries before the first token (honouring
Retry-After), mapping HTTP and transport failures to errors an operator can act on, dropping
`<think>` blocks, and keeping API keys out of every message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import functools
import json
import logging
import random
import ssl
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from bot.ops.settings import BackendSettings, Settings

__all__ = [
    "BackendMisconfigured",
    "BackendOptions",
    "BackendUnavailable",
    "ChatMessage",
    "ErrorDetail",
    "HTTPBackend",
    "ImagePart",
    "LLMBackend",
    "LLMError",
    "Sleep",
    "StatusFailure",
    "StreamInterrupted",
    "WireRequest",
    "error_detail",
    "merge_turns",
]

logger = logging.getLogger("bot.llm")

Sleep = Callable[[float], Awaitable[None]]
_T = TypeVar("_T")


# --- the contract -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImagePart:
    """An image attached to a message, as raw bytes; each adapter encodes it its own way."""

    data: bytes
    mime_type: str = "image/jpeg"

    def __repr__(self) -> str:  # the bytes would flood logs and tracebacks
        return f"ImagePart(<{len(self.data)} bytes>, mime_type={self.mime_type!r})"


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str
    images: tuple[ImagePart, ...] = ()


class LLMBackend(Protocol):
    """What the engine needs from a model: stream an answer, and let go of connections."""

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


class LLMError(Exception):
    """Base of every backend failure. `str()` is safe to show: it never holds a key.

    `retryable` says whether sending the same request again soon may succeed (rate limits,
    overload, server errors, dropped connections); the retry loop and callers use it.
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
    """The backend refused the request itself (key, model, URL): retrying cannot help."""


class BackendUnavailable(LLMError):
    """The backend could not answer now (down, overloaded, rate-limited, too slow to start)."""


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


# --- configuration and wire types --------------------------------------------------------


@dataclass(frozen=True)
class BackendOptions:
    """The settings every adapter shares, lifted out of `Settings` so tests can set them."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    total_timeout: float = 180.0
    max_retries: int = 2
    max_tokens: int = 1024
    temperature: float = 0.3
    max_retry_after: float = 30.0
    backoff_base: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> BackendOptions:
        return cls(
            connect_timeout=settings.llm_connect_timeout,
            read_timeout=settings.llm_read_timeout,
            total_timeout=settings.llm_total_timeout,
            max_retries=max(0, settings.llm_max_retries),
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
        )

    def httpx_timeout(self) -> httpx.Timeout:
        # httpx's read timeout applies to each socket read, which is exactly "idle": no bytes
        # for that long. The overall deadline is enforced separately, per await.
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.read_timeout,
            pool=self.connect_timeout,
        )


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request as an adapter wants it sent (always a JSON POST)."""

    url: str
    body: dict[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class ErrorDetail:
    """What a provider's error payload says, normalised across the four formats."""

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
_RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
_DETAIL_LIMIT = 300


def error_detail(payload: object) -> ErrorDetail:
    """Read an error body in any of the providers' shapes.

    OpenAI/Anthropic: `{"error": {"message", "type", "code"}}`; Ollama: `{"error": "..."}`;
    Gemini: `{"error": {"code", "message", "status", "details"}}`, sometimes wrapped in a list;
    vLLM: `{"object": "error", "message": ...}`; anything else: the body text itself.
    """
    if isinstance(payload, list) and payload:
        payload = payload[0]
    if isinstance(payload, str):
        return ErrorDetail(message=_squash(payload))
    if not isinstance(payload, dict):
        return ErrorDetail()
    error = payload.get("error") or payload
    if isinstance(error, str):
        return ErrorDetail(message=_squash(error))
    if not isinstance(error, dict):
        return ErrorDetail()
    kinds = [str(error[k]) for k in ("type", "status", "code") if isinstance(error.get(k), str)]
    kind = next((k for k in kinds if k.lower() in _KIND_STATUS), kinds[0] if kinds else None)
    code = error.get("code")
    status = code if isinstance(code, int) and 400 <= code <= 599 else None
    if status is None and kind:
        status = _KIND_STATUS.get(kind.lower())
    message = str(error.get("message") or kind or "")
    return ErrorDetail(message=_squash(message), status=status, kind=kind, retry_after=_retry_info(error))


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


# --- the shared HTTP machinery ------------------------------------------------------------


@dataclass(eq=False)
class StatusFailure(Exception):
    """A non-2xx answer, kept raw until the adapter has had a chance to revise the request."""

    status: int
    detail: ErrorDetail
    body_text: str
    retry_after: float | None


class HTTPBackend(ABC):
    """One backend over one `httpx.AsyncClient`; subclasses supply only the wire format."""

    provider: ClassVar[str]
    _base_url_hint: ClassVar[str] = ""
    name: str
    supports_images: bool

    def __init__(
        self,
        config: BackendSettings,
        options: BackendOptions | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.model = config.model
        self.base_url = config.base_url.rstrip("/")
        self.name = config.name if config.name != "default" else f"{self.provider}:{self.model}"
        self.supports_images = (
            config.supports_images
            if config.supports_images is not None
            else self._guess_supports_images(self.model)
        )
        self._api_key = config.api_key.get_secret_value()
        self._refused: set[str] = set()  # request options this server rejected; see _revise
        self._options = options or BackendOptions()
        self._sleep: Sleep = sleep or asyncio.sleep
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=self._options.httpx_timeout(), transport=transport, verify=_tls_context()
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} at {_display_url(self.base_url)}>"

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[str]:
        request = self._build_request(
            messages,
            max_tokens=max_tokens or self._options.max_tokens,
            temperature=self._options.temperature if temperature is None else temperature,
        )
        try:
            async with aclosing(self._with_retries(request)) as pieces:
                async for piece in pieces:
                    yield piece
        except LLMError as exc:
            self._redact(exc)
            raise

    # --- what adapters provide ---

    @abstractmethod
    def _build_request(
        self, messages: Sequence[ChatMessage], *, max_tokens: int, temperature: float
    ) -> WireRequest: ...

    @abstractmethod
    def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[str, None]:
        """Answer text from a 2xx body; raise `self._in_band_error(...)` for error payloads."""

    def _guess_supports_images(self, model: str) -> bool:
        return False

    def _error_detail(self, payload: object) -> ErrorDetail:
        return error_detail(payload)

    def _revise(self, request: WireRequest, failure: StatusFailure) -> WireRequest | None:
        """A changed request worth sending at once after `failure`, or None (the default)."""
        return None

    # --- helpers for adapters ---

    def _in_band_error(self, payload: object) -> LLMError:
        """An error sent inside a 2xx stream; without a status, assume a server-side fault."""
        detail = self._clean_detail(payload)
        return self._status_error(detail.status or 502, detail, detail.retry_after)

    @staticmethod
    def _json(text: str) -> Any:
        """Parsed JSON, or None for a malformed line (skipped rather than fatal)."""
        try:
            return json.loads(text)
        except ValueError:
            logger.debug("skipping a line that is not JSON (%d characters)", len(text))
            return None

    # --- the retry loop ---

    async def _with_retries(self, request: WireRequest) -> AsyncGenerator[str, None]:
        """Send, retrying only while nothing has been yielded; then stream to the end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._options.total_timeout
        partial: list[str] = []
        failures = 0
        while True:
            try:
                async with aclosing(self._attempt(request, deadline)) as pieces:
                    async for piece in pieces:
                        partial.append(piece)
                        yield piece
            except StatusFailure as failure:
                revised = self._revise(request, failure)
                if revised is not None:
                    request = revised
                    continue
                error = self._status_error(failure.status, failure.detail, failure.retry_after)
            except LLMError as exc:
                error = exc
            except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
                error = self._transport_error(exc, started=bool(partial))
                error.__cause__ = exc
            else:
                if partial:
                    return
                error = self._empty_answer_error()
            if partial:
                raise self._interrupted(error, "".join(partial)) from error
            delay = self._retry_delay(error, failures, deadline - loop.time())
            if delay is None:
                raise error
            failures += 1
            logger.warning(
                "%s Retrying in %.1f s (retry %d of %d).",
                self._redacted(error.message),
                delay,
                failures,
                self._options.max_retries,
            )
            await self._sleep(delay)

    async def _attempt(self, request: WireRequest, deadline: float) -> AsyncGenerator[str, None]:
        http_request = self._client.build_request(
            "POST", request.url, json=request.body, headers=dict(request.headers)
        )
        response = await _before(deadline, self._client.send(http_request, stream=True))
        try:
            if response.status_code >= 400:
                raise await self._read_failure(response, deadline)
            self._check_content_type(response)
            thinking = _ThinkFilter()
            async with aclosing(self._parse(_body_bytes(response, deadline))) as texts:
                async for text in texts:
                    if visible := thinking.feed(text):
                        yield visible
            if tail := thinking.flush():
                yield tail
        finally:
            await response.aclose()

    async def _read_failure(self, response: httpx.Response, deadline: float) -> StatusFailure:
        body = await _before(deadline, response.aread())
        text = body.decode("utf-8", errors="replace")
        try:
            payload: object = json.loads(text)
        except ValueError:
            payload = text
        detail = self._clean_detail(payload)
        retry_after = _retry_after(response.headers)
        return StatusFailure(response.status_code, detail, self._redacted(text), retry_after)

    def _check_content_type(self, response: httpx.Response) -> None:
        # A wrong base URL often lands on a web page that answers 200 with HTML.
        if response.headers.get("content-type", "").startswith("text/html"):
            raise self._misconfigured(
                f"LLM backend {self.name!r} answered with a web page instead of a stream. "
                f"Check LLM_BASE_URL ({_display_url(self.base_url)}).{self._base_url_hint}"
            )

    def _retry_delay(self, error: LLMError, failures: int, remaining: float) -> float | None:
        options = self._options
        if not error.retryable or failures >= options.max_retries:
            return None
        if error.retry_after is not None:
            if error.retry_after > options.max_retry_after:
                return None
            delay = max(0.0, error.retry_after)
        else:
            delay = options.backoff_base * 2**failures * random.uniform(0.5, 1.0)
        return delay if delay < remaining else None

    # --- error mapping ---

    def _status_error(self, status: int, detail: ErrorDetail, retry_after: float | None) -> LLMError:
        retry_after = retry_after if retry_after is not None else detail.retry_after
        said = f"HTTP {status}" + (f": {detail.message}" if detail.message else "")
        who = f"LLM backend {self.name!r}"
        hint = f" {detail.hint}" if detail.hint else ""
        if detail.kind == "insufficient_quota":
            return self._misconfigured(f"{who} has no quota left ({said}). Check its billing.")
        if status == 401:
            return self._misconfigured(f"{who} rejected the API key ({said}). Check LLM_API_KEY.{hint}")
        if status == 403:
            return self._misconfigured(
                f"{who} refused access ({said}). Check LLM_API_KEY and that it may use model "
                f"{self.model!r}.{hint}"
            )
        if status == 404:
            return self._misconfigured(
                f"{who} was not found ({said}). Check LLM_MODEL ({self.model!r}) and LLM_BASE_URL "
                f"({_display_url(self.base_url)}).{hint}"
            )
        if status in _RETRYABLE_STATUSES or status >= 500:
            return self._unavailable(status, said, retry_after, hint)
        return self._misconfigured(
            f"{who} rejected the request ({said}). Check LLM_MODEL ({self.model!r}) and the "
            f"backend's limits.{hint}"
        )

    def _unavailable(
        self, status: int, said: str, retry_after: float | None, hint: str
    ) -> BackendUnavailable:
        if status == 429:
            what = "is rate-limiting requests"
        elif status == 529 or "overloaded" in said.lower():
            what = "is overloaded"
        elif status in (408, 504):
            what = "timed out"
        else:
            what = "had a server error"
        wait = f" It asks to wait {retry_after:.0f} s." if retry_after is not None else ""
        return BackendUnavailable(
            f"LLM backend {self.name!r} {what} ({said}).{wait} Try again later.{hint}",
            backend=self.name,
            retry_after=retry_after,
            retryable=True,
        )

    def _misconfigured(self, message: str) -> BackendMisconfigured:
        return BackendMisconfigured(message, backend=self.name)

    def _transport_error(self, exc: Exception, *, started: bool) -> LLMError:
        where = _display_url(self.base_url)
        who = f"LLM backend {self.name!r}"
        options = self._options
        if isinstance(exc, TimeoutError):
            what = "finish" if started else "start"
            return BackendUnavailable(
                f"{who} did not {what} its answer within {options.total_timeout:g} s (LLM_TOTAL_TIMEOUT).",
                backend=self.name,
            )
        if isinstance(exc, httpx.ReadTimeout):
            return BackendUnavailable(
                f"{who} sent nothing for {options.read_timeout:g} s (LLM_READ_TIMEOUT); the model "
                "may still be loading or the server is stuck.",
                backend=self.name,
            )
        if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
            return BackendUnavailable(
                f"{who} could not connect to {where} ({_reason(exc)}). Is the server running, and "
                "is LLM_BASE_URL right?",
                backend=self.name,
                retryable=True,
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return self._misconfigured(
                f"{who} has an unusable LLM_BASE_URL ({where}): it must start with http(s)://."
            )
        return BackendUnavailable(
            f"{who}: the connection to {where} broke ({_reason(exc)}).",
            backend=self.name,
            retryable=not started,
        )

    def _interrupted(self, error: LLMError, partial: str) -> StreamInterrupted:
        return StreamInterrupted(
            f"{error.message} The answer stopped part-way.",
            backend=self.name,
            partial=partial,
            retry_after=error.retry_after,
        )

    def _empty_answer_error(self) -> BackendUnavailable:
        return BackendUnavailable(
            f"LLM backend {self.name!r} finished without any answer text (the model may have spent "
            "its whole token budget thinking: raise LLM_MAX_TOKENS).",
            backend=self.name,
        )

    # --- keeping secrets out ---

    def _clean_detail(self, payload: object) -> ErrorDetail:
        detail = self._error_detail(payload)
        return replace(detail, message=self._redacted(detail.message))

    def _redacted(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]") if self._api_key else text

    def _redact(self, exc: BaseException) -> None:
        """Last line of defence: servers sometimes echo the key back in their error text.

        The whole chain is cleaned, since a logged traceback prints every cause too.
        """
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            current.args = tuple(self._redacted(a) if isinstance(a, str) else a for a in current.args)
            current = current.__cause__ or current.__context__


# --- small helpers --------------------------------------------------------------------------


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client: building one loads the CA bundle (~50 ms each)."""
    return httpx.create_ssl_context()


async def _before(deadline: float, awaitable: Awaitable[_T]) -> _T:
    """Await with the overall deadline. Never spans a `yield`, so it cannot cancel the caller."""
    async with asyncio.timeout_at(deadline):
        return await awaitable


async def _body_bytes(response: httpx.Response, deadline: float) -> AsyncIterator[bytes]:
    chunks = response.aiter_bytes()
    while (chunk := await _before(deadline, anext(chunks, None))) is not None:
        yield chunk


def _retry_after(headers: httpx.Headers) -> float | None:
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


def _display_url(url: str) -> str:
    """The URL without user info, query or fragment: the parts where keys tend to hide."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


class _ThinkFilter:
    """Drops a leading `<think>…</think>` block, tags possibly split across chunks.

    Reasoning models served without a reasoning parser (vLLM, llama.cpp, older Ollama) put
    their thinking inline in the answer; the contract is to stream only the answer.
    """

    def __init__(self) -> None:
        self._state: Literal["start", "inside", "after", "answer"] = "start"
        self._buffer = ""

    def feed(self, text: str) -> str:
        if self._state == "answer":
            return text
        if self._state == "after":  # the blank lines between the block and the answer
            text = text.lstrip()
            self._state = "answer" if text else "after"
            return text
        self._buffer += text
        if self._state == "start":
            head = self._buffer.lstrip()
            if len(head) < len(_THINK_OPEN) and _THINK_OPEN.startswith(head):
                return ""
            if not head.startswith(_THINK_OPEN):
                self._state = "answer"
                return self._take()
            self._state = "inside"
            self._buffer = head[len(_THINK_OPEN) :]
        end = self._buffer.find(_THINK_CLOSE)
        if end < 0:
            self._buffer = self._buffer[-len(_THINK_CLOSE) :]
            return ""
        rest = self._buffer[end + len(_THINK_CLOSE) :]
        self._state, self._buffer = "after", ""
        return self.feed(rest)

    def flush(self) -> str:
        return self._take() if self._state == "start" else ""

    def _take(self) -> str:
        text, self._buffer = self._buffer, ""
        return text
