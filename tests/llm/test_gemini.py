"""The Gemini adapter against a fake `streamGenerateContent?alt=sse` server, over real HTTP."""

from __future__ import annotations

import base64
import json

import pytest

from bot.llm import AnswerCutOff, BackendMisconfigured, BackendUnavailable, ChatMessage, ImagePart
from tests.fakes.llm_servers import (
    TEST_KEY,
    Reply,
    assert_no_secret,
    collect,
    cut_through,
    gemini_chunk,
    render_gemini,
    sse,
)


@pytest.fixture
async def server(servers):
    return await servers("gemini")


async def test_request_shape_and_key_only_in_a_header(server, make_backend) -> None:
    server.stream(["Gem", "ini"])
    image = ImagePart(b"pic", "image/webp")
    messages = [
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "Hello"),
        ChatMessage("user", "What's this?", (image,)),
    ]

    assert await collect(make_backend(server, model="gemini-2.5-flash"), messages) == "Gemini"

    request = server.last
    assert request.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert request.query == {"alt": "sse"}
    assert request.headers["x-goog-api-key"] == TEST_KEY
    assert TEST_KEY not in request.url
    assert request.json == {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello"}]},
            {
                "role": "user",
                "parts": [
                    {"inline_data": {"mime_type": "image/webp", "data": base64.b64encode(b"pic").decode()}},
                    {"text": "What's this?"},
                ],
            },
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"maxOutputTokens": 256, "temperature": 0.2},
    }


async def test_thought_parts_are_dropped(server, make_backend) -> None:
    server.reply(
        Reply(
            chunks=[
                sse(gemini_chunk([{"text": "Planning…", "thought": True}])),
                sse(gemini_chunk([{"thoughtSignature": "abc"}, {"text": "Answer"}], finish_reason="STOP")),
            ]
        )
    )
    assert await collect(make_backend(server)) == "Answer"


async def test_crlf_events_split_inside_utf8(server, make_backend) -> None:
    body = cut_through(cut_through(render_gemini(["héllo ", "🌍"]), "🌍"), "\r\n")
    server.reply(Reply(chunks=body, pause=0.001))
    assert await collect(make_backend(server)) == "héllo 🌍"


async def test_safety_stop_is_a_content_filter_cut_off(server, make_backend) -> None:
    server.reply(Reply(chunks=[sse(gemini_chunk([{"text": "Partly"}], finish_reason="SAFETY"))]))
    with pytest.raises(AnswerCutOff, match="SAFETY") as caught:
        await collect(make_backend(server))
    assert (caught.value.reason, caught.value.partial) == ("content_filter", "Partly")


async def test_blocked_prompt_is_explained(server, make_backend) -> None:
    server.reply(Reply(chunks=[sse({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}})]))
    with pytest.raises(AnswerCutOff, match="PROHIBITED_CONTENT") as caught:
        await collect(make_backend(server))
    assert (caught.value.reason, caught.value.partial) == ("content_filter", "")


async def test_array_shaped_error(server, make_backend) -> None:
    server.error(400, "API key not valid. Please pass a valid API key.", kind="INVALID_ARGUMENT")
    with pytest.raises(BackendMisconfigured, match="API key not valid"):
        await collect(make_backend(server))
    assert len(server.requests) == 1


# What the Generative Language API answers for a key it does not know: HTTP 400, not 401.
API_KEY_INVALID = json.dumps(
    {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                },
                {
                    "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                    "locale": "en-US",
                    "message": "API key not valid. Please pass a valid API key.",
                },
            ],
        }
    },
    indent=2,
).encode()


async def test_a_bad_key_400_is_reported_as_the_key(server, make_backend, sleeps) -> None:
    server.reply(Reply(status=400, body=API_KEY_INVALID, content_type="application/json; charset=UTF-8"))
    with pytest.raises(BackendMisconfigured) as caught:
        await collect(make_backend(server))
    message = str(caught.value)
    assert "rejected the API key" in message and "Check LLM_API_KEY" in message
    assert "LLM_MODEL" not in message
    assert_no_secret(message, TEST_KEY, "the error")
    assert len(server.requests) == 1 and sleeps.calls == []


async def test_object_error_with_retry_delay_in_details(server, make_backend, sleeps) -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}],
        }
    }
    server.reply(Reply(status=429, body=json.dumps(body).encode()))
    server.stream(["ok"])
    assert await collect(make_backend(server, llm_total_timeout=30)) == "ok"
    assert sleeps.calls == [7.0]


async def test_unknown_model_is_misconfigured(server, make_backend) -> None:
    server.error(404, "models/gemini-9 is not found for API version v1beta", kind="NOT_FOUND")
    with pytest.raises(BackendMisconfigured, match="LLM_MODEL"):
        await collect(make_backend(server, model="models/gemini-9"))
    assert server.last.path == "/v1beta/models/gemini-9:streamGenerateContent"


async def test_error_event_after_200(server, make_backend) -> None:
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    server.reply(*[Reply(chunks=[sse(error)])] * 3)
    with pytest.raises(BackendUnavailable, match="overloaded"):
        await collect(make_backend(server))
    assert len(server.requests) == 3
