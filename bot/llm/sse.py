"""Incremental decoders for the two streaming body formats the providers use: SSE and NDJSON.

Network reads split a body anywhere: inside a line, between the `\\r` and `\\n` of a CRLF, even
inside a multi-byte UTF-8 character. Decoding each chunk on its own (or trusting a line
iterator with the wrong charset) corrupts text like "héllo 🌍", so these decoders keep the
unfinished bytes and the unfinished line between calls and only ever emit whole units.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

__all__ = ["LineDecoder", "NDJSONDecoder", "SSEDecoder", "SSEEvent", "aiter_ndjson", "aiter_sse"]

_LINE_END = re.compile(r"\r\n|\r|\n")


class LineDecoder:
    """Bytes in, complete text lines out; accepts CRLF, LF and lone CR as line ends.

    A chunk that ends in `\\r` is ambiguous (the `\\n` may be in the next chunk), so the line is
    emitted at once and a following `\\n` is skipped instead of producing an empty line.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._skip_lf = False
        self._started = False

    def feed(self, chunk: bytes) -> list[str]:
        return self._split(self._decoder.decode(chunk))

    def flush(self) -> list[str]:
        """The last line when the body did not end with a line break (many servers do that)."""
        lines = self._split(self._decoder.decode(b"", final=True))
        rest, self._buffer = self._buffer, ""
        if rest:
            lines.append(rest)
        return lines

    def _split(self, text: str) -> list[str]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._skip_lf and text:
            text = text.removeprefix("\n")
            self._skip_lf = False
        if not text:
            return []
        buffer = self._buffer + text
        lines: list[str] = []
        start = 0
        for match in _LINE_END.finditer(buffer):
            lines.append(buffer[start : match.start()])
            start = match.end()
        self._buffer = buffer[start:]
        self._skip_lf = buffer.endswith("\r")
        return lines


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched server-sent event (https://html.spec.whatwg.org/#event-stream-interpretation)."""

    event: str = "message"
    data: str = ""
    id: str | None = None


class SSEDecoder:
    """Bytes in, `SSEEvent`s out, following the WHATWG event-stream rules.

    Comments (`: keep-alive`, `: OPENROUTER PROCESSING`) are dropped, several `data:` lines are
    joined with `\\n`, and an event without data is not dispatched. One deliberate departure:
    at the end of the body a pending event is still dispatched, because some OpenAI-compatible
    servers close the stream without the final blank line.
    """

    def __init__(self) -> None:
        self._lines = LineDecoder()
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        return self._interpret(self._lines.feed(chunk))

    def flush(self) -> list[SSEEvent]:
        events = self._interpret(self._lines.flush())
        dispatched = self._dispatch()
        return [*events, dispatched] if dispatched else events

    def _interpret(self, lines: list[str]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        for line in lines:
            if not line:
                event = self._dispatch()
                if event:
                    events.append(event)
            elif not line.startswith(":"):
                self._field(line)
        return events

    def _field(self, line: str) -> None:
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value

    def _dispatch(self) -> SSEEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return SSEEvent(event=event or "message", data="\n".join(data), id=self._id)


class NDJSONDecoder:
    """Bytes in, non-blank JSON text lines out (Ollama's streaming format); parsing is the caller's."""

    def __init__(self) -> None:
        self._lines = LineDecoder()

    def feed(self, chunk: bytes) -> list[str]:
        return [line for line in self._lines.feed(chunk) if line.strip()]

    def flush(self) -> list[str]:
        return [line for line in self._lines.flush() if line.strip()]


async def aiter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    """Events from a byte stream such as `httpx.Response.aiter_bytes()`."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.flush():
        yield event


async def aiter_ndjson(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """JSON lines from a byte stream such as `httpx.Response.aiter_bytes()`."""
    decoder = NDJSONDecoder()
    async for chunk in chunks:
        for line in decoder.feed(chunk):
            yield line
    for line in decoder.flush():
        yield line
