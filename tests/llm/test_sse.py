"""The incremental SSE and NDJSON decoders, fed the same bytes split at every possible point."""

from __future__ import annotations

import json

import pytest

from bot.llm.sse import LineDecoder, NDJSONDecoder, SSEDecoder, SSEEvent, aiter_ndjson, aiter_sse

TEXT = "héllo 🌍"

# Everything at once: a BOM, comments, CRLF, LF and lone CR line ends, an event name,
# a multi-line data field, "data" with no colon, and multi-byte UTF-8.
STREAM = (
    "\ufeff: keep-alive\r\n"
    ": OPENROUTER PROCESSING\n\n"
    f'data: {{"t": "{TEXT}"}}\r\n\r\n'
    "event: content_block_delta\n"
    "data: first line\n"
    "data:second line\n"
    "data\n\n"
    "id: 7\rdata: cr-only\r\r"
    "event: lonely\n\n"
    "data: [DONE]\n\n"
).encode()

EXPECTED = [
    SSEEvent(data=f'{{"t": "{TEXT}"}}'),
    SSEEvent(event="content_block_delta", data="first line\nsecond line\n"),
    SSEEvent(data="cr-only", id="7"),
    SSEEvent(data="[DONE]", id="7"),
]


def _decode(chunks: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.flush()


def test_whole_stream() -> None:
    assert _decode([STREAM]) == EXPECTED


def test_every_two_way_split() -> None:
    for cut in range(len(STREAM) + 1):
        assert _decode([STREAM[:cut], STREAM[cut:]]) == EXPECTED, f"split at byte {cut}"


def test_one_byte_at_a_time() -> None:
    assert _decode([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_utf8_split_inside_characters_is_decoded_once_whole() -> None:
    encoded = f"data: {TEXT}\n\n".encode()
    assert len(TEXT.encode()) > len(TEXT)  # é is 2 bytes and 🌍 is 4
    for cut in range(len(encoded) + 1):
        assert _decode([encoded[:cut], encoded[cut:]]) == [SSEEvent(data=TEXT)]


def test_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    # An extra blank line here would dispatch "a" alone.
    assert _decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [SSEEvent(data="a\nb")]


def test_event_without_data_is_not_dispatched() -> None:
    assert _decode([b"event: ping\n\n: only a comment\n\n"]) == []


def test_final_event_without_blank_line_is_still_delivered() -> None:
    assert _decode([b"data: last"]) == [SSEEvent(data="last")]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert _decode([b"data: \xff ok\n\n"]) == [SSEEvent(data="\ufffd ok")]


def test_line_decoder_keeps_empty_lines() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"a\n\nb\r\n") == ["a", "", "b"]
    assert decoder.flush() == []


NDJSON_LINES = [{"message": {"content": TEXT}, "done": False}, {"done": True}]
NDJSON = b"".join(json.dumps(x, ensure_ascii=False).encode() + b"\n\n" for x in NDJSON_LINES)


@pytest.mark.parametrize("cut", range(len(NDJSON) + 1))
def test_ndjson_every_split(cut: int) -> None:
    decoder = NDJSONDecoder()
    lines = decoder.feed(NDJSON[:cut]) + decoder.feed(NDJSON[cut:]) + decoder.flush()
    assert [json.loads(line) for line in lines] == NDJSON_LINES


def test_ndjson_last_line_without_newline_and_crlf() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a": 1}\r\n  \r\n{"b"') == ['{"a": 1}']
    assert decoder.feed(b": 2}") == []
    assert decoder.flush() == ['{"b": 2}']


async def _chunks(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_async_helpers_over_byte_streams() -> None:
    assert [e async for e in aiter_sse(_chunks(STREAM, 3))] == EXPECTED
    lines = [json.loads(line) async for line in aiter_ndjson(_chunks(NDJSON, 5))]
    assert lines == NDJSON_LINES
