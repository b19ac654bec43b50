"""Faults on both sides, end to end: each question is answered exactly once, and the bot goes on.

Telegram's side (fake Bot API): 429, 502 and dropped connections while sending and while
polling. The LLM's side (fake OpenAI-compatible server): 500s, 429 with Retry-After, a hang
(idle timeout), a stream cut short, malformed SSE. Every case ends with a later question in
the same chat; a chat's updates are handled in order, so once that one is answered the faulty
one is finished, and the chat's messages can be counted without waiting for time to pass.

And a restart: `python -m bot run` stopped by SIGTERM mid-conversation and started again on
the same data folder keeps the conversation and answers nothing twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.handlers import SORRY
from bot.channels.telegram.ratelimit import ChatAwareRateLimiter
from bot.knowledge import KnowledgeBase
from bot.texts import CUT_OFF as CUT_NOTE
from bot.texts import MODEL_TIMEOUT as TIMEOUT_NOTE
from bot.texts import MODEL_UNAVAILABLE as UNAVAILABLE_NOTE
from tests.channels.telegram.conftest import TEST_TOKEN, Start
from tests.channels.telegram.test_guard_e2e import text_of
from tests.fakes.llm_servers import (
    TEST_KEY,
    FakeLLMServer,
    Reply,
    SleepRecorder,
    openai_chunk,
    render,
    sse,
    up_to,
)
from tests.fakes.telegram_api import FakeBotAPI

USER, GROUP = 1001, -2001
KNOWLEDGE_Q, KNOWLEDGE_A = "when was muse spark released", "April 8, 2026"
LATER_Q, LATER_A = "what did muse spark score on hle", "50.2"
LLM_Q = "write me a haiku about llamas"

TELEGRAM_FAULTS = {
    "429": {"retry_after": 1},
    "502": {"status": 502},
    "dropped": {"drop_connection": True},
}

_PAST_READ_TIMEOUT = 6.0  # seconds: python-telegram-bot's default read timeout is 5


def _ask(api: FakeBotAPI, chat_id: int, text: str) -> None:
    api.message(chat_id, f"@muse_test_bot {text}" if chat_id < 0 else text, user_id=USER)


async def _then_later_question(api: FakeBotAPI, chat_id: int, answered: int) -> list[str]:
    """Ask one more (knowledge) question; return all the chat's messages once it is answered."""
    _ask(api, chat_id, LATER_Q)
    replies = await api.wait_for_messages(chat_id, answered + 1)
    return [text_of(m) for m in replies]


def _exactly_once(texts: list[str], expected: str) -> None:
    assert len(texts) == 2, texts
    assert expected in texts[0], texts
    assert LATER_A in texts[1], texts
    assert all(SORRY not in t and "Traceback" not in t for t in texts)


# -- Telegram ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", TELEGRAM_FAULTS.values(), ids=TELEGRAM_FAULTS.keys())
@pytest.mark.parametrize("chat_id", [USER, GROUP], ids=["private", "group"])
async def test_send_faults(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start, chat_id: int, fault: dict[str, Any]
) -> None:
    (await start(barrier=True, rate_limiter=ChatAwareRateLimiter()))
    bot_api.inject("sendMessage", **fault)
    _ask(bot_api, chat_id, KNOWLEDGE_Q)
    await bot_api.wait_for_messages(chat_id, 1)
    assert any(e[0] == "sendMessage" for e in bot_api.errors), "the fault happened"
    _exactly_once(await _then_later_question(bot_api, chat_id, 1), KNOWLEDGE_A)


async def test_an_answer_telegram_confirms_too_late_is_not_apologised_for(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start
) -> None:
    """Telegram delivers the answer but replies after python-telegram-bot's read timeout (5 s):
    the answer is there, so no "Sorry" under it, and it is not sent twice."""
    (await start(barrier=True, rate_limiter=ChatAwareRateLimiter()))
    bot_api.inject("sendMessage", delay=_PAST_READ_TIMEOUT)
    _ask(bot_api, GROUP, KNOWLEDGE_Q)
    await bot_api.wait_for_messages(GROUP, 1, timeout=_PAST_READ_TIMEOUT + 10)
    _exactly_once(await _then_later_question(bot_api, GROUP, 1), KNOWLEDGE_A)


@pytest.mark.parametrize("fault", TELEGRAM_FAULTS.values(), ids=TELEGRAM_FAULTS.keys())
async def test_poll_faults(
    bot_api: FakeBotAPI, kb: KnowledgeBase, start: Start, fault: dict[str, Any]
) -> None:
    # The first poll, the one that would bring the question, fails.
    bot_api.inject("getUpdates", **fault)
    _ask(bot_api, USER, KNOWLEDGE_Q)
    (await start(barrier=True, rate_limiter=ChatAwareRateLimiter()))
    await bot_api.wait_for_messages(USER, 1)
    # Then the poll that confirms a batch fails, mid-run.
    bot_api.inject("getUpdates", **fault)
    _ask(bot_api, USER, "/sources")
    await bot_api.wait_for_messages(USER, 2)
    texts = await _then_later_question(bot_api, USER, 2)
    assert len([e for e in bot_api.errors if e[0] == "getUpdates"]) == 2, "both faults happened"
    assert len(texts) == 3, texts
    assert KNOWLEDGE_A in texts[0] and "as of" in texts[1] and LATER_A in texts[2]


@pytest.mark.parametrize("fault", TELEGRAM_FAULTS.values(), ids=TELEGRAM_FAULTS.keys())
async def test_draft_faults_while_an_llm_answer_streams(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start, fault: dict[str, Any]
) -> None:
    """A preview is a nicety: Telegram failing one must not cost the answer."""
    (await start(barrier=True, rate_limiter=ChatAwareRateLimiter(), llm=llm))
    bot_api.inject("sendMessageDraft", **fault)
    llm.stream(["Llamas ", "hum ", "softly."])
    _ask(bot_api, USER, LLM_Q)
    await bot_api.wait_for_messages(USER, 1)
    _exactly_once(await _then_later_question(bot_api, USER, 1), "Llamas hum softly.")


# -- the LLM -------------------------------------------------------------------------------------


def _malformed_sse() -> list[bytes]:
    return [
        sse(openai_chunk({"role": "assistant", "content": ""})),
        sse(openai_chunk({"content": "Hel"})),
        b"data: {not json at all\n\n",
        b"event: surprise\ndata: [1, 2\n\n",
        b": keep-alive comment\n\n",
        b"a line with no field name\n\n",
        b'data: {"choices": "not a list"}\n\n',
        b"data: \xff\xfe not utf-8\n\n",
        sse(openai_chunk({"content": "lo"})),
        b"data: [DONE]\n\n",
    ]


def _script(llm: FakeLLMServer, case: str) -> str:
    """Queue the faulty replies for `case`; return what the user should see."""
    partial = up_to(render("openai", ["Partial ", "answer"]), "Partial ")
    if case == "500-then-ok":
        llm.error(500, "boom", kind="server_error")
        return "Hello!"
    if case == "500-always":
        for _ in range(3):  # the first try and both retries
            llm.error(500, "boom", kind="server_error")
        return UNAVAILABLE_NOTE
    if case == "429-retry-after":
        llm.error(429, "slow down", headers={"Retry-After": "7"}, kind="rate_limit_error")
        return "Hello!"
    if case == "hang-before-text":  # an idle timeout is not retried: the model may be stuck
        llm.reply(Reply(hang=True))
        return TIMEOUT_NOTE  # not "busy": the model took too long
    if case == "hang-mid-answer":
        llm.reply(Reply(chunks=partial, hang=True))
        return "Partial"
    if case == "cut-stream":
        llm.reply(Reply(chunks=partial, cut=True))
        return "Partial"
    if case == "malformed-sse":
        llm.reply(Reply(chunks=_malformed_sse()))
        return "Hello"
    if case == "garbage-only":
        for _ in range(3):
            llm.reply(Reply(chunks=[b"<<< not an event stream >>>\n\n"]))
        return UNAVAILABLE_NOTE
    raise AssertionError(case)


LLM_CASES = [
    "500-then-ok",
    "500-always",
    "429-retry-after",
    "hang-before-text",
    "hang-mid-answer",
    "cut-stream",
    "malformed-sse",
    "garbage-only",
]


@pytest.mark.parametrize("case", LLM_CASES)
@pytest.mark.parametrize("chat_id", [USER, GROUP], ids=["private", "group"])
async def test_llm_faults(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start, chat_id: int, case: str
) -> None:
    sleeps = SleepRecorder()
    (await start(barrier=True, rate_limiter=ChatAwareRateLimiter(), llm=llm, sleep=sleeps))
    expected = _script(llm, case)
    _ask(bot_api, chat_id, LLM_Q)
    await bot_api.wait_for_messages(chat_id, 1)
    texts = await _then_later_question(bot_api, chat_id, 1)
    _exactly_once(texts, expected)
    if case in ("hang-mid-answer", "cut-stream"):
        assert CUT_NOTE.strip("\n_") in texts[0].replace("\n", "")
    if case == "429-retry-after":
        assert sleeps.calls == [7.0], "Retry-After was honoured"


async def test_the_bot_keeps_going_after_every_kind_of_llm_fault_in_a_row(
    bot_api: FakeBotAPI, kb: KnowledgeBase, llm: FakeLLMServer, start: Start
) -> None:
    (
        await start(
            barrier=True,
            rate_limiter=ChatAwareRateLimiter(),
            llm=llm,
            sleep=SleepRecorder(),
            llm_per_user_per_minute=0,
        )
    )
    expected = []
    for case in LLM_CASES:
        expected.append(_script(llm, case))
        _ask(bot_api, USER, f"{LLM_Q} ({case})")
        await bot_api.wait_for_messages(USER, len(expected))
    texts = await _then_later_question(bot_api, USER, len(expected))
    assert len(texts) == len(LLM_CASES) + 1
    for want, got in zip(expected, texts, strict=False):
        assert want in got


# -- restart -------------------------------------------------------------------------------------


def _env(api: FakeBotAPI, llm: FakeLLMServer, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LLM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        LLM_PROVIDER="openai",
        LLM_BASE_URL=llm.base_url,
        LLM_MODEL="test-model",
        LLM_API_KEY=TEST_KEY,
        DATA_DIR=str(data_dir),
        HEALTH_PORT="0",
        LOG_LEVEL="DEBUG",
    )
    return env


async def _run_until_answered(
    api: FakeBotAPI, llm: FakeLLMServer, tmp_path: Path, answered: int
) -> tuple[int | None, str]:
    """`python -m bot run` until the chat has `answered` messages, then SIGTERM, as
    `docker stop` does; returns the exit code and the process's output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=_env(api, llm, tmp_path / "data"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await api.wait_for_messages(USER, answered, timeout=30)
        await api.wait_for(lambda: api.is_polling, timeout=10)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode, output.decode(errors="replace")


async def test_restart_mid_conversation_keeps_history_and_answers_nothing_twice(
    bot_api: FakeBotAPI, llm: FakeLLMServer, tmp_path: Path
) -> None:
    llm.stream(["Llamas are ", "woolly."])
    first = bot_api.message(USER, "write me a short poem about llamas")
    code, output = await _run_until_answered(bot_api, llm, tmp_path, 1)
    assert code == 0, output

    # While the bot is down: Telegram sends the first update again (as after a crash before
    # its offset was confirmed), and the conversation goes on.
    bot_api.add_update(first)
    bot_api.message(USER, "now write one about alpacas")
    llm.stream(["Mostly, yes."])
    code, output = await _run_until_answered(bot_api, llm, tmp_path, 2)
    assert code == 0, output

    texts = [text_of(m) for m in bot_api.sent(USER)]
    assert len(texts) == 2, texts
    assert texts[0].startswith("Llamas are woolly.") and texts[1].startswith("Mostly, yes.")
    assert len(llm.requests) == 2, "the repeated update did not reach the LLM again"
    sent = [(m["role"], m["content"]) for m in llm.requests[1].json["messages"]]
    assert ("assistant", "Llamas are woolly.") in sent, "history survived the restart"
    assert any(role == "user" and "poem about llamas" in text for role, text in sent)
    assert "Traceback" not in output and TEST_TOKEN not in output and TEST_KEY not in output
