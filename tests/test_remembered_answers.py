"""Opening questions answered exactly are remembered; follow-ups and model questions never are."""

from __future__ import annotations

from typing import Any

import pytest

from bot.answering.engine import Engine
from bot.conversation import Asker, Conversation, Question
from bot.knowledge import KnowledgeBase
from bot.state.store import Store

QUESTION = "what did muse spark score on hle"


@pytest.fixture
def conversation(kb: KnowledgeBase) -> Conversation:
    return Conversation(Engine(kb), Store(":memory:"))


@pytest.fixture
def decisions(conversation: Conversation, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions the engine was asked to decide."""
    asked: list[str] = []
    decide = conversation.engine.decide

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(text)
        return decide(text, *args, **kwargs)

    monkeypatch.setattr(conversation.engine, "decide", spy)
    return asked


async def _ask(conversation: Conversation, text: str, chat: int, language: str | None = None) -> str:
    asker = Asker(chat_id=chat, user_id=chat, language=language)
    reply = await conversation.turn(Question(text, asker))
    return await reply.text()


async def test_the_same_opening_question_is_decided_once(
    conversation: Conversation, decisions: list[str]
) -> None:
    first = await _ask(conversation, QUESTION, 1)
    second = await _ask(conversation, QUESTION, 2)
    assert first == second and "50.2" in first
    assert decisions == [QUESTION]


async def test_follow_ups_and_other_languages_are_decided_afresh(
    conversation: Conversation, decisions: list[str]
) -> None:
    await _ask(conversation, QUESTION, 1)
    await _ask(conversation, QUESTION, 1)  # chat 1 now has history: a follow-up
    await _ask(conversation, QUESTION, 2, language="es")
    assert decisions == [QUESTION, QUESTION, QUESTION]


async def test_a_remembered_answer_is_a_copy(conversation: Conversation) -> None:
    reply = await conversation.turn(Question(QUESTION, Asker(chat_id=1, user_id=1)))
    reply.answer.text = "changed by a channel"
    assert "50.2" in await _ask(conversation, QUESTION, 2)


async def test_none_are_kept_when_switched_off(kb: KnowledgeBase) -> None:
    conversation = Conversation(Engine(kb), Store(":memory:"), remembered_answers=0)
    await _ask(conversation, QUESTION, 1)
    assert len(conversation.remembered) == 0
