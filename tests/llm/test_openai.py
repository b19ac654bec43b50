"""The OpenAI-compatible adapter against a fake chat-completions server, over real HTTP."""

from __future__ import annotations

import base64
import email.utils
import time

import pytest

from bot.llm import (
    BackendMisconfigured,
    BackendUnavailable,
    ChatMessage,
    ImagePart,
    StreamInterrupted,
)
from tests.fakes.llm_servers import (
    TEST_KEY,
    Reply,
    collect,
    cut_through,
    openai_chunk,
    render_openai,
    sse,
    unused_port,
)


@pytest.fixture
async def server(servers):
    return await servers("openai")


async def test_streams_text_and_sends_a_standard_request(server, make_backend) -> None:
    server.stream(["Muse ", "Spark"])
    backend = make_backend(server, model="gpt-4o-mini")
    messages = [ChatMessage("system", "Be brief."), ChatMessage("user", "Who made it?")]

    assert await collect(backend, messages) == "Muse Spark"

    request = server.last
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.json == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Who made it?"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 256,
        "temperature": 0.2,
    }
    assert backend.name == "openai:gpt-4o-mini"


async def test_per_call_limits_override_settings(server, make_backend) -> None:
    backend = make_backend(server)
    chunks = [p async for p in backend.stream([ChatMessage("user", "x")], max_tokens=9, temperature=0)]
    assert "".join(chunks) == "Hello!"
    assert server.last.json["max_tokens"] == 9
    assert server.last.json["temperature"] == 0


async def test_no_authorization_header_without_a_key(server, make_backend) -> None:
    await collect(make_backend(server, key=""))
    assert "authorization" not in server.last.headers


async def test_images_are_sent_as_data_url_content_parts(server, make_backend) -> None:
    png = ImagePart(b"\x89PNG fake", "image/png")
    await collect(make_backend(server), [ChatMessage("user", "What is this?", (png,))])
    encoded = base64.b64encode(png.data).decode()
    assert server.last.json["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}},
    ]


async def test_tolerates_the_quirks_of_compatible_servers(server, make_backend) -> None:
    server.reply(
        Reply(
            chunks=[
                b": OPENROUTER PROCESSING\n\n",
                sse(openai_chunk({"role": "assistant", "content": None})),
                sse(openai_chunk({"reasoning_content": "secret plan"})),
                sse(openai_chunk({"reasoning": "more plan", "content": None})),
                b": keep-alive\n\n",
                sse(openai_chunk({"content": "Answer"})),
                b"data: {not json}\n\n",
                sse(openai_chunk({}, finish_reason="stop")),
                sse({"choices": [], "usage": {"total_tokens": 3}}),
                # ...and no [DONE] before the connection ends: the finish_reason said it all.
            ]
        )
    )
    assert await collect(make_backend(server)) == "Answer"


async def test_content_parts_are_read_and_thinking_parts_skipped(server, make_backend) -> None:
    # Mistral's Magistral models on api.mistral.ai stream `delta.content` as typed parts.
    thinking = [{"type": "thinking", "thinking": [{"type": "text", "text": "The user wants a haiku."}]}]
    server.reply(
        Reply(
            chunks=[
                sse(openai_chunk({"role": "assistant", "content": ""})),
                sse(openai_chunk({"content": thinking})),
                sse(openai_chunk({"content": [{"type": "text", "text": "Grey waves "}]})),
                sse(openai_chunk({"content": "fold."})),
                sse(openai_chunk({}, finish_reason="stop")),
                b"data: [DONE]\n\n",
            ]
        )
    )
    assert await collect(make_backend(server, model="magistral-medium-2509")) == "Grey waves fold."


async def test_text_split_inside_utf8_characters(server, make_backend) -> None:
    body = render_openai(["héllo ", "🌍"])
    server.reply(Reply(chunks=cut_through(cut_through(body, "é"), "🌍"), pause=0.001))
    assert await collect(make_backend(server)) == "héllo 🌍"


async def test_inline_think_block_is_dropped(server, make_backend) -> None:
    server.stream(["<thi", "nk>weighing options", "</th", "ink>\n\n", "Final ", "answer"])
    assert await collect(make_backend(server)) == "Final answer"


async def test_only_reasoning_and_no_text_is_an_actionable_error(server, make_backend) -> None:
    server.reply(Reply(chunks=[sse(openai_chunk({"reasoning_content": "hmm"})), b"data: [DONE]\n\n"]))
    with pytest.raises(BackendUnavailable, match="LLM_MAX_TOKENS"):
        await collect(make_backend(server))


async def test_server_rejecting_stream_options_gets_one_retry_without(server, make_backend, sleeps) -> None:
    server.error(400, "Unrecognized request argument supplied: stream_options")
    server.stream(["ok"])
    backend = make_backend(server)
    assert await collect(backend) == "ok"
    first, second = server.requests
    assert "stream_options" in first.json
    assert "stream_options" not in second.json
    assert sleeps.calls == []
    await collect(backend)  # remembered: no second rejected round trip
    assert len(server.requests) == 3
    assert "stream_options" not in server.last.json


async def test_reasoning_model_gets_max_completion_tokens(server, make_backend) -> None:
    server.error(
        400,
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
    )
    server.stream(["ok"])
    assert await collect(make_backend(server)) == "ok"
    assert server.last.json["max_completion_tokens"] == 256
    assert "max_tokens" not in server.last.json


async def test_other_400_is_misconfigured_and_not_retried(server, make_backend) -> None:
    server.error(400, "context length exceeded")
    with pytest.raises(BackendMisconfigured, match="context length exceeded"):
        await collect(make_backend(server))
    assert len(server.requests) == 1


async def test_bad_key_names_the_setting(server, make_backend) -> None:
    server.error(401, "Incorrect API key provided", kind="invalid_request_error")
    with pytest.raises(BackendMisconfigured, match="LLM_API_KEY") as caught:
        await collect(make_backend(server))
    assert caught.value.backend == "openai:test-model"
    assert len(server.requests) == 1


async def test_unknown_model_names_model_and_url(server, make_backend) -> None:
    server.error(404, "The model `nope` does not exist")
    with pytest.raises(BackendMisconfigured, match="LLM_MODEL") as caught:
        await collect(make_backend(server, model="nope"))
    assert server.base_url in str(caught.value)


async def test_no_quota_is_not_retried(server, make_backend) -> None:
    server.error(429, "You exceeded your current quota", kind="insufficient_quota")
    with pytest.raises(BackendMisconfigured, match="billing"):
        await collect(make_backend(server))
    assert len(server.requests) == 1


async def test_503_then_success_waits_retry_after(server, make_backend, sleeps) -> None:
    server.error(503, "busy", headers={"Retry-After": "2"})
    server.stream(["back"])
    assert await collect(make_backend(server)) == "back"
    assert sleeps.calls == [2.0]


async def test_retry_after_as_http_date(server, make_backend, sleeps) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    server.error(429, "slow down", headers={"Retry-After": when}, kind="rate_limit_exceeded")
    await collect(make_backend(server))
    assert len(sleeps.calls) == 1
    assert 3.0 <= sleeps.calls[0] <= 5.0


async def test_retry_after_ms_header_wins(server, make_backend, sleeps) -> None:
    server.error(429, "slow down", headers={"retry-after-ms": "1500", "retry-after": "2"})
    await collect(make_backend(server))
    assert sleeps.calls == [1.5]


async def test_too_long_retry_after_fails_at_once_with_the_wait(server, make_backend, sleeps) -> None:
    server.error(429, "rate limited", headers={"Retry-After": "120"})
    with pytest.raises(BackendUnavailable, match="120 s") as caught:
        await collect(make_backend(server))
    assert caught.value.retry_after == 120.0
    assert sleeps.calls == []
    assert len(server.requests) == 1


async def test_server_errors_retry_with_backoff_then_give_up(server, make_backend, sleeps) -> None:
    server.error(500, "boom").error(502, "boom").error(503, "boom")
    with pytest.raises(BackendUnavailable, match="server error"):
        await collect(make_backend(server, llm_max_retries=2))
    assert len(server.requests) == 3
    assert len(sleeps.calls) == 2
    assert 0.25 <= sleeps.calls[0] <= 0.5 and 0.5 <= sleeps.calls[1] <= 1.0


async def test_connection_refused_is_retried_then_unavailable(make_backend, sleeps) -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    with pytest.raises(BackendUnavailable, match="could not connect") as caught:
        await collect(make_backend(provider="openai", base_url=url, llm_max_retries=1))
    assert url in str(caught.value)
    assert len(sleeps.calls) == 1


async def test_base_url_without_scheme_is_misconfigured(make_backend) -> None:
    with pytest.raises(BackendMisconfigured, match="LLM_BASE_URL"):
        await collect(make_backend(provider="openai", base_url="localhost:8080/v1"))


async def test_a_base_url_with_a_query_keeps_it_after_the_path(server, make_backend) -> None:
    base = f"{server.root_url}/openai/deployments/gpt4o?api-version=2024-10-21"  # Azure OpenAI's form
    assert await collect(make_backend(server, base_url=base)) == "Hello!"
    assert server.last.path == "/openai/deployments/gpt4o/chat/completions"
    assert server.last.query == {"api-version": "2024-10-21"}


async def test_web_page_instead_of_api_is_misconfigured(server, make_backend) -> None:
    server.reply(Reply(chunks=[b"<html>Welcome</html>"], content_type="text/html"))
    with pytest.raises(BackendMisconfigured, match="/v1"):
        await collect(make_backend(server))


async def test_web_page_with_another_content_type_is_misconfigured_too(server, make_backend) -> None:
    server.reply(Reply(chunks=[b"\n<!DOCTYPE html><html>Router login</html>"], content_type="text/plain"))
    with pytest.raises(BackendMisconfigured, match="web page"):
        await collect(make_backend(server))
    assert len(server.requests) == 1


async def test_error_object_after_200_before_text(server, make_backend, sleeps) -> None:
    error = sse({"error": {"message": "Provider returned error", "code": 502}})
    server.reply(Reply(chunks=[error]), Reply(chunks=[error]))
    with pytest.raises(BackendUnavailable, match="Provider returned error"):
        await collect(make_backend(server, llm_max_retries=1))
    assert len(server.requests) == 2


async def test_error_object_after_text_interrupts_with_partial(server, make_backend) -> None:
    chunks = render_openai(["Half an "], done=False, usage=False)[:2]
    chunks.append(sse({"error": {"message": "upstream died", "type": "server_error"}}))
    server.reply(Reply(chunks=chunks))
    with pytest.raises(StreamInterrupted, match="upstream died") as caught:
        await collect(make_backend(server))
    assert caught.value.partial == "Half an "
    assert len(server.requests) == 1


async def test_idle_before_first_token_is_unavailable_not_retried(server, make_backend) -> None:
    server.reply(Reply(hang=True))
    with pytest.raises(BackendUnavailable, match="LLM_READ_TIMEOUT"):
        await collect(make_backend(server, llm_read_timeout=0.2))
    assert len(server.requests) == 1


async def test_idle_mid_stream_interrupts(server, make_backend) -> None:
    server.reply(Reply(chunks=render_openai(["Partial"])[:2], hang=True))
    with pytest.raises(StreamInterrupted, match="LLM_READ_TIMEOUT") as caught:
        await collect(make_backend(server, llm_read_timeout=0.2))
    assert caught.value.partial == "Partial"


async def test_cut_connection_mid_stream_interrupts(server, make_backend) -> None:
    server.reply(Reply(chunks=render_openai(["One ", "two "])[:3], cut=True))
    with pytest.raises(StreamInterrupted) as caught:
        await collect(make_backend(server))
    assert caught.value.partial == "One two "
    assert len(server.requests) == 1


async def test_overall_deadline_while_the_server_only_keeps_alive(server, make_backend) -> None:
    server.reply(Reply(chunks=[b": keep-alive\n\n"] * 100, pause=0.02))
    with pytest.raises(BackendUnavailable, match="LLM_TOTAL_TIMEOUT"):
        await collect(make_backend(server, llm_total_timeout=0.3))


async def test_overall_deadline_after_text_interrupts(server, make_backend) -> None:
    chunks = render_openai(["Slow"])[:2] + [b": keep-alive\n\n"] * 100
    server.reply(Reply(chunks=chunks, pause=0.02))
    with pytest.raises(StreamInterrupted, match="LLM_TOTAL_TIMEOUT") as caught:
        await collect(make_backend(server, llm_total_timeout=0.3))
    assert caught.value.partial == "Slow"


async def test_stopping_early_closes_cleanly(server, make_backend) -> None:
    server.reply(Reply(chunks=render_openai(["a", "b", "c"]), pause=0.01))
    backend = make_backend(server)
    stream = backend.stream([ChatMessage("user", "Hi")])
    assert await anext(stream) == "a"
    await stream.aclose()
    assert await collect(backend) == "Hello!"  # the client is still usable
