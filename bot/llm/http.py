"""The HTTP machinery every adapter shares: send, retry, read the body, map failures.

Adapters only know their wire format: how to build a request, how to turn a response body
into text and `Stop`s, how to read a whole JSON body sent where a stream was expected.
Everything that must behave the same for every provider lives here, once: timeouts
(connect, idle read, overall deadline), retries before the first token (honouring
Retry-After), telling a cut-off answer from a whole one, dropping reasoning, mapping HTTP,
transport and request-building failures to errors an operator can act on, and keeping the
API key out of every message.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import ssl
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, TypeVar

import httpx

import bot.llm.failures as failures
from bot.llm.config import BackendConfig, BackendOptions
from bot.llm.errors import AnswerCutOff, LLMError
from bot.llm.think import ThinkFilter, reasons_first
from bot.llm.types import ChatMessage
from bot.llm.wire import (
    ErrorDetail,
    Stop,
    WireRequest,
    display_url,
    error_detail,
    is_error_payload,
    retry_after,
)
from bot.ops.secrets import Redactor

__all__ = ["BodyItem", "HTTPBackend", "Sleep", "StatusFailure"]

logger = logging.getLogger("bot.llm")

Sleep = Callable[[float], Awaitable[None]]
BodyItem = str | Stop
_T = TypeVar("_T")

# Raised while building or writing the request, before anything reached the server: a header
# value HTTP cannot carry (a key with a line break, a space at an end, a non-ASCII character).
_LOCAL_ERRORS = (httpx.LocalProtocolError, UnicodeEncodeError)


@dataclass(eq=False)
class StatusFailure(Exception):
    """A non-2xx answer, kept raw until the adapter has had a chance to revise the request."""

    status: int
    detail: ErrorDetail
    body_text: str
    retry_after: float | None


@dataclass
class _Ending:
    """How the current attempt's answer ended: the most telling `Stop` the body carried."""

    stop: Stop | None = None

    def record(self, stop: Stop) -> None:
        if self.stop is None or not self.stop.cut:  # a cut, once seen, is not undone by "end"
            self.stop = stop


class HTTPBackend(ABC):
    """One backend over one `httpx.AsyncClient`; subclasses supply only the wire format.

    In: a `BackendConfig` and `BackendOptions` (the factory builds both from the settings);
    `transport`/`client` to aim it elsewhere (tests), `sleep` to observe retry waits. Out: an
    `LLMBackend`. `stream()` raises the `bot.llm.errors` tree and nothing else.
    """

    provider: ClassVar[str]
    body_format: ClassVar[Literal["sse", "ndjson"]] = "sse"
    final_marker: ClassVar[str] = "its final event"  # what a whole answer ends with, for the log
    _base_url_hint: ClassVar[str] = ""
    name: str
    supports_images: bool

    def __init__(
        self,
        config: BackendConfig,
        options: BackendOptions | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.model = config.model
        self.base_url = config.base_url.rstrip("/")
        self.name = config.name or f"{self.provider}:{self.model}"
        self._subject = failures.Subject(self.name, self.model, self.base_url, self.final_marker)
        self.supports_images = (
            config.supports_images
            if config.supports_images is not None
            else self._guess_supports_images(self.model)
        )
        self._api_key = config.api_key
        self._redactor = Redactor([config.api_key])
        self._refused: set[str] = set()  # request options this server rejected; see _revise
        self._reasoning_first = self._guess_reasoning_first(self.model)  # see bot.llm.think
        self._told_about_reasoning = False
        self._told_about_documents = False
        self._options = options or BackendOptions()
        self._sleep: Sleep = sleep or asyncio.sleep
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=self._options.httpx_timeout(), transport=transport, verify=_tls_context()
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} at {display_url(self.base_url)}>"

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
        """The answer's text as it arrives; see `LLMBackend.stream` and `bot.llm.errors`."""
        max_tokens = max_tokens or self._options.max_tokens
        request = self._build_request(
            messages,
            max_tokens=max_tokens,
            temperature=self._options.temperature if temperature is None else temperature,
        )
        try:
            async with aclosing(self._with_retries(request, max_tokens)) as pieces:
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
    def _parse(self, body: AsyncIterator[bytes]) -> AsyncGenerator[BodyItem, None]:
        """Text and `Stop`s from a streamed 2xx body; raise `self._in_band_error(...)` for errors."""

    def _parse_document(self, payload: object) -> Iterator[BodyItem]:
        """Text and `Stop`s from one whole JSON body sent instead of a stream (SSE formats only).

        The default knows only errors; adapters add their non-streamed answer shape.
        """
        if is_error_payload(payload):
            raise self._in_band_error(payload)
        return iter(())

    def _guess_supports_images(self, model: str) -> bool:
        return False

    def _guess_reasoning_first(self, model: str) -> bool:
        """Whether this model's text may start with reasoning and a bare `</think>` (by its name)."""
        return reasons_first(model)

    def _error_detail(self, payload: object) -> ErrorDetail:
        return error_detail(payload)

    def _revise(self, request: WireRequest, failure: StatusFailure) -> WireRequest | None:
        """A changed request worth sending at once after `failure`, or None (the default)."""
        return None

    # --- helpers for adapters ---

    def _in_band_error(self, payload: object) -> LLMError:
        """An error sent with a 200; without a status of its own, assume a server-side fault."""
        detail = self._clean_detail(payload)
        return failures.status_error(
            self._subject, detail.status or 502, detail, detail.retry_after, in_band=True
        )

    @staticmethod
    def _json(text: str | bytes) -> Any:
        """Parsed JSON, or None for a malformed line (skipped rather than fatal)."""
        try:
            return json.loads(text)
        except ValueError:
            logger.debug("skipping a line that is not JSON (%d characters)", len(text))
            return None

    # --- the retry loop ---

    async def _with_retries(self, request: WireRequest, max_tokens: int) -> AsyncGenerator[str, None]:
        """Send, retrying only while nothing has been yielded; then stream to the end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._options.total_timeout
        partial: list[str] = []
        retries = 0
        while True:
            ending = _Ending()
            try:
                async with aclosing(self._attempt(request, deadline, ending)) as pieces:
                    async for piece in pieces:
                        partial.append(piece)
                        yield piece
            except StatusFailure as failure:
                revised = self._revise(request, failure)
                if revised is not None:
                    request = revised
                    continue
                error = failures.status_error(
                    self._subject, failure.status, failure.detail, failure.retry_after
                )
            except LLMError as exc:
                error = exc
            except _LOCAL_ERRORS:
                raise failures.unsendable(self._subject) from None  # its text holds the header, key and all
            except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
                error = failures.transport_error(self._subject, exc, self._options, started=bool(partial))
                error.__cause__ = exc
            else:
                ended = failures.ending_error(self._subject, ending.stop, "".join(partial), max_tokens)
                if ended is None:
                    return
                if isinstance(ended, AnswerCutOff):  # the one WARNING for it, with its advice
                    logger.warning("%s", self._redacted(ended.message))
                    raise ended
                error = ended
            if partial:
                raise failures.interrupted(self._subject, error, "".join(partial)) from error
            delay = self._retry_delay(error, retries, deadline - loop.time())
            if delay is None:
                raise error
            retries += 1
            logger.warning(
                "%s Retrying in %.1f s (retry %d of %d).",
                self._redacted(error.message),
                delay,
                retries,
                self._options.max_retries,
            )
            await self._sleep(delay)

    async def _attempt(
        self, request: WireRequest, deadline: float, ending: _Ending
    ) -> AsyncGenerator[str, None]:
        """One request: its answer's text, until the body's first `Stop`.

        Nothing after the final marker is read. OpenAI-compatible servers may follow a
        finish_reason with a usage chunk and `[DONE]`, but some send neither and keep the
        connection open, with `: ping` comments even (vllm-mlx, OCI; bifrost and
        claude-code-router stopped waiting for the same reason): waiting would hold a whole
        answer until LLM_READ_TIMEOUT or LLM_TOTAL_TIMEOUT. The bot does not use the usage.
        A 3xx is a wrong LLM_BASE_URL, never followed (see `failures.redirected`).
        """
        http_request = self._client.build_request(
            "POST", request.url, json=request.body, headers=dict(request.headers)
        )
        response = await _before(deadline, self._client.send(http_request, stream=True))
        try:
            if 300 <= response.status_code < 400:
                location = response.headers.get("location")
                raise failures.redirected(self._subject, response.status_code, location, request.url)
            if response.status_code >= 400:
                raise await self._read_failure(response, deadline)
            self._check_content_type(response)
            thinking = ThinkFilter(hold=self._reasoning_first)
            try:
                async with aclosing(self._body_items(response, deadline)) as items:
                    async for item in items:
                        if isinstance(item, Stop):
                            ending.record(item)
                            break  # the answer's end: see _attempt's docstring
                        if visible := thinking.feed(item):
                            yield visible
            except (httpx.TransportError, TimeoutError):
                if ending.stop is None:
                    raise
                logger.debug("%s closed the connection after its final marker.", self.name)
            if tail := thinking.flush():
                yield tail
            self._learn_reasoning(thinking, ending)
        finally:
            await response.aclose()

    async def _body_items(self, response: httpx.Response, deadline: float) -> AsyncGenerator[BodyItem, None]:
        """Items from the body, by what it starts with rather than what its headers claim.

        A JSON document where an event stream was expected (an error, or a whole answer from a
        server that ignored `stream: true`) is read whole; a web page is a wrong base URL.
        """
        chunks = _body_bytes(response, deadline)
        head = b""
        async for chunk in chunks:
            head += chunk
            if head.strip():
                break
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start[:9].lower().startswith((b"<!doctype", b"<html")):
            raise failures.web_page(self._subject, self._base_url_hint)
        if self.body_format == "sse" and start[:1] in (b"{", b"["):
            rest = [chunk async for chunk in chunks]
            document = b"".join([head, *rest]).decode("utf-8-sig", errors="replace")
            items = list(self._parse_document(self._json(document)))
            if any(isinstance(i, str) for i in items) and not self._told_about_documents:
                self._told_about_documents = True
                logger.info("%s answers with one complete JSON response, not a stream; using it.", self.name)
            for item in items:
                yield item
            return
        async with aclosing(self._parse(_prepend(head, chunks))) as stream:
            async for item in stream:
                yield item

    async def _read_failure(self, response: httpx.Response, deadline: float) -> StatusFailure:
        body = await _before(deadline, response.aread())
        text = body.decode("utf-8", errors="replace")
        try:
            payload: object = json.loads(text)
        except ValueError:
            payload = text
        detail = self._clean_detail(payload)
        return StatusFailure(
            response.status_code, detail, self._redacted(text), retry_after(response.headers)
        )

    def _check_content_type(self, response: httpx.Response) -> None:
        # A wrong base URL often lands on a web page that answers 200 with HTML.
        if response.headers.get("content-type", "").startswith("text/html"):
            raise failures.web_page(self._subject, self._base_url_hint)

    def _retry_delay(self, error: LLMError, retries: int, remaining: float) -> float | None:
        options = self._options
        if not error.retryable or retries >= options.max_retries:
            return None
        if error.retry_after is not None:
            if error.retry_after > options.max_retry_after:
                return None
            delay = max(0.0, error.retry_after)
        else:
            delay = options.backoff_base * 2**retries * random.uniform(0.5, 1.0)
        return delay if delay < remaining else None

    def _learn_reasoning(self, thinking: ThinkFilter, ending: _Ending) -> None:
        """Hold answers from a backend that reasons before a bare `</think>`; stop when it does not."""
        if thinking.bare_close:
            if not self._told_about_reasoning:
                self._told_about_reasoning = True
                shown = "" if self._reasoning_first else " The user saw it this once."
                logger.warning(
                    "LLM backend %r sends its reasoning as answer text ending in </think>, without an "
                    "opening <think>; it is removed, and answers are held until the tag from now on.%s "
                    "Let the server separate reasoning so answers stream sooner (vLLM: --reasoning-parser; "
                    "llama.cpp: --reasoning-format deepseek; LM Studio: separate reasoning_content).",
                    self.name,
                    shown,
                )
            self._reasoning_first = True
        elif self._reasoning_first and not thinking.tagged and ending.stop and not ending.stop.cut:
            self._reasoning_first = False  # the server separates reasoning: stream at once

    # --- keeping secrets out ---

    def _clean_detail(self, payload: object) -> ErrorDetail:
        detail = self._error_detail(payload)
        return replace(detail, message=self._redacted(detail.message))

    def _redacted(self, text: str) -> str:
        return self._redactor.redact(text)

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


async def _prepend(head: bytes, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in chunks:
        yield chunk
