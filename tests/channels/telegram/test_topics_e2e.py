"""Forum topics, end to end: whatever the bot sends for a question asked in a topic — the
answer, its chart, the second part of a long answer, the /start welcome, the example a button
asks, "typing…" and "sending a photo…" — lands in that topic, in groups and in private chats
with topics; history is kept per topic.

The fake Bot API places messages as Telegram does: a send without `message_thread_id` goes to
General (unless it replies to a message in a topic), and a thread id where there are no topics
is refused with "message thread not found".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge import load_knowledge
from tests.channels.telegram.conftest import Start
from tests.channels.telegram.test_bot_e2e import _knowledge_with_long_entry
from tests.channels.telegram.test_guard_e2e import text_of
from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI

FORUM = -1001000000042
PLAIN = -1001000000043
TOPIC, OTHER_TOPIC = 42, 43
USER, OTHER_USER = 1001, 1002
MENTION = "@muse_test_bot"


def _forum(api: FakeBotAPI) -> None:
    api.add_chat(FORUM, "supergroup", title="Muse fans", is_forum=True)
    api.topic(FORUM, TOPIC, "Benchmarks")
    api.topic(FORUM, OTHER_TOPIC, "Poems")


def _in(api: FakeBotAPI, chat_id: int, thread_id: int | None) -> list[dict[str, Any]]:
    return [m for m in api.sent(chat_id) if m.get("message_thread_id") == thread_id]


async def test_compare_in_a_topic_sends_table_chart_and_upload_action_there(
    bot_api: FakeBotAPI, start: Start
) -> None:
    _forum(bot_api)
    await start()
    bot_api.message(FORUM, "/compare muse-spark gpt-5.4", user_id=USER, message_thread_id=TOPIC)
    table, chart = await bot_api.wait_for_messages(FORUM, 2)
    assert "42.8" in text_of(table) and chart["photo"]
    assert _in(bot_api, FORUM, TOPIC) == [table, chart], "both in the topic, none in General"
    assert all(m["is_topic_message"] for m in (table, chart))
    assert (FORUM, "upload_photo", TOPIC) in bot_api.chat_action_threads
    assert not [e for e in bot_api.errors if "thread" in e[2]]


async def test_every_part_of_a_long_answer_lands_in_the_topic(
    bot_api: FakeBotAPI, start: Start, tmp_path: Path
) -> None:
    _forum(bot_api)
    await start(kb=load_knowledge(_knowledge_with_long_entry(tmp_path)))
    bot_api.message(FORUM, f"{MENTION} tell me the very long story", user_id=USER, message_thread_id=TOPIC)
    await bot_api.wait_for(lambda: any("Source:" in text_of(m) for m in bot_api.sent(FORUM)))
    parts = bot_api.sent(FORUM)
    assert len(parts) >= 3
    assert [m.get("message_thread_id") for m in parts] == [TOPIC] * len(parts)


async def test_start_and_its_example_buttons_answer_in_the_topic(bot_api: FakeBotAPI, start: Start) -> None:
    _forum(bot_api)
    await start()
    bot_api.message(FORUM, "/start", user_id=USER, message_thread_id=TOPIC)
    [welcome] = await bot_api.wait_for_messages(FORUM, 1)
    assert welcome.get("message_thread_id") == TOPIC
    button = welcome["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    bot_api.callback_query(USER, FORUM, welcome["message_id"], button)
    _, answer = await bot_api.wait_for_messages(FORUM, 2)
    assert "42.8" in text_of(answer)
    assert answer.get("message_thread_id") == TOPIC


async def test_typing_and_the_streamed_answer_stay_in_the_topic(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    _forum(bot_api)
    await start(llm=llm)
    llm.stream(["Llamas ", "hum ", "softly."], pause=0.3)
    bot_api.message(FORUM, f"{MENTION} write me a haiku about llamas", user_id=USER, message_thread_id=TOPIC)
    [answer] = await bot_api.wait_for_messages(FORUM, 1)
    assert "Llamas hum softly." in text_of(answer) and answer.get("message_thread_id") == TOPIC
    typing = [t for chat, action, t in bot_api.chat_action_threads if chat == FORUM and action == "typing"]
    assert typing and set(typing) == {TOPIC}


async def test_general_and_plain_supergroups_get_no_thread_id(bot_api: FakeBotAPI, start: Start) -> None:
    """General is no topic, and a reply thread in a supergroup without topics is none either:
    sending there with its thread id would fail."""
    _forum(bot_api)
    await start()
    bot_api.message(FORUM, f"{MENTION} what is hle", user_id=USER)
    [general] = await bot_api.wait_for_messages(FORUM, 1)
    assert "message_thread_id" not in general
    bot_api.message(PLAIN, f"{MENTION} what did muse spark score on hle", user_id=USER)
    [first] = await bot_api.wait_for_messages(PLAIN, 1)
    bot_api.message(PLAIN, "and on terminal bench?", user_id=OTHER_USER, reply_to=first)
    _, follow_up = await bot_api.wait_for_messages(PLAIN, 2)
    assert "59.0" in text_of(follow_up)
    assert not bot_api.errors, bot_api.errors


async def test_a_private_chat_with_topics_gets_drafts_and_answers_in_the_topic(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    bot_api.add_chat(USER, "private", has_topics=True)
    await start(llm=llm)
    llm.stream(["Grey ", "waves ", "fold."], pause=0.3)
    bot_api.message(USER, "write a haiku about the sea", message_thread_id=3)
    [answer] = await bot_api.wait_for_messages(USER, 1)
    assert "Grey waves fold." in text_of(answer)
    assert answer.get("message_thread_id") == 3 and answer["is_topic_message"]
    assert bot_api.drafts and {d["message_thread_id"] for d in bot_api.drafts} == {3}
    bot_api.message(USER, "/help", message_thread_id=3)
    _, help_text = await bot_api.wait_for_messages(USER, 2)
    assert help_text.get("message_thread_id") == 3


async def test_history_is_kept_per_topic(bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer) -> None:
    _forum(bot_api)
    await start(llm=llm)
    llm.stream(["Llamas are woolly."])
    bot_api.message(
        FORUM, f"{MENTION} write me a short poem about llamas", user_id=USER, message_thread_id=TOPIC
    )
    await bot_api.wait_for_messages(FORUM, 1)

    llm.stream(["Alpacas too."])
    bot_api.message(
        FORUM, f"{MENTION} now write one about alpacas", user_id=USER, message_thread_id=OTHER_TOPIC
    )
    await bot_api.wait_for_messages(FORUM, 2)
    elsewhere = " ".join(str(m["content"]) for m in llm.last.json["messages"])
    assert "llamas" not in elsewhere.lower(), "another topic's history stays there"

    llm.stream(["Shorter: woolly."])
    bot_api.message(
        FORUM, f"{MENTION} write another one, shorter", user_id=OTHER_USER, message_thread_id=TOPIC
    )
    await bot_api.wait_for_messages(FORUM, 3)
    same = [(m["role"], m["content"]) for m in llm.last.json["messages"]]
    assert ("assistant", "Llamas are woolly.") in same
    assert not any("Alpacas" in str(text) for _, text in same)
    assert [m.get("message_thread_id") for m in bot_api.sent(FORUM)] == [TOPIC, OTHER_TOPIC, TOPIC]
