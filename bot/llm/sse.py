"""The two streaming body formats the providers use: server-sent events and NDJSON.

Server-sent events are decoded by `httpx-sse`, chosen over httpx's own `aiter_lines()`:
`aiter_lines()` splits like `str.splitlines()`, also at U+2028, U+2029 and U+0085, which JSON
allows unescaped inside strings (vLLM, llama.cpp and LM Studio send them raw), so one chunk of
an answer would be split into two halves of invalid JSON and lost. httpx-sse splits only at
CR, LF and CRLF (also when a read ends between the two), decodes UTF-8 incrementally (a
character split across reads arrives whole; invalid bytes become U+FFFD) and follows the
WHATWG event-stream rules: comments dropped, several `data:` lines joined with "\\n", ids kept.

Around it, `aiter_sse` adds three things real servers need:
- a leading byte-order mark is dropped (the stream is UTF-8 whatever the headers say);
- an event still pending when the body ends is delivered, because several OpenAI-compatible
  servers close the stream without the final blank line;
- llama.cpp's server (builds up to late 2025) reports errors after a 200 in a non-standard
  `error:` field, which the rules say to ignore; it is delivered as an event named "error"
  so the adapter can show the server's own message. Events with no data are not delivered.

NDJSON (Ollama) needs no library: lines end at a "\\n" byte, which never occurs inside a
UTF-8 character, so the body is split into whole lines before any decoding; each line is
decoded on its own and blank lines are skipped.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from contextlib import aclosing

import httpx
from httpx_sse import EventSource, ServerSentEvent

__all__ = ["ServerSentEvent", "aiter_ndjson", "aiter_sse"]

# llama.cpp's `error: {...}` field at the start of a line, renamed into a named event.
_ERROR_FIELD = re.compile(rb"(?:^|(?<=[\r\n]))error:")
_ERROR_EVENT = b"event: error\ndata:"


async def aiter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[ServerSentEvent]:
    """The events in a byte stream such as `httpx.Response.aiter_bytes()`, in order.

    Each event has `.event` ("message" unless named), `.data` (never empty) and `.id`.
    Stops when the bytes end; errors from reading the bytes propagate unchanged.
    """
    framed = _framed(chunks)
    body = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=framed, default_encoding="utf-8-sig"
    )
    try:
        async with aclosing(EventSource(body).aiter_sse()) as events:
            async for event in events:
                if event.data:
                    yield event
    finally:
        await framed.aclose()


async def _framed(chunks: AsyncIterable[bytes]) -> AsyncGenerator[bytes, None]:
    """Whole lines only (so the `error:` rename never straddles two reads), then a blank line."""
    pending = b""
    async for chunk in chunks:
        pending += chunk
        end = max(pending.rfind(b"\n"), pending.rfind(b"\r")) + 1
        if end:
            yield _ERROR_FIELD.sub(_ERROR_EVENT, pending[:end])
            pending = pending[end:]
    yield _ERROR_FIELD.sub(_ERROR_EVENT, pending) + b"\n\n"


async def aiter_ndjson(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """The non-blank lines of a newline-delimited JSON byte stream, as text (parsing is the caller's).

    CRLF line ends and a last line without "\\n" are accepted; invalid UTF-8 becomes U+FFFD.
    """
    pending = b""
    async for chunk in chunks:
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if text := _ndjson_line(line):
                yield text
    if text := _ndjson_line(pending):
        yield text


def _ndjson_line(line: bytes) -> str:
    return line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
