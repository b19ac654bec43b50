"""End to end: the real python-telegram-bot Application against the fake Bot API, over HTTP.

Each test does what a person in Telegram would do and checks what they would see.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import yaml

from bot.channels.telegram.ratelimit import ChatAwareRateLimiter
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.ops.logs import setup_logging
from bot.texts import BUTTON_GONE, SORRY
from tests.channels.telegram.conftest import TEST_TOKEN, Start
from tests.channels.telegram.harness import launch, stop_bot
from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_html import utf16_len

USER = 1001
GROUP = -2001
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def test_private_question_gets_the_figure_and_its_source(bot: FakeBotAPI) -> None:
    bot.message(USER, "what did muse spark score on helthbench hard")
    [reply] = await bot.wait_for_messages(USER, 1)
    assert "42.8" in _text(reply)
    assert "Source:" in _text(reply)
    assert {"bold", "italic"} <= {e["type"] for e in reply.get("entities", [])}


async def test_off_topic_question_gets_a_friendly_note(bot: FakeBotAPI) -> None:
    bot.message(USER, "what's the weather in paris")
    [reply] = await bot.wait_for_messages(USER, 1)
    assert "Muse Spark" in _text(reply)
    assert "Traceback" not in _text(reply)


async def test_start_offers_tappable_examples_that_answer(bot: FakeBotAPI) -> None:
    bot.message(USER, "/start")
    [greeting] = await bot.wait_for_messages(USER, 1)
    buttons = greeting["reply_markup"]["inline_keyboard"]
    assert len(buttons) >= 3
    bot.callback_query(USER, USER, greeting["message_id"], buttons[0][0]["callback_data"])
    _, answer = await bot.wait_for_messages(USER, 2)
    assert "42.8" in _text(answer)
    await bot.wait_for_call("answerCallbackQuery")


async def test_a_button_the_bot_no_longer_knows_stops_spinning_with_a_note(bot: FakeBotAPI) -> None:
    """Buttons left by an older version, or data that was never ours: the spinner stops, with
    a short note, and nothing is posted."""
    bot.message(USER, "/start")
    [greeting] = await bot.wait_for_messages(USER, 1)
    taps = [
        bot.callback_query(USER, USER, greeting["message_id"], data)["callback_query"]["id"]
        for data in ("garbage", "vote:up", "ask:99", "drafts:abc")
    ]
    await bot.wait_for(lambda: all(tap in bot.callback_answers for tap in taps))
    assert [bot.callback_answers[tap]["text"] for tap in taps] == [BUTTON_GONE] * len(taps)
    assert len(bot.sent(USER)) == 1


async def test_command_menus_are_published_per_scope(bot: FakeBotAPI) -> None:
    scopes = {c.params.get("scope", {}).get("type") for c in bot.calls_to("setMyCommands")}
    assert scopes == {"all_private_chats", "all_group_chats"}
    private = next(v for (scope, language), v in bot.commands.items() if "private" in scope and not language)
    assert {"compare", "help", "sources"} <= {c["command"] for c in private}


async def test_command_menus_are_described_in_each_language(bot: FakeBotAPI) -> None:
    menus = {language: v for (scope, language), v in bot.commands.items() if "private" in scope}
    assert set(menus) == {"", "es", "pt", "id", "hi"}
    english = {c["command"]: c["description"] for c in menus[""]}
    for language in ("es", "pt", "id", "hi"):
        described = {c["command"]: c["description"] for c in menus[language]}
        assert described.keys() == english.keys()
        assert described["compare"] != english["compare"], language


async def test_an_unknown_command_in_private_lists_the_ones_there_are(bot: FakeBotAPI) -> None:
    bot.message(USER, "/weather <b>lisbon</b>")
    [reply] = await bot.wait_for_messages(USER, 1)
    text = _text(reply)
    assert "/weather" in text and "/compare" in text and "/help" in text
    assert "/mode" not in text and "/usage" not in text, "no model configured: no model commands"


async def test_an_unknown_command_in_a_group_may_be_another_bots(bot: FakeBotAPI) -> None:
    bot.message(GROUP, "/weather", user_id=7)
    bot.message(GROUP, "@muse_test_bot hle?", user_id=7)
    [reply] = await bot.wait_for_messages(GROUP, 1)
    assert "50.2" in _text(reply) and len(bot.sent(GROUP)) == 1


async def test_group_answers_only_when_addressed(bot: FakeBotAPI) -> None:
    bot.message(GROUP, "anyone seen the healthbench numbers?", user_id=7)
    bot.message(GROUP, "/help@some_other_bot", user_id=7)
    asked = bot.message(GROUP, "@muse_test_bot what is hle", user_id=8)["message"]
    [reply] = await bot.wait_for_messages(GROUP, 1)
    assert "50.2" in _text(reply)
    assert reply["reply_to_message"]["message_id"] == asked["message_id"]

    bot.message(GROUP, "/help", user_id=7)
    bot.message(GROUP, "/benchmarks@muse_test_bot", user_id=7)
    follow = bot.message(GROUP, "and terminal bench?", user_id=9, reply_to=reply)["message"]
    replies = await bot.wait_for_messages(GROUP, 4)
    assert "/compare" in _text(replies[1])
    assert "HealthBench Hard" in _text(replies[2])
    assert replies[3]["reply_to_message"]["message_id"] == follow["message_id"]
    assert "59.0" in _text(replies[3])
    assert len(bot.sent(GROUP)) == 4


async def test_migrated_group_keeps_getting_answers(bot: FakeBotAPI) -> None:
    bot.migrate_chat(-3001, -1003001)
    bot.message(-3001, "@muse_test_bot when was muse spark released", user_id=7)
    [reply] = await bot.wait_for_messages(-1003001, 1)
    assert "April 8, 2026" in _text(reply)


async def test_inline_mode_offers_answer_cards(bot: FakeBotAPI) -> None:
    bot.inline_query(USER, "hle")
    await bot.wait_for_call("answerInlineQuery")
    [answer] = bot.inline_answers.values()
    results = answer["results"]
    assert 1 <= len(results) <= 3
    first = results[0]["input_message_content"]["message_text"]
    assert "50.2" in first and "Source" in first


async def test_compare_sends_a_phone_sized_table_and_a_chart(bot: FakeBotAPI) -> None:
    bot.message(USER, "/compare muse-spark gpt-5.4")
    table, chart = await bot.wait_for_messages(USER, 2)
    pre = [e for e in table["entities"] if e["type"] == "pre"]
    assert pre, "the table is a monospace block"
    block = _text(table)[pre[0]["offset"] : pre[0]["offset"] + pre[0]["length"]]
    assert max(len(line) for line in block.splitlines()) <= 34
    assert "42.8*" in block and "75.1*" in block and "—" in block
    assert chart["photo"]
    assert bot.uploads[-1].data.startswith(PNG_MAGIC)
    assert "Muse Spark vs GPT-5.4" in _text(chart)


async def test_compare_benchmark_ranks_and_bad_names_get_help(bot: FakeBotAPI) -> None:
    bot.message(USER, "/compare hle")
    ranking, _chart = await bot.wait_for_messages(USER, 2)
    text = _text(ranking)
    assert text.index("50.2") < text.index("48.4") < text.index("43.9")
    bot.message(USER, "/compare gpt-6 spark")
    bot.message(USER, "/compare")
    *_, unknown, usage = await bot.wait_for_messages(USER, 4)
    assert "Unknown model 'gpt-6'" in _text(unknown) and "did you mean GPT-5.4" in _text(unknown)
    assert "Usage" in _text(usage)
    assert len(bot.calls_to("sendPhoto")) == 1


async def test_rate_limited_chat_does_not_stall_others(bot_api: FakeBotAPI, start: Start) -> None:
    bot = bot_api
    await start(rate_limiter=ChatAwareRateLimiter())
    bot.inject("sendMessage", retry_after=2)
    bot.message(USER, "when was muse spark released")
    await bot.wait_for(lambda: bot.errors)
    bot.message(2002, "what did muse spark score on hle")
    (other,) = await bot.wait_for_messages(2002, 1)
    [late] = await bot.wait_for_messages(USER, 1)
    assert "April 8, 2026" in _text(late) and "50.2" in _text(other)
    order = [m["chat"]["id"] for m in bot.sent()]
    assert order.index(2002) < order.index(USER), "the other chat was answered first"
    assert len(bot.sent(USER)) == 1


async def test_parse_error_falls_back_to_plain_text(bot: FakeBotAPI) -> None:
    bot.inject("sendMessage", status=400, description="Bad Request: can't parse entities: test")
    bot.message(USER, "when was muse spark released")
    [reply] = await bot.wait_for_messages(USER, 1)
    assert "April 8, 2026" in _text(reply)
    assert "<b>" not in _text(reply)


async def test_bad_gateway_is_retried_and_answered_once(bot: FakeBotAPI) -> None:
    bot.inject("sendMessage", status=502)
    bot.message(USER, "when was muse spark released")
    [reply] = await bot.wait_for_messages(USER, 1)
    assert "April 8, 2026" in _text(reply)
    assert SORRY not in _text(reply)


async def test_blocked_user_is_quiet_and_others_still_served(bot: FakeBotAPI) -> None:
    bot.block_chat(USER)
    bot.message(USER, "when was muse spark released")
    bot.message(2003, "when was muse spark released")
    await bot.wait_for_messages(2003, 1)
    await bot.wait_for(lambda: any(e[1] == 403 for e in bot.errors))
    assert bot.sent(USER) == []


async def test_long_answers_are_split_below_the_limit(
    bot_api: FakeBotAPI, start: Start, tmp_path: Path
) -> None:
    await start(kb=load_knowledge(_knowledge_with_long_entry(tmp_path)))
    bot_api.message(USER, "tell me the very long story")
    await bot_api.wait_for(lambda: any("Source:" in _text(r) for r in bot_api.sent(USER)))
    replies = bot_api.sent(USER)
    texts = [_text(r) for r in replies]
    assert len(texts) >= 3
    assert all(utf16_len(t) <= 4096 for t in texts)
    joined = "\n".join(texts)
    assert "paragraph 0 " in joined and "paragraph 59 " in joined and "Source:" in texts[-1]


async def test_no_token_in_logs(bot_api: FakeBotAPI, kb: KnowledgeBase) -> None:
    stream = io.StringIO()
    handler = setup_logging("DEBUG", [TEST_TOKEN], stream=stream)
    try:
        app = await launch(bot_api, kb)
        bot_api.message(USER, "spark vs gpt 5.4")
        await bot_api.wait_for_messages(USER, 1)
        await stop_bot(app)
    finally:
        logging.getLogger().removeHandler(handler)
    logs = stream.getvalue()
    assert "getUpdates" in logs or "get_updates" in logs, "debug logging was captured"
    assert TEST_TOKEN not in logs
    assert TEST_TOKEN.split(":")[1] not in logs


def _knowledge_with_long_entry(tmp_path: Path) -> Path:
    src = load_knowledge().root
    for name in ("sources.yaml", "models.yaml", "benchmarks.yaml"):
        text = (src / name).read_text(encoding="utf-8")
        # the one entry here is the long story: no benchmark refers to the real result entries
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("entry:"))
        (tmp_path / name).write_text(text, encoding="utf-8")
    story = "\n\n".join(f"paragraph {i} " + "lorem ipsum dolor sit amet " * 6 for i in range(60))
    entry = {
        "id": "long-story",
        "topic": "test",
        "title": "The very long story",
        "answer": story,
        "questions": ["tell me the very long story"],
        "source": "seed-article",
        "as_of": "2026-04-08",
    }
    (tmp_path / "entries.yaml").write_text(yaml.safe_dump({"entries": [entry]}), encoding="utf-8")
    return tmp_path


async def test_help_lists_every_command_a_user_can_send(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    await start(llm=llm)
    bot_api.message(USER, "/help")
    [reply] = await bot_api.wait_for_messages(USER, 1)
    for command in ("/compare", "/ask", "/reset", "/usage", "/contemplate", "/mode"):
        assert command in _text(reply)
    assert "/stats" not in _text(reply), "operator commands are not advertised to everyone"


async def test_help_leaves_out_model_commands_when_there_is_no_model(bot: FakeBotAPI) -> None:
    bot.message(USER, "/help")
    [reply] = await bot.wait_for_messages(USER, 1)
    assert "/compare" in _text(reply) and "/sources" in _text(reply)
    assert "/ask" not in _text(reply) and "/contemplate" not in _text(reply)


async def test_user_typed_formatting_is_echoed_as_plain_text(bot: FakeBotAPI) -> None:
    """A name the bot does not know is repeated as typed: never a link, a mention or bold."""
    typed = ["[Free_prize](https://x.example)", "[you](tg://user?id=42)", "**bold**", "_italic_", "~~gone~~"]
    typed += ["<b>x</b>"]
    for name in typed:
        bot.message(USER, f"/compare {name} gpt-5.4")
    replies = await bot.wait_for_messages(USER, len(typed))
    for name, reply in zip(typed, replies, strict=True):
        assert f"Unknown model '{name}'" in _text(reply), _text(reply)
        kinds = {e["type"] for e in reply.get("entities", [])}
        assert not kinds & {"text_link", "text_mention", "bold", "italic", "strikethrough"}, (name, kinds)


async def test_a_run_of_short_follow_ups_stays_in_the_chats_language(bot: FakeBotAPI) -> None:
    """A Portuguese chat on a phone set to English: "e no arc agi 2?" four questions later is
    still Portuguese (the earlier questions are read in the language they were answered in)."""
    questions = [
        "quanto o muse spark tirou no HLE",
        "e o claude?",
        "e o gemini?",
        "e o gpt 5.4?",
        "e no arc agi 2?",
    ]
    for n, question in enumerate(questions, start=1):
        bot.message(USER, question)
        replies = await bot.wait_for_messages(USER, n)
    last = _text(replies[-1])
    assert "76,1" in last  # GPT-5.4 on ARC-AGI 2, with the Portuguese decimal comma
    assert " tem " in f" {last} " or " atrás " in f" {last} "


async def test_a_chat_pins_its_language_by_name_or_code(bot: FakeBotAPI) -> None:
    """/language takes a code or the language's name in any supported language."""
    for n, (argument, question, figure) in enumerate(
        [
            ("español", "hle score", "50,2"),
            ("pt-BR", "arc agi 2 score", "42,5"),
            ("auto", "what did it score on hle", "50.2"),
        ],
        start=1,
    ):
        bot.message(USER, f"/language {argument}")
        bot.message(USER, question)
        replies = await bot.wait_for_messages(USER, 2 * n)
        assert figure in _text(replies[-1]), (argument, _text(replies[-1]))


async def test_a_language_or_a_mode_the_bot_does_not_know_is_said_so(bot: FakeBotAPI) -> None:
    bot.message(USER, "/language en es")
    [note] = await bot.wait_for_messages(USER, 1)
    assert "/language es" in _text(note)
    bot.message(USER, "/mode xyz")
    _, mode = await bot.wait_for_messages(USER, 2)
    assert "xyz" in _text(mode) and "/mode fast" in _text(mode)
