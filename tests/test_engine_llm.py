"""`Engine.answer` with a language model: which questions go to it, and what comes back.

The backend is the real OpenAI-compatible adapter talking HTTP to a fake server, so "never
touches the model" is checked by the server's request log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from bot.answer import Turn
from bot.engine import CUT_NOTE, MISCONFIGURED_NOTE, NO_IMAGES_NOTE, TIMEOUT_NOTE, UNAVAILABLE_NOTE, Engine
from bot.knowledge import KnowledgeBase
from bot.llm import ImagePart, build_backend
from bot.settings import BackendSettings, Settings
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Reply, render, up_to

MakeEngine = Callable[..., Engine]


@pytest.fixture
async def server() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer("openai") as fake:
        yield fake


@pytest.fixture
async def make_engine(kb: KnowledgeBase, server: FakeLLMServer) -> AsyncIterator[MakeEngine]:
    built: list[Engine] = []

    def make(*, supports_images: bool | None = None, model: str = "text-model-7b", **limits: Any) -> Engine:
        backend = BackendSettings(
            provider="openai",
            base_url=server.base_url,
            api_key=SecretStr(TEST_KEY),
            model=model,
            supports_images=supports_images,
        )
        settings = Settings(llm_backends=[backend], llm_max_retries=0, _env_file=None, **limits)  # type: ignore[call-arg]
        engine = Engine(kb, llm=build_backend(settings))
        built.append(engine)
        return engine

    yield make
    for engine in built:
        if engine.llm is not None:
            await engine.llm.aclose()


async def _collect(engine: Engine, question: str, *args: Any, **kwargs: Any) -> tuple[str, str, str]:
    answer = await engine.answer(question, *args, **kwargs)
    text = await answer.collect()
    return answer.route, text, answer.error


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("what did muse spark score on hle", "50.2"),
        ("muse spark vs gpt-5.4", "42.8"),
        ("when was muse spark released", "April 8, 2026"),
    ],
)
async def test_knowledge_questions_stay_in_the_knowledge_base(
    make_engine: MakeEngine, server: FakeLLMServer, question: str, figure: str
) -> None:
    answer = await make_engine().answer(question)
    assert answer.route in {"knowledge", "compare"}
    assert answer.stream is None and figure in answer.text
    assert server.requests == []


@pytest.mark.parametrize("question", ["hi", "hello!", "thanks", ""])
async def test_greetings_stay_fallback(make_engine: MakeEngine, server: FakeLLMServer, question: str) -> None:
    answer = await make_engine().answer(question)
    assert answer.route == "fallback" and answer.stream is None
    assert "LLM_PROVIDER" not in answer.text
    assert server.requests == []


async def test_off_topic_questions_go_to_the_model(make_engine: MakeEngine, server: FakeLLMServer) -> None:
    server.stream(["Waves ", "fold ", "and ", "fall."])
    engine = make_engine()
    answer = await engine.answer("write a haiku about the sea")
    assert answer.route == "llm" and answer.subject == "llm"
    assert answer.sources and answer.sources[0].as_of == "2026-04-08"
    pieces = [piece async for piece in answer.stream or _nothing()]
    assert pieces == ["Waves ", "fold ", "and ", "fall."], "streamed as written"
    assert "write a haiku about the sea" in server.last.json["messages"][-1]["content"]


async def test_use_llm_forces_the_model_even_for_a_knowledge_question(
    make_engine: MakeEngine, server: FakeLLMServer
) -> None:
    server.stream(["It scored 50.2."])
    route, text, _ = await _collect(make_engine(), "what did muse spark score on hle", use_llm=True)
    assert (route, text) == ("llm", "It scored 50.2.")
    assert len(server.requests) == 1


async def test_history_reaches_the_model(make_engine: MakeEngine, server: FakeLLMServer) -> None:
    history = [Turn("user", "why is the sea salty"), Turn("assistant", "Minerals from rocks.")]
    await _collect(make_engine(), "and why is it blue", history)
    roles = [m["role"] for m in server.last.json["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert server.last.json["messages"][2]["content"] == "Minerals from rocks."


async def test_images_without_image_support_get_the_note(
    make_engine: MakeEngine, server: FakeLLMServer
) -> None:
    engine = make_engine(supports_images=False)
    assert not engine.sees_images
    answer = await engine.answer("what is this?", images=[ImagePart(b"\xff\xd8 jpeg")])
    assert (answer.route, answer.text, answer.stream) == ("fallback", NO_IMAGES_NOTE, None)
    assert server.requests == []


async def test_images_without_any_backend_get_the_note(kb: KnowledgeBase) -> None:
    answer = await Engine(kb).answer("what is this?", images=[ImagePart(b"\xff\xd8 jpeg")])
    assert (answer.route, answer.text) == ("fallback", NO_IMAGES_NOTE)


async def test_images_go_to_a_backend_that_sees_them(make_engine: MakeEngine, server: FakeLLMServer) -> None:
    engine = make_engine(model="gpt-4o-mini")  # a vision model, by name
    assert engine.sees_images
    route, _, _ = await _collect(
        engine, "what did muse spark score on hle", images=[ImagePart(b"\xff\xd8 j")]
    )
    assert route == "llm", "a picture always needs the model, even with a knowledge question"
    parts = server.last.json["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url"]


async def test_without_a_backend_off_topic_gets_a_note_on_enabling_one(kb: KnowledgeBase) -> None:
    answer = await Engine(kb).answer("write a haiku about the sea")
    assert answer.route == "fallback" and answer.stream is None
    assert "LLM_PROVIDER" in answer.text and "Muse Spark" in answer.text
    forced = await Engine(kb).answer("write a haiku", use_llm=True)
    assert "LLM_PROVIDER" in forced.text


@pytest.mark.parametrize(
    ("reply", "note", "error"),
    [
        (lambda s: s.error(401, "Incorrect API key provided"), MISCONFIGURED_NOTE, "misconfigured"),
        (lambda s: s.error(404, "The model does not exist"), MISCONFIGURED_NOTE, "misconfigured"),
        (lambda s: s.error(503, "overloaded", kind="server_error"), UNAVAILABLE_NOTE, "unavailable"),
        (lambda s: s.error(429, "slow down", kind="rate_limit_exceeded"), UNAVAILABLE_NOTE, "unavailable"),
    ],
)
async def test_backend_failures_become_a_sentence_not_an_exception(
    make_engine: MakeEngine, server: FakeLLMServer, reply: Any, note: str, error: str
) -> None:
    reply(server)
    route, text, got = await _collect(make_engine(), "write a haiku about the sea")
    assert (route, text, got) == ("llm", note, error)


async def test_a_cut_stream_keeps_its_text_and_says_so(
    make_engine: MakeEngine, server: FakeLLMServer
) -> None:
    server.reply(
        Reply(chunks=up_to(render("openai", ["Waves ", "fold ", "and ", "fall."]), "and "), cut=True)
    )
    route, text, error = await _collect(make_engine(), "write a haiku about the sea")
    assert (route, error) == ("llm", "interrupted")
    assert text == "Waves fold and " + CUT_NOTE


@pytest.mark.parametrize(
    ("reply", "limits", "fired"),
    [
        (Reply(stall=True), {"llm_read_timeout": 0.3}, "LLM_READ_TIMEOUT=0.3 s"),  # no first byte
        (Reply(hang=True), {"llm_read_timeout": 0.3}, "LLM_READ_TIMEOUT=0.3 s"),  # headers, no token
        (
            Reply(chunks=[b": keep-alive\n\n"] * 50, pause=0.02),
            {"llm_total_timeout": 0.3},
            "LLM_TOTAL_TIMEOUT=0.3 s",
        ),
    ],
    ids=["no first byte", "no first token", "only keep-alives"],
)
async def test_a_hung_model_says_it_took_too_long_and_the_log_names_the_timeout(
    make_engine: MakeEngine,
    server: FakeLLMServer,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
    limits: dict[str, float],
    fired: str,
) -> None:
    server.reply(reply)
    route, text, error = await _collect(make_engine(**limits), "write a haiku about the sea")
    assert (route, text, error) == ("llm", TIMEOUT_NOTE, "timeout")
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert fired in line and "timed out" in line


async def _nothing() -> AsyncIterator[str]:
    return
    yield  # pragma: no cover
