"""One turn of the conversation with a language model: which questions go to it, and what comes back.

The backend is the real OpenAI-compatible adapter talking HTTP to a fake server, so "never
touches the model" is checked by the server's request log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from bot import texts
from bot.answering.answer import Answer
from bot.answering.engine import Engine
from bot.conversation import Asker, Conversation, Question
from bot.knowledge import KnowledgeBase
from bot.llm import ImagePart, build_backend
from bot.ops.settings import BackendSettings, Settings
from bot.state.store import Store
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Reply, render, up_to

MakeConversation = Callable[..., Conversation]
ASKER = Asker(chat_id=7, user_id=7)


@pytest.fixture
async def server() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer("openai") as fake:
        yield fake


@pytest.fixture
async def make_conversation(kb: KnowledgeBase, server: FakeLLMServer) -> AsyncIterator[MakeConversation]:
    built: list[Conversation] = []

    def make(*, supports_images: bool | None = None, model: str = "text-model-7b") -> Conversation:
        backend = BackendSettings(
            provider="openai",
            base_url=server.base_url,
            api_key=SecretStr(TEST_KEY),
            model=model,
            supports_images=supports_images,
        )
        settings = Settings(llm_backends=[backend], llm_max_retries=0, _env_file=None)  # type: ignore[call-arg]
        conversation = Conversation(Engine(kb, llm=build_backend(settings)), Store(":memory:"))
        built.append(conversation)
        return conversation

    yield make
    for conversation in built:
        if conversation.engine.llm is not None:
            await conversation.engine.llm.aclose()


async def _answer(conversation: Conversation, text: str, **kwargs: Any) -> Answer:
    reply = await conversation.turn(Question(text, ASKER, **kwargs))
    await reply.text()
    return reply.answer


async def _collect(conversation: Conversation, text: str, **kwargs: Any) -> tuple[str, str, str]:
    answer = await _answer(conversation, text, **kwargs)
    return answer.route, answer.text, answer.error


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("what did muse spark score on hle", "50.2"),
        ("muse spark vs gpt-5.4", "42.8"),
        ("when was muse spark released", "April 8, 2026"),
    ],
)
async def test_knowledge_questions_stay_in_the_knowledge_base(
    make_conversation: MakeConversation, server: FakeLLMServer, question: str, figure: str
) -> None:
    reply = await make_conversation().turn(Question(question, ASKER))
    assert reply.answer.route in {"knowledge", "compare"}
    assert not reply.streamed and figure in reply.answer.text
    assert server.requests == []


@pytest.mark.parametrize("question", ["hi", "hello!", "thanks", ""])
async def test_greetings_stay_fallback(
    make_conversation: MakeConversation, server: FakeLLMServer, question: str
) -> None:
    reply = await make_conversation().turn(Question(question, ASKER))
    assert reply.answer.route == "fallback" and not reply.streamed
    assert "LLM_PROVIDER" not in reply.answer.text
    assert server.requests == []


async def test_off_topic_questions_go_to_the_model(
    make_conversation: MakeConversation, server: FakeLLMServer
) -> None:
    server.stream(["Waves ", "fold ", "and ", "fall."])
    reply = await make_conversation().turn(Question("write a haiku about the sea", ASKER))
    answer = reply.answer
    assert answer.route == "llm" and answer.subject == "llm"
    assert answer.sources and answer.sources[0].as_of == "2026-04-08"
    pieces = [piece async for piece in reply.stream()]
    assert pieces == ["Waves ", "fold ", "and ", "fall."], "streamed as written"
    assert "write a haiku about the sea" in server.last.json["messages"][-1]["content"]


async def test_use_llm_forces_the_model_even_for_a_knowledge_question(
    make_conversation: MakeConversation, server: FakeLLMServer
) -> None:
    server.stream(["It scored 50.2."])
    route, text, _ = await _collect(make_conversation(), "what did muse spark score on hle", force="model")
    assert (route, text) == ("llm", "It scored 50.2.")
    assert len(server.requests) == 1


async def test_history_reaches_the_model(make_conversation: MakeConversation, server: FakeLLMServer) -> None:
    conversation = make_conversation()
    conversation.store.remember(ASKER.chat_id, "why is the sea salty", "Minerals from rocks.")
    await _collect(conversation, "and why is it blue")
    roles = [m["role"] for m in server.last.json["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert server.last.json["messages"][2]["content"] == "Minerals from rocks."


async def test_images_without_image_support_get_the_note(
    make_conversation: MakeConversation, server: FakeLLMServer
) -> None:
    conversation = make_conversation(supports_images=False)
    assert not conversation.engine.sees_images
    reply = await conversation.turn(Question("what is this?", ASKER, images=(ImagePart(b"\xff\xd8 jpeg"),)))
    assert (reply.answer.route, reply.answer.text, reply.streamed) == ("fallback", texts.NO_IMAGES, False)
    assert server.requests == []


async def test_images_without_any_backend_get_the_note(kb: KnowledgeBase) -> None:
    conversation = Conversation(Engine(kb), Store(":memory:"))
    answer = await _answer(conversation, "what is this?", images=(ImagePart(b"\xff\xd8 jpeg"),))
    assert (answer.route, answer.text) == ("fallback", texts.NO_IMAGES)


async def test_images_go_to_a_backend_that_sees_them(
    make_conversation: MakeConversation, server: FakeLLMServer
) -> None:
    conversation = make_conversation(model="gpt-4o-mini")  # a vision model, by name
    assert conversation.engine.sees_images
    route, _, _ = await _collect(
        conversation, "what did muse spark score on hle", images=(ImagePart(b"\xff\xd8 j"),)
    )
    assert route == "llm", "a picture always needs the model, even with a knowledge question"
    parts = server.last.json["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url"]


async def test_without_a_backend_the_user_is_never_told_about_configuration(
    kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    """Operator hints belong in the log: the chat gets what the bot can answer, nothing else."""
    conversation = Conversation(Engine(kb), Store(":memory:"))
    caplog.set_level("INFO", logger="bot.conversation")
    for question, force in (("write a haiku about the sea", None), ("write a haiku", "model")):
        reply = await conversation.turn(Question(question, ASKER, force=force))  # type: ignore[arg-type]
        assert reply.answer.route == "fallback" and not reply.streamed
        assert "Muse Spark" in reply.answer.text
        assert "LLM_PROVIDER" not in reply.answer.text and "operator" not in reply.answer.text.lower()
    assert "a model would have taken" in caplog.text


@pytest.mark.parametrize(
    ("reply", "note", "error"),
    [
        (lambda s: s.error(401, "Incorrect API key provided"), texts.MODEL_MISCONFIGURED, "misconfigured"),
        (lambda s: s.error(404, "The model does not exist"), texts.MODEL_MISCONFIGURED, "misconfigured"),
        (lambda s: s.error(503, "overloaded", kind="server_error"), texts.MODEL_UNAVAILABLE, "unavailable"),
        (
            lambda s: s.error(429, "slow down", kind="rate_limit_exceeded"),
            texts.MODEL_UNAVAILABLE,
            "unavailable",
        ),
    ],
)
async def test_backend_failures_become_a_sentence_not_an_exception(
    make_conversation: MakeConversation, server: FakeLLMServer, reply: Any, note: str, error: str
) -> None:
    reply(server)
    route, text, got = await _collect(make_conversation(), "write a haiku about the sea")
    assert (route, text, got) == ("llm", note, error)


async def test_a_cut_stream_keeps_its_text_and_says_so(
    make_conversation: MakeConversation, server: FakeLLMServer
) -> None:
    server.reply(
        Reply(chunks=up_to(render("openai", ["Waves ", "fold ", "and ", "fall."]), "and "), cut=True)
    )
    route, text, error = await _collect(make_conversation(), "write a haiku about the sea")
    assert (route, error) == ("llm", "interrupted")
    assert text == "Waves fold and " + texts.CUT_OFF


async def test_pictures_not_fetched_still_answer_the_words(kb: KnowledgeBase) -> None:
    """A channel that does not fetch a picture nobody can look at says so with `unseen`."""
    conversation = Conversation(Engine(kb), Store(":memory:"))
    answer = await _answer(conversation, "what did muse spark score on hle", unseen=1)
    assert answer.text.startswith(texts.PICTURE_NOT_SEEN) and "50.2" in answer.text
    fresh = Conversation(Engine(kb), Store(":memory:"))
    answer = await _answer(fresh, "what is this?", unseen=2)
    assert (answer.route, answer.text) == ("fallback", texts.NO_IMAGES)
