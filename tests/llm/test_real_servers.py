"""What real LLM servers send, byte for byte, and what the user and the operator see for it.

Each behaviour was reported publicly by people running the server in question (llama.cpp's
server, LM Studio, vLLM with reasoning models, Anthropic, Ollama, Gemini). The fakes send the
same bytes; the real adapter reads them; the real engine turns the outcome into the text a
user reads, and the log (captured here) is what the operator reads.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot import texts
from bot.answering.engine import Engine
from bot.conversation import Asker, Conversation, Question
from bot.knowledge import KnowledgeBase
from bot.llm import BackendMisconfigured, ChatMessage, LLMBackend
from bot.state.store import Store
from bot.texts import MODEL_MISCONFIGURED as MISCONFIGURED_NOTE
from bot.texts import MODEL_UNAVAILABLE as UNAVAILABLE_NOTE
from tests.fakes.llm_servers import (
    LLAMA_CPP_CONTEXT_ERROR,
    LLAMA_CPP_ERROR_FIELD,
    LM_STUDIO_NO_V1,
    PROVIDERS,
    TEST_KEY,
    Reply,
    anthropic_event,
    assert_no_secret,
    collect,
    complete_answer,
    render,
    render_anthropic,
    render_cut_off,
    render_gemini,
    render_ollama,
    render_openai,
    sse,
)

CUT_OFF_NOTES = {
    "max_tokens": texts.CUT_OFF_LENGTH,
    "content_filter": texts.CUT_OFF_FILTER,
    "incomplete": texts.CUT_OFF_BROKEN,
}
QUESTION = "write a haiku about the sea"
HAIKU = ["Grey waves ", "fold on ", "sand."]
REASONING = ["Okay, the user wants a haiku.", " Five, seven, five...\n", "</th", "ink>", "\n\n"]

CUT_OFF_CASES = [
    (provider, ending)
    for provider in PROVIDERS
    for ending in ("max_tokens", "content_filter", "incomplete")
    if not (provider == "ollama" and ending == "content_filter")  # Ollama has no filter
]
ADVICE = {
    "max_tokens": "Raise LLM_MAX_TOKENS",
    "content_filter": "content filter",
    "incomplete": "a proxy or the server dropped the connection",
}


@pytest.fixture(autouse=True)
def _logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


async def _ask(kb: KnowledgeBase, backend: LLMBackend) -> tuple[str, str]:
    """What the user reads for a question the model answers, and the answer's error kind."""
    conversation = Conversation(Engine(kb, llm=backend), Store(":memory:"))
    reply = await conversation.turn(Question(QUESTION, Asker(chat_id=1)))
    assert reply.answer.route == "llm"
    return await reply.text(), reply.answer.error


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _operator_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(_warnings(caplog))


# --- 2. cut-off answers ------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "ending"), CUT_OFF_CASES)
async def test_a_cut_off_answer_keeps_its_text_and_says_why(
    provider: Any, ending: Any, servers: Any, make_backend: Any, kb: KnowledgeBase, caplog: Any
) -> None:
    server = await servers(provider)
    server.reply(Reply(chunks=render_cut_off(provider, HAIKU, ending)))

    text, error = await _ask(kb, make_backend(server))

    assert text == "".join(HAIKU) + "\n\n" + CUT_OFF_NOTES[ending]
    assert "cut off" in text and error == "cut_off"
    [warning] = _warnings(caplog)
    assert ADVICE[ending] in warning and f"after {len(''.join(HAIKU))} characters" in warning
    assert len(server.requests) == 1, "a cut-off answer is not sent again"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_token_limit_before_any_text_says_the_budget_went_on_thinking(
    provider: Any, servers: Any, make_backend: Any, kb: KnowledgeBase, caplog: Any
) -> None:
    server = await servers(provider)
    server.reply(Reply(chunks=render_cut_off(provider, [], "max_tokens")))
    text, error = await _ask(kb, make_backend(server))
    assert (text, error) == (CUT_OFF_NOTES["max_tokens"], "cut_off")
    [warning] = _warnings(caplog)
    assert "spent it all thinking" in warning and "LLM_MAX_TOKENS" in warning


async def test_no_done_marker_is_whole_when_a_finish_reason_came(
    servers: Any, make_backend: Any, kb: KnowledgeBase, caplog: Any
) -> None:
    server = await servers("openai")
    server.reply(Reply(chunks=render_openai(HAIKU, done=False)))
    assert await _ask(kb, make_backend(server)) == ("".join(HAIKU), "")
    assert _warnings(caplog) == []


async def test_dropped_after_the_finish_reason_is_still_whole(
    servers: Any, make_backend: Any, kb: Any
) -> None:
    server = await servers("openai")
    server.reply(Reply(chunks=render_openai(HAIKU, usage=False, done=False), cut=True))
    assert await _ask(kb, make_backend(server)) == ("".join(HAIKU), "")


# --- 3. reasoning without an opening <think> ---------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_reasoning_before_a_bare_closing_tag_is_never_shown(
    provider: Any, servers: Any, make_backend: Any, kb: KnowledgeBase
) -> None:
    server = await servers(provider)
    server.stream([*REASONING, *HAIKU])
    text, error = await _ask(kb, make_backend(server, model="deepseek-r1-distill-qwen-32b"))
    assert (text, error) == ("".join(HAIKU), "")


async def test_closing_tag_in_the_same_chunk_as_the_answer(servers: Any, make_backend: Any, kb: Any) -> None:
    server = await servers("ollama")
    server.stream(["The user asks for a haiku.</think>\n\nGrey waves ", "fold."])
    text, _ = await _ask(kb, make_backend(server, model="qwen3:8b"))
    assert text == "Grey waves fold."


async def test_an_unknown_model_shows_no_raw_tag_and_is_held_from_then_on(
    servers: Any, make_backend: Any, kb: KnowledgeBase, caplog: Any
) -> None:
    server = await servers("openai")
    backend = make_backend(server, model="my-local-finetune")
    server.stream(["Let me think about waves.", "</think>", "\n\nFirst answer."])
    first, _ = await _ask(kb, backend)
    assert "</think>" not in first and first.endswith("First answer.")
    [warning] = _warnings(caplog)
    assert "without an opening <think>" in warning and "--reasoning-parser" in warning

    server.stream(["Thinking again, at length.", "</think>", "\n\nSecond answer."])
    second, _ = await _ask(kb, backend)
    assert second == "Second answer.", "held until the tag: no reasoning this time"
    assert len(_warnings(caplog)) == 1, "the operator is told once"


async def test_a_reasoning_model_whose_server_splits_reasoning_streams_from_then_on(
    servers: Any, make_backend: Any
) -> None:
    server = await servers("openai")
    backend = make_backend(server, model="deepseek-r1")  # held until the tag, by its name...
    server.stream(["Grey ", "waves."])
    first = [p async for p in backend.stream([ChatMessage("user", "Hi")])]
    assert first == ["Grey waves."]
    server.stream(["Grey ", "waves."])  # ...until an answer came without any tag
    assert [p async for p in backend.stream([ChatMessage("user", "Hi")])] == ["Grey ", "waves."]


async def test_an_ordinary_model_streams_at_once(servers: Any, make_backend: Any) -> None:
    server = await servers("openai")
    server.stream(["Grey ", "waves <", "b>fold</", "b>."])
    pieces = [p async for p in make_backend(server, model="gpt-4o-mini").stream([ChatMessage("user", "Hi")])]
    assert pieces == ["Grey ", "waves ", "<b>fold", "</b>."], "held back only what could start </think>"


# --- 4. a 200 that carries an error, or a whole answer -----------------------------------------


async def test_llama_cpp_error_field_after_200(servers: Any, make_backend: Any, kb: Any, caplog: Any) -> None:
    server = await servers("openai")
    server.reply(Reply(chunks=[LLAMA_CPP_ERROR_FIELD]))
    text, error = await _ask(kb, make_backend(server))
    assert (text, error) == (MISCONFIGURED_NOTE, "misconfigured")
    log = _operator_log(caplog)
    assert "the request exceeds the available context size" in log and "LLM_HISTORY_TURNS" in log
    assert "LLM_MAX_TOKENS" not in log
    assert len(server.requests) == 1


async def test_llama_cpp_context_error_as_json_with_200(
    servers: Any, make_backend: Any, kb: Any, caplog: Any
) -> None:
    server = await servers("openai")
    server.reply(Reply(body=LLAMA_CPP_CONTEXT_ERROR, content_type="application/json"))
    text, _ = await _ask(kb, make_backend(server))
    assert text == MISCONFIGURED_NOTE
    log = _operator_log(caplog)
    assert "exceeds the available context size" in log and "(prompt 14429 tokens, context 8192)" in log
    assert "LLM_HISTORY_TURNS" in log and "--ctx-size" in log and "LLM_MAX_TOKENS" not in log


async def test_lm_studio_without_v1_says_so(servers: Any, make_backend: Any, kb: Any, caplog: Any) -> None:
    server = await servers("openai")
    server.reply(Reply(body=LM_STUDIO_NO_V1, content_type="application/json; charset=utf-8"))
    backend = make_backend(server, base_url=server.root_url)  # http://host:port, no /v1
    text, error = await _ask(kb, backend)
    assert (text, error) == (MISCONFIGURED_NOTE, "misconfigured")
    assert server.last.path == "/chat/completions"
    startup, failure = _warnings(caplog)
    assert "has no /v1" in startup, "the factory warned at start-up"
    assert "Unexpected endpoint or method" in failure and "lacks /v1" in failure
    assert f"{server.root_url}/v1" in failure and "LLM_MAX_TOKENS" not in failure
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        (
            "anthropic",
            b'{"type":"error","error":{"type":"invalid_request_error",'
            b'"message":"prompt is too long: 210000 tokens > 200000 maximum"}}',
        ),
        (
            "gemini",
            b'{"error":{"code":400,"message":"The input token count (1048577) exceeds the maximum '
            b'number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}',
        ),
        ("openai", LLAMA_CPP_CONTEXT_ERROR),
    ],
)
async def test_a_json_error_with_200_is_the_servers_own_words(
    provider: Any, body: bytes, servers: Any, make_backend: Any, kb: Any, caplog: Any
) -> None:
    server = await servers(provider)
    server.reply(Reply(body=body, content_type="application/json"))
    text, _ = await _ask(kb, make_backend(server))
    assert text == MISCONFIGURED_NOTE and text != UNAVAILABLE_NOTE
    log = _operator_log(caplog)
    assert "an error in a 200 response" in log and "LLM_HISTORY_TURNS" in log
    assert len(server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_one_complete_json_answer_instead_of_a_stream_is_used(
    provider: Any, servers: Any, make_backend: Any, kb: KnowledgeBase, caplog: Any
) -> None:
    server = await servers(provider)
    server.reply(Reply(body=complete_answer(provider, "Grey waves fold."), content_type="application/json"))
    assert await _ask(kb, make_backend(server)) == ("Grey waves fold.", "")
    assert _warnings(caplog) == []


async def test_a_complete_answer_that_reached_the_limit_is_cut_off(
    servers: Any, make_backend: Any, kb: Any
) -> None:
    server = await servers("openai")
    body = complete_answer("openai", "Grey waves").replace(
        b'"finish_reason": "stop"', b'"finish_reason": "length"'
    )
    server.reply(Reply(body=body, content_type="application/json"))
    assert await _ask(kb, make_backend(server)) == ("Grey waves\n\n" + CUT_OFF_NOTES["max_tokens"], "cut_off")


async def test_error_event_with_data_after_200_before_text(servers: Any, make_backend: Any, kb: Any) -> None:
    server = await servers("openai")
    error = sse({"error": {"message": "upstream timed out", "code": 504}}, "error")
    server.reply(*[Reply(chunks=[*render("openai", [])[:1], error])] * 3)
    text, error_kind = await _ask(kb, make_backend(server))
    assert (text, error_kind) == (UNAVAILABLE_NOTE, "unavailable"), "a server-side fault is 'busy', rightly"


# --- 5. endings and refusals the adapters once misread -----------------------------------------

# A whole answer, its final marker, and then a connection left open: vllm-mlx and OCI send no
# [DONE] after the finish_reason and keep the socket alive with `: ping` comments.
ENDED_BUT_OPEN = {
    "openai": [*render_openai(HAIKU, usage=False, done=False), b": ping\n\n"],
    "anthropic": [*render_anthropic(HAIKU), anthropic_event("ping")],
    "ollama": render_ollama(HAIKU),
    "gemini": [*render_gemini(HAIKU), b": ping\r\n\r\n"],
}
# The path each adapter adds to the fake's base URL.
PATHS = {
    "openai": "/v1/chat/completions",
    "anthropic": "/v1/messages",
    "ollama": "/api/chat",
    "gemini": "/v1beta/models/test-model:streamGenerateContent",
}


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_answer_ends_at_its_final_marker_though_the_connection_stays_open(
    provider: Any, servers: Any, make_backend: Any
) -> None:
    server = await servers(provider)
    server.reply(Reply(chunks=ENDED_BUT_OPEN[provider], hang=True))
    backend = make_backend(server, llm_read_timeout=300, llm_total_timeout=600)
    async with asyncio.timeout(60):  # only a guard: without the fix this waits for the timeouts
        assert await collect(backend) == "".join(HAIKU)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_redirect_is_a_wrong_base_url_never_followed_nor_retried(
    provider: Any, status: int, servers: Any, make_backend: Any, sleeps: Any
) -> None:
    server = await servers(provider)
    moved = f"https://operator:hunter2@llm.example.com{PATHS[provider]}?key={TEST_KEY}"
    server.reply(Reply(status=status, body=b"", headers={"Location": moved}, content_type="text/plain"))
    with pytest.raises(BackendMisconfigured) as caught:
        await collect(make_backend(server))
    message = str(caught.value)
    base = "https://llm.example.com" + ("/v1" if provider == "openai" else "")
    assert f"HTTP {status}, a redirect to https://llm.example.com{PATHS[provider]}:" in message
    assert f"LLM_BASE_URL ({server.base_url})" in message and f"LLM_BASE_URL to {base} " in message
    assert "hunter2" not in message and "operator" not in message and "dropped" not in message
    assert_no_secret(message, TEST_KEY, "the error")
    assert len(server.requests) == 1 and sleeps.calls == []


FAILED_GENERATIONS = {
    "openai error": ("openai", render_openai(HAIKU, finish_reason="error")),
    "gemini malformed call": (
        "gemini",
        [
            *render_gemini(HAIKU, finish_reason=None),
            sse({"candidates": [{"finishReason": "MALFORMED_FUNCTION_CALL", "index": 0}]}, eol="\r\n"),
        ],
    ),
    "gemini other": ("gemini", render_gemini(HAIKU, finish_reason="OTHER")),
}


@pytest.mark.parametrize(("provider", "chunks"), FAILED_GENERATIONS.values(), ids=FAILED_GENERATIONS.keys())
async def test_a_generation_the_server_says_failed_is_a_cut_off_answer(
    provider: Any, chunks: Any, servers: Any, make_backend: Any, kb: KnowledgeBase, caplog: Any
) -> None:
    server = await servers(provider)
    server.reply(Reply(chunks=chunks))
    text, error = await _ask(kb, make_backend(server))
    assert (text, error) == ("".join(HAIKU) + "\n\n" + texts.CUT_OFF.strip(), "cut_off")
    [warning] = _warnings(caplog)
    assert "the generation failed" in warning and f"after {len(''.join(HAIKU))} characters" in warning
    assert len(server.requests) == 1


async def test_a_generation_that_fails_before_any_text_is_tried_again(
    servers: Any, make_backend: Any, kb: KnowledgeBase, sleeps: Any
) -> None:
    server = await servers("openai")
    server.reply(Reply(chunks=render_openai([], finish_reason="error")))
    server.stream(HAIKU)
    assert await _ask(kb, make_backend(server)) == ("".join(HAIKU), "")
    assert len(server.requests) == 2 and len(sleeps.calls) == 1


ERROR_DOCUMENTS = {
    "vllm": (
        b'{"object":"error","message":"This model\'s maximum context length is 4096 tokens. However, you '
        b'requested 4352 tokens (3328 in the messages, 1024 in the completion).","type":"BadRequestError",'
        b'"param":null,"code":400}',
        (MISCONFIGURED_NOTE, "misconfigured"),
        "This model's maximum context length is 4096 tokens",
    ),
    "fastapi detail": (
        b'{"detail":"Model is loading, try again"}',
        (UNAVAILABLE_NOTE, "unavailable"),
        "Model is loading",
    ),
}


@pytest.mark.parametrize(("body", "seen", "words"), ERROR_DOCUMENTS.values(), ids=ERROR_DOCUMENTS.keys())
async def test_a_whole_error_document_with_200_is_reported_in_the_servers_words(
    body: bytes, seen: tuple[str, str], words: str, servers: Any, make_backend: Any, kb: Any, caplog: Any
) -> None:
    server = await servers("openai")
    server.reply(Reply(body=body, content_type="application/json"))
    assert await _ask(kb, make_backend(server, llm_max_retries=0)) == seen
    log = _operator_log(caplog)
    assert f"an error in a 200 response: {words}" in log and "dropped" not in log
