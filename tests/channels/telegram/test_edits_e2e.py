"""An edited question, end to end: soon after its answer and before anyone else spoke, the
answer is edited in place (text, chart, model answers, history); otherwise the edit is left
alone — a group's edit that no longer names the bot, one after someone else spoke, a late one.
"""

from __future__ import annotations

import pytest

from bot.channels.telegram import edits
from tests.channels.telegram.conftest import Start
from tests.channels.telegram.test_guard_e2e import answers, barrier, text_of
from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI

USER, OTHER = 1001, 1002
GROUP = -1001000004001
MENTION = "@muse_test_bot"


async def test_an_edited_question_gets_its_answer_edited_in_place(bot_api: FakeBotAPI, start: Start) -> None:
    await start()
    asked = bot_api.message(USER, "what did muse spark score on arc agi")["message"]
    [before] = await bot_api.wait_for_messages(USER, 1)
    assert "42.5" in text_of(before)
    bot_api.edit(USER, asked["message_id"], "what did muse spark score on hle")
    await bot_api.wait_for(lambda: "50.2" in text_of(bot_api.sent(USER)[0]))
    [after] = bot_api.sent(USER)
    assert after["message_id"] == before["message_id"] and after.get("edit_date")
    assert len(bot_api.calls_to("sendMessage")) == 1, "no second answer below"


@pytest.mark.parametrize("chat_id", [USER, GROUP], ids=["private", "group"])
async def test_an_edited_compare_replaces_its_table_and_chart(
    bot_api: FakeBotAPI, start: Start, chat_id: int
) -> None:
    await start(barrier=True)
    asked = bot_api.message(chat_id, "/compare muse-spark gpt-5.4", user_id=USER)["message"]
    table, chart = await bot_api.wait_for_messages(chat_id, 2)
    bot_api.edit(chat_id, asked["message_id"], "/compare muse-spark claude-opus-4.6")
    await bot_api.wait_for(lambda: len(bot_api.calls_to("sendPhoto")) == 2)
    await barrier(bot_api, chat_id, USER)
    new_table, new_chart = [m for m in bot_api.sent(chat_id) if text_of(m) != "[test barrier]"]
    assert new_table["message_id"] == table["message_id"] and "Claude Opus 4.6" in text_of(new_table)
    assert new_chart["message_id"] != chart["message_id"] and "Claude Opus 4.6" in text_of(new_chart)
    shown = [m["message_id"] for m in bot_api.sent(chat_id)]
    assert chart["message_id"] not in shown, "the old chart is deleted"


async def test_an_edited_model_question_is_answered_again_in_place_and_in_history(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    await start(llm=llm)
    llm.stream(["Llamas ", "are woolly."])
    asked = bot_api.message(GROUP, f"{MENTION} write me a short poem about llamas", user_id=USER)["message"]
    [before] = await bot_api.wait_for_messages(GROUP, 1)
    llm.stream(["Alpacas ", "are fluffy."])
    bot_api.edit(GROUP, asked["message_id"], f"{MENTION} write me a short poem about alpacas")
    await bot_api.wait_for(lambda: "Alpacas are fluffy." in text_of(bot_api.sent(GROUP)[0]))
    assert [m["message_id"] for m in bot_api.sent(GROUP)] == [before["message_id"]]

    llm.stream(["Shorter."])
    bot_api.message(GROUP, f"{MENTION} write another one, shorter", user_id=USER)
    await bot_api.wait_for_messages(GROUP, 2)
    history = [(m["role"], str(m["content"])) for m in llm.last.json["messages"]]
    assert ("assistant", "Alpacas are fluffy.") in history
    assert not any("llamas" in text.lower() for _, text in history), "the first version is taken back"


async def test_edits_that_are_not_for_the_answer_are_left_alone(
    bot_api: FakeBotAPI, start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start(barrier=True)
    # someone else spoke since
    asked = bot_api.message(GROUP, f"{MENTION} what did muse spark score on arc agi", user_id=USER)["message"]
    bot_api.message(GROUP, "nice!", user_id=OTHER)
    bot_api.edit(GROUP, asked["message_id"], f"{MENTION} what did muse spark score on hle")
    # no longer meant for the bot
    second = bot_api.message(GROUP, f"{MENTION} when was muse spark released", user_id=OTHER)["message"]
    bot_api.edit(GROUP, second["message_id"], "never mind")
    await barrier(bot_api, GROUP, OTHER)
    assert [("42.5" in a, "April 8, 2026" in a) for a in answers(bot_api, GROUP)] == [
        (True, False),
        (False, True),
    ]
    # too late
    monkeypatch.setattr(edits, "WINDOW", -1.0)
    third = bot_api.message(USER, "what did muse spark score on arc agi")["message"]
    await bot_api.wait_for_messages(USER, 1)
    bot_api.edit(USER, third["message_id"], "what did muse spark score on hle")
    await barrier(bot_api, USER)
    assert ["42.5" in a for a in answers(bot_api, USER)] == [True]
    assert not bot_api.calls_to("editMessageText")


@pytest.mark.parametrize("command", ["/stats", "/reload@muse_test_bot"])
async def test_an_edit_into_a_command_that_says_nothing_keeps_the_answer(
    bot_api: FakeBotAPI, start: Start, command: str
) -> None:
    """An operator's command says nothing to anyone else in a group: no reason to take back
    the answer to what the message asked before."""
    await start(barrier=True)
    asked = bot_api.message(GROUP, f"{MENTION} what did muse spark score on hle", user_id=USER)["message"]
    [before] = await bot_api.wait_for_messages(GROUP, 1)
    bot_api.edit(GROUP, asked["message_id"], command)
    await barrier(bot_api, GROUP, USER)
    assert answers(bot_api, GROUP) == [text_of(before)] and "50.2" in text_of(before)
    assert not bot_api.calls_to("deleteMessage") and not bot_api.calls_to("editMessageText")
