"""Groups as people use them, end to end: "@bot" under someone else's message, follow-ups by
replying to the bot, anonymous admins, a linked channel's posts, and an expired button tap.

"Nothing was sent" is checked with a barrier: a chat's updates are handled in order, so once a
later message is answered, the earlier ones are done.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.channels.telegram.handlers import SORRY
from bot.texts import OVER_LIMIT
from tests.channels.telegram.conftest import Start
from tests.channels.telegram.test_guard_e2e import answers, barrier, text_of
from tests.fakes.llm_servers import FakeLLMServer
from tests.fakes.telegram_api import QUERY_TOO_OLD, FakeBotAPI

GROUP, OTHER_GROUP = -1001000002001, -1001000002002
CHANNEL = -1001000003001
ALICE, BOB = 1001, 1002
MENTION = "@muse_test_bot"
LLM_Q = "write me a haiku about llamas"


# -- "@bot" as a reply to someone else's message --------------------------------------------------


@pytest.mark.parametrize("words", ["is this right?", "", "answer this"])
async def test_a_mention_under_someone_elses_claim_checks_that_claim(
    bot_api: FakeBotAPI, start: Start, words: str
) -> None:
    await start()
    claim = bot_api.message(GROUP, "spark got 76.5 on arc agi", user_id=ALICE)["message"]
    asked = bot_api.message(GROUP, f"{MENTION} {words}".strip(), user_id=BOB, reply_to=claim)["message"]
    [reply] = await bot_api.wait_for_messages(GROUP, 1)
    assert text_of(reply).startswith("No —") and "42.5" in text_of(reply), text_of(reply)
    assert reply["reply_to_message"]["message_id"] == asked["message_id"], "the asker gets the answer"


@pytest.mark.parametrize(("words", "opening"), [("¿es cierto esto?", "No —"), ("isso tá certo?", "Não —")])
async def test_a_mention_under_a_claim_in_another_language_answers_in_the_askers(
    bot_api: FakeBotAPI, start: Start, words: str, opening: str
) -> None:
    """The claim is Hindi; the asker writes Spanish or Portuguese: the answer is theirs."""
    await start()
    claim = bot_api.message(GROUP, "muse spark ने arc agi 2 पर 76.5 स्कोर किया", user_id=ALICE)["message"]
    bot_api.message(GROUP, f"{MENTION} {words}", user_id=BOB, reply_to=claim)
    [reply] = await bot_api.wait_for_messages(GROUP, 1)
    assert text_of(reply).startswith(opening) and "42,5" in text_of(reply), text_of(reply)


async def test_the_extra_words_steer_the_replied_question(bot_api: FakeBotAPI, start: Start) -> None:
    await start()
    question = bot_api.message(GROUP, "when was muse spark released", user_id=ALICE)["message"]
    bot_api.message(GROUP, f"{MENTION} and gpt 5.4?", user_id=BOB, reply_to=question)
    [reply] = await bot_api.wait_for_messages(GROUP, 1)
    # Both are answered: the replied question, and what the source says of GPT-5.4 (it gives
    # no release date for it, so none is made up).
    assert "April 8, 2026" in text_of(reply) and "GPT-5.4 (OpenAI)" in text_of(reply), text_of(reply)


async def test_a_quote_is_what_is_asked_about(bot_api: FakeBotAPI, start: Start) -> None:
    await start()
    long = bot_api.message(GROUP, "lunch at noon? also spark got 76.5 on arc agi", user_id=ALICE)["message"]
    bot_api.message(GROUP, f"{MENTION} true?", user_id=BOB, reply_to=long, quote="spark got 76.5 on arc agi")
    [reply] = await bot_api.wait_for_messages(GROUP, 1)
    assert text_of(reply).startswith("No —") and "42.5" in text_of(reply)


async def test_a_reply_to_the_bots_answer_is_a_follow_up_with_the_chats_history(
    bot_api: FakeBotAPI, start: Start
) -> None:
    await start()
    bot_api.message(GROUP, f"{MENTION} what did gpt 5.4 score on hle", user_id=ALICE)
    [first] = await bot_api.wait_for_messages(GROUP, 1)
    assert "GPT-5.4" in text_of(first)
    bot_api.message(GROUP, "and on terminal bench?", user_id=BOB, reply_to=first)
    _, follow_up = await bot_api.wait_for_messages(GROUP, 2)
    assert text_of(follow_up).startswith("GPT-5.4 scores 75.1"), "the model asked about before"


@pytest.mark.parametrize("words", ["jajaja", "kkkkkkk", "valeu", "mantap", "thanks!"])
async def test_thanks_or_laughter_under_an_answer_gets_a_reaction_not_a_message(
    bot_api: FakeBotAPI, start: Start, words: str
) -> None:
    """A busy group is not sent "you're welcome": the thanks gets a 👍."""
    await start(barrier=True)
    bot_api.message(GROUP, f"{MENTION} what did muse spark score on hle", user_id=ALICE)
    [first] = await bot_api.wait_for_messages(GROUP, 1)
    thanks = bot_api.message(GROUP, words, user_id=BOB, reply_to=first)["message"]
    await barrier(bot_api, GROUP)
    assert len(answers(bot_api, GROUP)) == 1, answers(bot_api, GROUP)
    assert bot_api.reactions[(GROUP, thanks["message_id"])] == [{"type": "emoji", "emoji": "👍"}]


# -- who asks ------------------------------------------------------------------------------------


async def test_anonymous_admins_of_two_groups_do_not_share_an_allowance(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    await start(barrier=True, llm=llm, llm_per_user_per_minute=1, clock=1_800_000_000.0)
    llm.stream(["First ", "haiku."])
    llm.stream(["Other ", "group's ", "haiku."])
    bot_api.message(GROUP, f"{MENTION} {LLM_Q}", anonymous_admin=True)
    await bot_api.wait_for_messages(GROUP, 1)
    bot_api.message(GROUP, f"{MENTION} {LLM_Q} again", anonymous_admin=True)
    _, refused = await bot_api.wait_for_messages(GROUP, 2)
    bot_api.message(OTHER_GROUP, f"{MENTION} {LLM_Q}", anonymous_admin=True)
    [other] = await bot_api.wait_for_messages(OTHER_GROUP, 1)
    assert OVER_LIMIT.split(":")[0] in text_of(refused)
    assert "Other group's haiku." in text_of(other), "another group's admins have their own allowance"
    assert len(llm.requests) == 2


async def test_a_linked_channels_posts_are_not_questions(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    await start(barrier=True, llm=llm)
    post = bot_api.automatic_forward(GROUP, CHANNEL, f"Muse Spark got 76.5 on ARC-AGI 2! Ask {MENTION}")
    await barrier(bot_api, GROUP)
    assert answers(bot_api, GROUP) == [] and llm.requests == []
    bot_api.message(GROUP, f"{MENTION} is this right?", user_id=BOB, reply_to=post["message"])
    await bot_api.wait_for(lambda: len(answers(bot_api, GROUP)) == 1)
    [reply] = answers(bot_api, GROUP)
    assert reply.startswith("No —") and "42.5" in reply, "a person's question about the post is answered"


# -- buttons -------------------------------------------------------------------------------------


async def test_an_expired_example_tap_still_answers_the_example(
    bot_api: FakeBotAPI, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    await start()
    bot_api.message(ALICE, "/start")
    [welcome] = await bot_api.wait_for_messages(ALICE, 1)
    button = welcome["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    with caplog.at_level(logging.INFO):
        bot_api.callback_query(ALICE, ALICE, welcome["message_id"], button, expired=True)
        _, answer = await bot_api.wait_for_messages(ALICE, 2)
    assert "42.8" in text_of(answer) and SORRY not in text_of(answer)
    assert ("answerCallbackQuery", 400, QUERY_TOO_OLD) in bot_api.errors, "the tap was too late"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(
    "fault",
    [{"status": 502}, {"drop_connection": True}, {"retry_after": 1}],
    ids=["502", "dropped", "429"],
)
async def test_a_tap_whose_spinner_cannot_be_stopped_still_answers_the_example(
    bot_api: FakeBotAPI, start: Start, fault: dict[str, Any]
) -> None:
    """Answering the tap only stops the button's spinner: Telegram failing it costs nothing else."""
    await start(barrier=True)
    bot_api.message(ALICE, "/start")
    [welcome] = await bot_api.wait_for_messages(ALICE, 1)
    button = welcome["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    bot_api.inject("answerCallbackQuery", **fault)
    bot_api.callback_query(ALICE, ALICE, welcome["message_id"], button)
    await barrier(bot_api, ALICE)
    _, answer = answers(bot_api, ALICE)
    assert "42.8" in answer and SORRY not in answer
    assert any(e[0] == "answerCallbackQuery" for e in bot_api.errors), "the fault happened"
