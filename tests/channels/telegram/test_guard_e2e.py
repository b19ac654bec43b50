"""Access control and LLM quotas end to end: the real Application, the fake Bot API and a fake
OpenAI-compatible LLM, all over HTTP.

"Nothing was sent" is checked without waiting for time to pass: updates of one chat are
handled in order, so once a later message in the same chat has been answered, the earlier ones
are finished (see `PerChatUpdateProcessor`).

The helpers at the top (`barrier`, `answers`, `text_of`) are shared with the fault tests.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import KnowledgeBase
from bot.state.store import Store
from bot.texts import NOT_ALLOWED_LLM
from tests.channels.telegram.conftest import Start
from tests.channels.telegram.harness import BARRIER, launch, stop_bot
from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI

USER, OTHER, THIRD = 1001, 1002, 1003
GROUP, OTHER_GROUP = -2001, -2002
KNOWLEDGE_Q = "when was muse spark released"
KNOWLEDGE_A = "April 8, 2026"
LLM_Q = "write me a haiku about llamas"
T0 = dt.datetime(2026, 11, 26, 14, 2, 30, tzinfo=dt.UTC).timestamp()


# -- shared helpers ------------------------------------------------------------------------------


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def texts(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [text_of(m) for m in api.sent(chat_id)]


async def barrier(api: FakeBotAPI, chat_id: int, user_id: int | None = None) -> None:
    """Return once every update sent to `chat_id` before this call has been handled: a test
    handler (ahead of the guard) echoes the marker, and a chat's updates run in order."""
    api.message(chat_id, BARRIER, user_id=user_id)
    done = len([m for m in api.sent(chat_id) if text_of(m) == BARRIER]) + 1
    await api.wait_for(lambda: len([m for m in api.sent(chat_id) if text_of(m) == BARRIER]) >= done)


def answers(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The bot's messages in a chat, barrier echoes left out."""
    return [t for t in texts(api, chat_id) if t != BARRIER]


# -- fixtures ------------------------------------------------------------------------------------


# -- access --------------------------------------------------------------------------------------


async def test_empty_allowlists_are_open(bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start) -> None:
    (await start(barrier=True))
    bot_api.message(OTHER, KNOWLEDGE_Q)
    bot_api.message(GROUP, f"@muse_test_bot {KNOWLEDGE_Q}", user_id=THIRD)
    [private] = await bot_api.wait_for_messages(OTHER, 1)
    [group] = await bot_api.wait_for_messages(GROUP, 1)
    assert KNOWLEDGE_A in text_of(private) and KNOWLEDGE_A in text_of(group)
    assert bot_api.calls_to("leaveChat") == []


async def test_stranger_gets_one_polite_line_in_private(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start
) -> None:
    (await start(barrier=True, allowed_user_ids=str(USER), knowledge_open_to_all=False))
    for question in (KNOWLEDGE_Q, "hello?", "/start", "/compare hle", "/usage"):
        bot_api.message(OTHER, question)
    await barrier(bot_api, OTHER)
    [note] = answers(bot_api, OTHER)
    assert "private bot" in note and str(OTHER) in note
    bot_api.message(USER, KNOWLEDGE_Q)
    [answer] = await bot_api.wait_for_messages(USER, 1)
    assert KNOWLEDGE_A in text_of(answer), "members are served"


async def test_stranger_note_is_once_a_day_even_across_restarts(
    bot_api: FakeBotAPI, kb: KnowledgeBase, tmp_path: Path, start: Start
) -> None:
    path = tmp_path / "musebot.sqlite3"
    closed: dict[str, Any] = {"allowed_user_ids": str(USER), "knowledge_open_to_all": False}
    first = await launch(bot_api, kb, barrier=True, store=Store(path), clock=T0, **closed)
    try:
        bot_api.message(OTHER, KNOWLEDGE_Q)
        await barrier(bot_api, OTHER)
    finally:
        await stop_bot(first)
    (await start(barrier=True, store=Store(path), clock=T0, **closed))
    bot_api.message(OTHER, "anyone there?")
    await barrier(bot_api, OTHER)
    assert len(answers(bot_api, OTHER)) == 1, "the note once; nothing after the restart"


async def test_stranger_in_a_group_gets_nothing(bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start) -> None:
    (await start(barrier=True, allowed_user_ids=str(USER), knowledge_open_to_all=False))
    bot_api.message(GROUP, f"@muse_test_bot {KNOWLEDGE_Q}", user_id=OTHER)
    bot_api.message(GROUP, "/compare hle", user_id=OTHER)
    bot_api.message(GROUP, f"@muse_test_bot {KNOWLEDGE_Q}", user_id=USER)
    await barrier(bot_api, GROUP)
    [answer] = [m for m in bot_api.sent(GROUP) if text_of(m) != BARRIER]
    assert KNOWLEDGE_A in text_of(answer)
    assert answer["reply_to_message"]["from"]["id"] == USER
    assert bot_api.sent(OTHER) == [], "no private note either"
    assert bot_api.calls_to("leaveChat") == []


async def test_group_that_is_not_allowed_is_left_and_logged(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.telegram.gate")
    (await start(barrier=True, allowed_chat_ids=str(GROUP)))
    bot_api.message(OTHER_GROUP, f"@muse_test_bot {KNOWLEDGE_Q}", user_id=USER)
    bot_api.message(OTHER_GROUP, "/help", user_id=USER)
    [leave] = await bot_api.wait_for_call("leaveChat")
    assert leave.params["chat_id"] == OTHER_GROUP
    bot_api.message(GROUP, f"@muse_test_bot {KNOWLEDGE_Q}", user_id=OTHER)
    [answer] = await bot_api.wait_for_messages(GROUP, 1)
    assert KNOWLEDGE_A in text_of(answer), "members of an allowed group are served"
    bot_api.message(OTHER_GROUP, BARRIER, user_id=USER)  # its echo is refused: the bot has left
    await bot_api.wait_for(lambda: any(e[1] == 403 for e in bot_api.errors))
    assert bot_api.sent(OTHER_GROUP) == []
    assert len(bot_api.calls_to("leaveChat")) == 1, "left once, not once per message"
    [line] = [r for r in caplog.records if "ALLOWED_CHAT_IDS" in r.getMessage()]
    assert line.levelno == logging.WARNING and str(OTHER_GROUP) in line.getMessage()


async def test_being_added_to_a_group_that_is_not_allowed_leaves_at_once(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.telegram.gate")
    (await start(barrier=True, allowed_chat_ids=str(GROUP)))
    chat = bot_api.add_chat(OTHER_GROUP, "group", title="Strangers' group")
    bot_user = dict(bot_api.bot_user)
    bot_api.add_update(
        {
            "my_chat_member": {
                "chat": chat,
                "from": bot_api.user(OTHER),
                "date": 1_700_000_000,
                "old_chat_member": {"user": bot_user, "status": "left"},
                "new_chat_member": {"user": bot_user, "status": "member"},
            }
        }
    )
    [leave] = await bot_api.wait_for_call("leaveChat")
    assert leave.params["chat_id"] == OTHER_GROUP
    assert any(f"added by user {OTHER}" in r.getMessage() for r in caplog.records)


async def test_an_allowed_group_upgraded_to_a_supergroup_stays_allowed_across_restarts(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start, tmp_path: Path
) -> None:
    """Telegram upgrades a group (an admin turns on topics, say): a new id, and ALLOWED_CHAT_IDS
    still names the old one. Its members keep their answers, the model's too, after a restart."""
    supergroup_id, path = -1001000002001, tmp_path / "musebot.sqlite3"
    allowed: dict[str, Any] = {"llm": llm, "allowed_chat_ids": str(GROUP)}
    group = bot_api.add_chat(GROUP, "group", title="Llama fans")
    bot_api.migrate_chat(GROUP, supergroup_id)
    supergroup = bot_api.add_chat(supergroup_id, "supergroup", title="Llama fans")
    first = await launch(bot_api, kb, barrier=True, store=Store(path), **allowed)
    try:
        for chat, moved in (
            (group, {"migrate_to_chat_id": supergroup_id}),
            (supergroup, {"migrate_from_chat_id": GROUP}),
        ):
            service = {"message_id": 900, "chat": chat, "from": bot_api.user(OTHER), "date": 1_700_000_000}
            bot_api.add_update({"message": service | moved})
        bot_api.message(supergroup_id, f"@muse_test_bot {LLM_Q}", user_id=OTHER)
        [answer] = await bot_api.wait_for_messages(supergroup_id, 1)
    finally:
        await stop_bot(first)
    (await start(barrier=True, store=Store(path), **allowed))
    bot_api.message(supergroup_id, f"@muse_test_bot {LLM_Q}", user_id=THIRD)
    _, after_restart = await bot_api.wait_for_messages(supergroup_id, 2)
    assert text_of(answer).startswith("Hello!") and text_of(after_restart).startswith("Hello!")
    assert bot_api.calls_to("leaveChat") == []


async def test_knowledge_stays_open_while_the_llm_is_for_members(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start
) -> None:
    (await start(barrier=True, llm=llm, allowed_user_ids=str(USER)))
    llm.stream(["Llamas ", "hum."])
    bot_api.message(OTHER, KNOWLEDGE_Q)
    bot_api.message(OTHER, LLM_Q)
    bot_api.message(OTHER, f"/ask {KNOWLEDGE_Q}")
    answers = await bot_api.wait_for_messages(OTHER, 3)
    assert KNOWLEDGE_A in text_of(answers[0])
    assert text_of(answers[1]) == text_of(answers[2]) == NOT_ALLOWED_LLM
    assert llm.requests == [], "a stranger never reaches the LLM"
    bot_api.message(USER, LLM_Q)
    [member] = await bot_api.wait_for_messages(USER, 1)
    assert "Llamas hum." in text_of(member)
    assert len(llm.requests) == 1


# -- quotas --------------------------------------------------------------------------------------


async def test_over_the_minute_limit_gets_the_reset_time_and_usage_shows_it(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start
) -> None:
    (await start(barrier=True, llm=llm, clock=T0, llm_per_user_per_minute=2))
    for _ in range(3):
        bot_api.message(USER, LLM_Q)
    bot_api.message(USER, KNOWLEDGE_Q)
    bot_api.message(USER, "/usage")
    first, second, refused, knowledge, usage = map(text_of, await bot_api.wait_for_messages(USER, 5))
    assert first.startswith("Hello!") and second.startswith("Hello!")
    assert "2 questions a minute" in refused and "at 14:03 UTC (in 30 sec)" in refused
    assert KNOWLEDGE_A in knowledge, "knowledge answers are not limited"
    assert "you, this minute: 2 of 2" in usage and "you, today (UTC): 2 of 100" in usage
    assert len(llm.requests) == 2


async def test_over_the_day_limit_names_midnight_utc(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start
) -> None:
    (await start(barrier=True, llm=llm, clock=T0, llm_per_user_per_day=1))
    bot_api.message(USER, LLM_Q)
    bot_api.message(USER, f"/ask {LLM_Q}")
    _, refused = map(text_of, await bot_api.wait_for_messages(USER, 2))
    assert "1 question a day" in refused and "at 00:00 UTC (in 9 hr 57 min)" in refused


async def test_group_and_user_limits_are_separate(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start
) -> None:
    # Two messages only in the group: its flood pace allows a burst of two, then one per 7 s.
    app = await start(barrier=True, llm=llm, clock=T0, llm_per_chat_per_minute=1)
    for user in (USER, OTHER):
        bot_api.message(GROUP, f"@muse_test_bot {LLM_Q}", user_id=user)
    first, refused = map(text_of, await bot_api.wait_for_messages(GROUP, 2))
    assert first.startswith("Hello!")
    assert "this group can ask my language model 1 question a minute" in refused
    bot_api.message(OTHER, LLM_Q)
    [private] = await bot_api.wait_for_messages(OTHER, 1)
    assert text_of(private).startswith("Hello!"), "the group's limit does not follow a user into private"
    report = app.services.conversation.quotas.report(USER, GROUP, group=True)
    used = {line.label: line.used for line in report.lines}
    assert used == {
        "you, this minute": 1,
        "you, today (UTC)": 1,
        "this group, this minute": 1,
        "this group, today (UTC)": 1,
    }


async def test_counters_survive_a_restart(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start, tmp_path: Path
) -> None:
    path = tmp_path / "musebot.sqlite3"
    first = await launch(
        bot_api, kb, barrier=True, llm=llm, store=Store(path), clock=T0, llm_per_user_per_day=1
    )
    try:
        bot_api.message(USER, LLM_Q)
        await bot_api.wait_for_messages(USER, 1)
    finally:
        await stop_bot(first)
    (await start(barrier=True, llm=llm, store=Store(path), clock=T0, llm_per_user_per_day=1))
    bot_api.message(USER, LLM_Q)
    _, refused = map(text_of, await bot_api.wait_for_messages(USER, 2))
    assert "a day" in refused
    assert len(llm.requests) == 1


async def test_usage_for_a_stranger_and_for_an_operator(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start
) -> None:
    (await start(barrier=True, allowed_user_ids=str(USER), admin_user_ids="9"))
    bot_api.message(OTHER, "/usage")
    bot_api.message(9, "/usage")
    [stranger] = await bot_api.wait_for_messages(OTHER, 1)
    [operator] = await bot_api.wait_for_messages(9, 1)
    assert "only for people my operator has approved" in text_of(stranger)
    assert "no limits apply to you" in text_of(operator)


# -- input length --------------------------------------------------------------------------------


async def test_long_input_is_cut_with_a_notice(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start
) -> None:
    (await start(barrier=True, llm=llm, max_question_chars=500))
    bot_api.message(USER, "write me a story about " + "llamas and alpacas " * 200)
    notice, answer = map(text_of, await bot_api.wait_for_messages(USER, 2))
    assert "I read only the first 500" in notice
    assert answer.startswith("Hello!")
    sent = llm.last.json["messages"][-1]["content"]
    assert len(sent) < 500 + 40 and sent.startswith("<user_message>")
