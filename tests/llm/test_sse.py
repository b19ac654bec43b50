"""The SSE and NDJSON readers, fed the same bytes split at every possible point."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

import pytest

from bot.llm.sse import aiter_ndjson, aiter_sse

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

Event = tuple[str, str, str]  # (event, data, id)
EXPECTED: list[Event] = [
    ("message", f'{{"t": "{TEXT}"}}', ""),
    ("content_block_delta", "first line\nsecond line\n", ""),
    ("message", "cr-only", "7"),
    ("message", "[DONE]", "7"),
]


async def _chunks(chunks: Sequence[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _decode(chunks: Sequence[bytes]) -> list[Event]:
    return [(e.event, e.data, e.id) async for e in aiter_sse(_chunks(chunks))]


async def test_whole_stream() -> None:
    assert await _decode([STREAM]) == EXPECTED


async def test_every_two_way_split() -> None:
    for cut in range(len(STREAM) + 1):
        assert await _decode([STREAM[:cut], STREAM[cut:]]) == EXPECTED, f"split at byte {cut}"


async def test_one_byte_at_a_time() -> None:
    assert await _decode([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


async def test_utf8_split_inside_characters_is_decoded_once_whole() -> None:
    encoded = f"data: {TEXT}\n\n".encode()
    assert len(TEXT.encode()) > len(TEXT)  # é is 2 bytes and 🌍 is 4
    for cut in range(len(encoded) + 1):
        assert await _decode([encoded[:cut], encoded[cut:]]) == [("message", TEXT, "")]


async def test_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    # An extra blank line here would dispatch "a" alone.
    assert await _decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [("message", "a\nb", "")]


async def test_event_without_data_is_not_dispatched() -> None:
    assert await _decode([b"event: ping\n\n: only a comment\n\n"]) == []


async def test_final_event_without_blank_line_is_still_delivered() -> None:
    assert await _decode([b"data: last"]) == [("message", "last", "")]


async def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert await _decode([b"data: \xff ok\n\n"]) == [("message", "\ufffd ok", "")]


async def test_unicode_line_separators_inside_json_stay_in_one_event() -> None:
    # JSON allows U+2028, U+2029 and U+0085 unescaped; str.splitlines() (and so httpx's
    # aiter_lines) would cut the line there and lose the chunk as invalid JSON.
    data = json.dumps({"t": "a\u2028b\u2029c\x85d"}, ensure_ascii=False)
    [(_, got, _)] = await _decode([f"data: {data}\n\n".encode()])
    assert json.loads(got) == {"t": "a\u2028b\u2029c\x85d"}


async def test_llama_cpp_error_field_becomes_an_error_event_at_any_split() -> None:
    body = b'error: {"code":400,"message":"too long"}\n\ndata: [DONE]\n\n'
    expected = [("error", '{"code":400,"message":"too long"}', ""), ("message", "[DONE]", "")]
    for cut in range(len(body) + 1):
        assert await _decode([body[:cut], body[cut:]]) == expected, f"split at byte {cut}"
    assert await _decode([b'data: {"text": "error: not a field"}\n\n']) == [
        ("message", '{"text": "error: not a field"}', "")
    ]


NDJSON_LINES = [{"message": {"content": TEXT}, "done": False}, {"done": True}]
NDJSON = b"".join(json.dumps(x, ensure_ascii=False).encode() + b"\n\n" for x in NDJSON_LINES)


async def _ndjson(chunks: Sequence[bytes]) -> list[str]:
    return [line async for line in aiter_ndjson(_chunks(chunks))]


@pytest.mark.parametrize("cut", range(len(NDJSON) + 1))
async def test_ndjson_every_split(cut: int) -> None:
    lines = await _ndjson([NDJSON[:cut], NDJSON[cut:]])
    assert [json.loads(line) for line in lines] == NDJSON_LINES


async def test_ndjson_last_line_without_newline_and_crlf() -> None:
    assert await _ndjson([b'{"a": 1}\r\n  \r\n{"b"', b": 2}"]) == ['{"a": 1}', '{"b": 2}']


async def test_ndjson_keeps_unicode_line_separators_inside_a_line() -> None:
    line = json.dumps({"t": "a\x85b\u2028c"}, ensure_ascii=False).encode()
    assert [json.loads(x) for x in await _ndjson([line + b"\n"])] == [{"t": "a\x85b\u2028c"}]


async def test_async_helpers_over_byte_streams() -> None:
    chunks = [STREAM[i : i + 3] for i in range(0, len(STREAM), 3)]
    assert await _decode(chunks) == EXPECTED
    lines = await _ndjson([NDJSON[i : i + 5] for i in range(0, len(NDJSON), 5)])
    assert [json.loads(line) for line in lines] == NDJSON_LINES
