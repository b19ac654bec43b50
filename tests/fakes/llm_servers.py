"""Fake LLM provider servers over real HTTP (aiohttp on 127.0.0.1, a free port).

Each speaks one provider's streaming wire format: OpenAI chat completions SSE, Anthropic
Messages SSE events, Ollama `/api/chat` NDJSON, Gemini `streamGenerateContent?alt=sse`. Tests
script replies as raw byte chunks (so they can split lines and UTF-8 characters anywhere),
status codes and headers, hangs and cut connections; every request is recorded so tests can
assert what went over the wire.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import socket
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

TEST_KEY = "sk-test-key-0123456789"

Provider = Literal["openai", "anthropic", "ollama", "gemini"]
PROVIDERS: tuple[Provider, ...] = ("openai", "anthropic", "ollama", "gemini")

_STREAM_TYPES: dict[str, str] = {
    "openai": "text/event-stream",
    "anthropic": "text/event-stream",
    "ollama": "application/x-ndjson",
    "gemini": "text/event-stream",
}


@dataclass
class Reply:
    """One scripted answer.

    `body` sends a whole (non-streamed) body, typical of errors; otherwise `chunks` are written
    one by one (`pause` seconds apart) over chunked encoding. After them the server can `hang`
    (send nothing more until it closes) or `cut` (drop the connection without finishing).
    `stall` never sends even the status line.
    """

    chunks: Sequence[bytes] = ()
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    body: bytes | None = None
    pause: float = 0.0
    hang: bool = False
    cut: bool = False
    stall: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    url: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any


class FakeLLMServer:
    """A provider's API on 127.0.0.1. `base_url` is what LLM_BASE_URL would be set to."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.requests: list[RecordedRequest] = []
        self.default = Reply(chunks=render(provider, ["Hello", "!"]))
        self._queue: collections.deque[Reply] = collections.deque()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1" if self.provider == "openai" else self.root_url

    async def start(self) -> FakeLLMServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeLLMServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- scripting ---

    def reply(self, *replies: Reply) -> FakeLLMServer:
        """Queue replies, used in order; once they run out, `default` answers."""
        self._queue.extend(replies)
        return self

    def stream(self, pieces: Sequence[str], **options: Any) -> FakeLLMServer:
        """Queue a normal streamed answer made of `pieces`."""
        return self.reply(Reply(chunks=render(self.provider, pieces), **options))

    def error(
        self,
        status: int,
        message: str = "error",
        *,
        headers: Mapping[str, str] | None = None,
        kind: str | None = None,
    ) -> FakeLLMServer:
        """Queue an error status with the provider's own error body."""
        body = error_body(self.provider, status, message, kind=kind)
        return self.reply(
            Reply(status=status, body=body, headers=headers or {}, content_type="application/json")
        )

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    # --- serving ---

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        reply = self._queue.popleft() if self._queue else self.default
        if reply.stall:
            await self._closing.wait()
            return web.Response(status=503)
        if reply.body is not None:
            content_type = reply.content_type or "application/json"  # exactly as given, charset too
            headers = {**reply.headers, "Content-Type": content_type}
            return web.Response(status=reply.status, body=reply.body, headers=headers)
        return await self._stream(request, reply)

    async def _stream(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        response = web.StreamResponse(status=reply.status, headers=dict(reply.headers))
        response.content_type = reply.content_type or _STREAM_TYPES[self.provider]
        response.enable_chunked_encoding()
        await response.prepare(request)
        for chunk in reply.chunks:
            await response.write(chunk)
            if reply.pause:
                await asyncio.sleep(reply.pause)
        if reply.hang:
            await self._closing.wait()
        if reply.cut and request.transport is not None:
            request.transport.close()  # flushes what was written, then closes: no final chunk
            return response
        await response.write_eof()
        return response

    async def _record(self, request: web.Request) -> None:
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                url=str(request.url),
                query=dict(request.query),
                headers={k.lower(): v for k, v in request.headers.items()},
                json=payload,
            )
        )


# --- rendering text in each provider's wire format ------------------------------------------


def render(provider: Provider, pieces: Sequence[str]) -> list[bytes]:
    """`pieces` as the chunks `provider` would stream, one network write per protocol frame."""
    return {
        "openai": render_openai,
        "anthropic": render_anthropic,
        "ollama": render_ollama,
        "gemini": render_gemini,
    }[provider](pieces)


def sse(data: Any, event: str | None = None, *, eol: str = "\n") -> bytes:
    """One server-sent event; `data` is JSON-encoded unless it is already a string."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}{eol}" if event else ""
    return f"{head}data: {text}{eol}{eol}".encode()


def openai_chunk(
    delta: Mapping[str, Any] | None = None, *, finish_reason: str | None = None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-fake",
        "system_fingerprint": "fp_fake",
        "choices": [
            {"index": 0, "delta": dict(delta or {}), "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": None,
    }


def render_openai(
    pieces: Sequence[str], *, usage: bool = True, done: bool = True, finish_reason: str | None = "stop"
) -> list[bytes]:
    chunks = [sse(openai_chunk({"role": "assistant", "content": "", "refusal": None}))]
    chunks += [sse(openai_chunk({"content": piece})) for piece in pieces]
    if finish_reason:
        chunks.append(sse(openai_chunk({}, finish_reason=finish_reason)))
    if usage:
        usage_chunk = openai_chunk()
        usage_chunk["choices"] = []
        n = len(pieces)
        usage_chunk["usage"] = {"prompt_tokens": 9, "completion_tokens": n, "total_tokens": 9 + n}
        chunks.append(sse(usage_chunk))
    if done:
        chunks.append(b"data: [DONE]\n\n")
    return chunks


def anthropic_event(event: str, **fields: Any) -> bytes:
    return sse({"type": event, **fields}, event)


def render_anthropic(
    pieces: Sequence[str], *, stop_reason: str = "end_turn", stop: bool = True
) -> list[bytes]:
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": "claude-fake",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 1},
    }
    chunks = [
        anthropic_event("message_start", message=message),
        anthropic_event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        anthropic_event("ping"),
    ]
    chunks += [
        anthropic_event("content_block_delta", index=0, delta={"type": "text_delta", "text": piece})
        for piece in pieces
    ]
    if not stop:  # the body ends after the last delta: no message_delta, no message_stop
        return chunks
    chunks += [
        anthropic_event("content_block_stop", index=0),
        anthropic_event(
            "message_delta",
            delta={"stop_reason": stop_reason, "stop_sequence": None},
            usage={"output_tokens": len(pieces)},
        ),
        anthropic_event("message_stop"),
    ]
    return chunks


def ollama_line(content: str = "", *, done: bool = False, done_reason: str = "stop", **extra: Any) -> bytes:
    line: dict[str, Any] = {
        "model": "llama-fake",
        "created_at": "2025-01-01T00:00:00.000000Z",
        "message": {"role": "assistant", "content": content, **extra},
        "done": done,
    }
    if done:
        line |= {"done_reason": done_reason, "total_duration": 1000, "eval_count": 3}
    return (json.dumps(line, ensure_ascii=False) + "\n").encode()


def render_ollama(pieces: Sequence[str], *, done_reason: str = "stop", done: bool = True) -> list[bytes]:
    last = [ollama_line(done=True, done_reason=done_reason)] if done else []
    return [ollama_line(piece) for piece in pieces] + last


def gemini_chunk(parts: Iterable[Mapping[str, Any]], *, finish_reason: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": list(parts), "role": "model"}, "index": 0}
    if finish_reason:
        candidate["finishReason"] = finish_reason
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 1, "totalTokenCount": 9},
        "modelVersion": "gemini-fake",
        "responseId": "fake",
    }


def render_gemini(pieces: Sequence[str], *, finish_reason: str | None = "STOP") -> list[bytes]:
    # The real API frames events with CRLF, unlike the other three, and has no end event: the
    # last chunk carries the finishReason (after text, or alone with usage).
    chunks = [sse(gemini_chunk([{"text": piece}]), eol="\r\n") for piece in pieces]
    if finish_reason:
        chunks.append(sse(gemini_chunk([{"text": ""}], finish_reason=finish_reason), eol="\r\n"))
    return chunks


Ending = Literal["max_tokens", "content_filter", "incomplete"]


def render_cut_off(provider: Provider, pieces: Sequence[str], ending: Ending) -> list[bytes]:
    """`pieces`, then the end each provider really sends when the answer is not whole.

    max_tokens: OpenAI `finish_reason: "length"`, Anthropic `stop_reason: "max_tokens"`, Ollama
    `done_reason: "length"`, Gemini `finishReason: "MAX_TOKENS"`. content_filter: OpenAI/Azure
    `finish_reason: "content_filter"`, Anthropic `stop_reason: "refusal"`, Gemini `SAFETY`
    (Ollama has no filter). incomplete: the body ends cleanly without the final marker (no
    finish_reason nor [DONE]; no message_stop; no `done: true`; no finishReason).
    """
    if provider == "openai":
        if ending == "incomplete":
            return render_openai(pieces, finish_reason=None, usage=False, done=False)
        return render_openai(pieces, finish_reason="length" if ending == "max_tokens" else "content_filter")
    if provider == "anthropic":
        if ending == "incomplete":
            return render_anthropic(pieces, stop=False)
        return render_anthropic(pieces, stop_reason="max_tokens" if ending == "max_tokens" else "refusal")
    if provider == "ollama":
        if ending == "content_filter":
            raise ValueError("Ollama has no content filter")
        return render_ollama(pieces, done_reason="length", done=ending == "max_tokens")
    if ending == "incomplete":
        return render_gemini(pieces, finish_reason=None)
    return render_gemini(pieces, finish_reason="MAX_TOKENS" if ending == "max_tokens" else "SAFETY")


# --- what real servers send where a stream was expected -------------------------------------

# llama.cpp's server (builds up to late 2025): an error after the 200, in a non-standard SSE
# field, then the usual end marker.
LLAMA_CPP_ERROR_FIELD = (
    b'error: {"code":400,"message":"the request exceeds the available context size. try increasing '
    b'the context size or enable context shift","type":"invalid_request_error"}\n\n'
    b"data: [DONE]\n\n"
)
# llama.cpp's server since late 2025, answering 200 with a JSON body.
LLAMA_CPP_CONTEXT_ERROR = (
    b'{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it",'
    b'"type":"exceed_context_size_error","n_prompt_tokens":14429,"n_ctx":8192}}'
)
# LM Studio for a path it does not serve (a base URL without /v1): 200, JSON, this body.
LM_STUDIO_NO_V1 = b'{"error":"Unexpected endpoint or method. (POST /chat/completions)"}'


def complete_answer(provider: Provider, text: str) -> bytes:
    """One non-streamed answer in `provider`'s shape, as a server that ignores `stream` sends it."""
    payload: Any
    if provider == "openai":
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-fake",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
        }
    elif provider == "anthropic":
        payload = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": "claude-fake",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 3},
        }
    elif provider == "ollama":
        return ollama_line(text, done=True)
    else:  # streamGenerateContent without alt=sse: a JSON array of the chunks
        payload = [gemini_chunk([{"text": text}]), gemini_chunk([{"text": ""}], finish_reason="STOP")]
    return json.dumps(payload, ensure_ascii=False).encode()


def error_body(provider: Provider, status: int, message: str, *, kind: str | None = None) -> bytes:
    """An error body in `provider`'s shape (Gemini's in the array form it uses for streams)."""
    payload: Any
    if provider == "openai":
        kind = kind or "invalid_request_error"
        payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    elif provider == "anthropic":
        payload = {"type": "error", "error": {"type": kind or "invalid_request_error", "message": message}}
    elif provider == "ollama":
        payload = {"error": message}
    else:
        payload = [{"error": {"code": status, "message": message, "status": kind or "INVALID_ARGUMENT"}}]
    return json.dumps(payload).encode()


# --- byte helpers -----------------------------------------------------------------------------


def every(data: bytes | Iterable[bytes], size: int = 1) -> list[bytes]:
    """Re-split a body into `size`-byte writes, to cut lines and UTF-8 characters anywhere."""
    whole = data if isinstance(data, bytes) else b"".join(data)
    return [whole[i : i + size] for i in range(0, len(whole), size)]


def up_to(chunks: Sequence[bytes], text: str) -> list[bytes]:
    """The chunks up to and including the first that carries `text`: a stream cut short there."""
    needle = text.encode()
    end = next(i for i, chunk in enumerate(chunks) if needle in chunk)
    return list(chunks[: end + 1])


def cut_through(data: bytes | Iterable[bytes], fragment: str) -> list[bytes]:
    """Re-split a body after every byte of each `fragment` in it: inside its UTF-8 sequences."""
    whole = data if isinstance(data, bytes) else b"".join(data)
    needle = fragment.encode()
    cuts: list[int] = []
    start = whole.find(needle)
    while start >= 0:
        cuts += range(start + 1, start + len(needle))
        start = whole.find(needle, start + 1)
    edges = [0, *cuts, len(whole)]
    return [whole[a:b] for a, b in itertools.pairwise(edges) if b > a]


def unused_port() -> int:
    """A local port nothing listens on, for connection-refused tests."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- client-side helpers ------------------------------------------------------------------------


class SleepRecorder:
    """Stands in for `asyncio.sleep` so retry tests check the waits instead of doing them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def collect(backend: Any, messages: Sequence[Any] | None = None) -> str:
    """A backend's whole answer (checking that no chunk is empty)."""
    from bot.llm import ChatMessage

    stream: AsyncIterable[str] = backend.stream(messages or [ChatMessage("user", "Hi")])
    pieces = []
    async for piece in stream:
        assert piece, "backends must not yield empty chunks"
        pieces.append(piece)
    return "".join(pieces)


def forms_of(secret: str) -> set[str]:
    """Every way a test looks for `secret` in text: as given and stripped, escaped as Python
    (str and bytes repr), JSON and URLs write it, and its first 8 characters (written out here,
    not taken from the code under test, so a form the code forgets is still looked for)."""
    import urllib.parse

    clean = secret.strip()
    forms = {secret, clean, clean[:8]}
    for value in (secret, clean):
        forms |= {
            repr(value)[1:-1],
            ascii(value)[1:-1],
            repr(value.encode())[2:-1],
            json.dumps(value)[1:-1],
            urllib.parse.quote(value, safe=""),
            urllib.parse.quote_plus(value),
        }
    return {form for form in forms if form}


def assert_no_secret(text: str, secret: str, where: str) -> None:
    for form in forms_of(secret):
        assert form not in text, f"a form of the secret ({form!r}) in {where}"
