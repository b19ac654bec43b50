"""The Anthropic Messages adapter against a fake `/v1/messages` server, over real HTTP."""

from __future__ import annotations

import base64

import pytest

from bot.llm import (
    AnswerCutOff,
    BackendMisconfigured,
    BackendUnavailable,
    ChatMessage,
    ImagePart,
    StreamInterrupted,
)
from tests.fakes.llm_servers import (
    TEST_KEY,
    Reply,
    anthropic_event,
    collect,
    cut_through,
    render_anthropic,
)

OVERLOADED = anthropic_event("error", error={"type": "overloaded_error", "message": "Overloaded"})


@pytest.fixture
async def server(servers):
    return await servers("anthropic")


async def test_request_follows_the_messages_api(server, make_backend) -> None:
    server.stream(["Muse ", "Spark"])
    backend = make_backend(server, model="claude-sonnet-4-5")
    messages = [
        ChatMessage("system", "You know Muse Spark."),
        ChatMessage("system", "Cite sources."),
        ChatMessage("user", "Earlier question"),
        ChatMessage("assistant", "Earlier answer"),
        ChatMessage("user", "Context: the knowledge base says X."),
        ChatMessage("user", "Question?"),
    ]

    assert await collect(backend, messages) == "Muse Spark"

    request = server.last
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == TEST_KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    body = request.json
    assert body["model"] == "claude-sonnet-4-5"
    assert body["stream"] is True
    assert body["max_tokens"] == 256
    assert body["system"] == "You know Muse Spark.\n\nCite sources."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][2]["content"] == [
        {"type": "text", "text": "Context: the knowledge base says X."},
        {"type": "text", "text": "Question?"},
    ]


async def test_images_are_base64_source_blocks(server, make_backend) -> None:
    image = ImagePart(b"\xff\xd8 jpeg bytes")
    await collect(make_backend(server), [ChatMessage("user", "Describe", (image,))])
    assert server.last.json["messages"][0]["content"] == [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/jpeg",
                "data": base64.b64encode(image.data).decode(),
            },
        },
        {"type": "text", "text": "Describe"},
    ]


async def test_thinking_and_signature_deltas_never_reach_the_user(server, make_backend) -> None:
    thinking = [
        anthropic_event("content_block_start", index=0, content_block={"type": "thinking", "thinking": ""}),
        anthropic_event("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "plan"}),
        anthropic_event("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "x"}),
        anthropic_event("content_block_stop", index=0),
    ]
    chunks = render_anthropic(["Answer"])
    server.reply(Reply(chunks=chunks[:1] + thinking + chunks[1:]))
    assert await collect(make_backend(server)) == "Answer"


async def test_events_split_inside_utf8_characters(server, make_backend) -> None:
    body = cut_through(cut_through(render_anthropic(["héllo ", "🌍"]), "🌍"), "é")
    server.reply(Reply(chunks=body, pause=0.001))
    assert await collect(make_backend(server)) == "héllo 🌍"


async def test_overloaded_event_before_text_is_retried(server, make_backend, sleeps) -> None:
    server.reply(Reply(chunks=[*render_anthropic([])[:1], OVERLOADED]))
    server.stream(["Recovered"])
    assert await collect(make_backend(server)) == "Recovered"
    assert len(sleeps.calls) == 1


async def test_overloaded_every_time_is_unavailable(server, make_backend) -> None:
    server.reply(*[Reply(chunks=[OVERLOADED])] * 3)
    with pytest.raises(BackendUnavailable, match="overloaded") as caught:
        await collect(make_backend(server))
    assert caught.value.retryable
    assert len(server.requests) == 3


async def test_error_event_after_text_interrupts(server, make_backend) -> None:
    server.reply(Reply(chunks=[*render_anthropic(["Half"])[:4], OVERLOADED]))
    with pytest.raises(StreamInterrupted, match="overloaded") as caught:
        await collect(make_backend(server))
    assert caught.value.partial == "Half"


async def test_error_event_with_plain_text_data_is_an_error(server, make_backend) -> None:
    # A proxy in front of the API (Envoy's words) writes its complaint as text, not JSON.
    said = b"upstream connect error or disconnect/reset before headers. reset reason: connection termination"
    echo = b" (x-api-key: " + TEST_KEY.encode() + b")"
    server.reply(Reply(chunks=[render_anthropic([])[0], b"event: error\ndata: " + said + echo + b"\n\n"]))
    with pytest.raises(BackendUnavailable) as caught:
        await collect(make_backend(server, llm_max_retries=0))
    message = str(caught.value)
    assert said.decode() in message and "an error in a 200 response" in message
    assert TEST_KEY not in message and "dropped" not in message


async def test_529_status_is_retried_with_retry_after(server, make_backend, sleeps) -> None:
    server.error(529, "Overloaded", kind="overloaded_error", headers={"retry-after": "3"})
    server.stream(["ok"])
    assert await collect(make_backend(server)) == "ok"
    assert sleeps.calls == [3.0]


async def test_bad_key(server, make_backend) -> None:
    server.error(401, "invalid x-api-key", kind="authentication_error")
    with pytest.raises(BackendMisconfigured, match="invalid x-api-key"):
        await collect(make_backend(server))
    assert len(server.requests) == 1


async def test_refusal_after_text_is_a_content_filter_cut_off(server, make_backend) -> None:
    chunks = render_anthropic(["I can"])
    chunks[-2] = anthropic_event("message_delta", delta={"stop_reason": "refusal"}, usage={})
    server.reply(Reply(chunks=chunks))
    with pytest.raises(AnswerCutOff, match="refusal") as caught:
        await collect(make_backend(server))
    assert (caught.value.reason, caught.value.partial) == ("content_filter", "I can")
