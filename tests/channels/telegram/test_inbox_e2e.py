"""Handled at least once, answered exactly once, end to end.

The real `python -m bot run` killed with SIGKILL while it is writing an answer — after Telegram
has already been told the update arrived — answers the question once it is started again. A
question left unanswered long ago gets a short note instead. An update python-telegram-bot
cannot read is logged once and skipped, and everyone else is still answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.inbox import STALE_AFTER
from bot.state.store import Store
from bot.texts import INTERRUPTED
from tests.channels.telegram.conftest import TEST_TOKEN, Start
from tests.channels.telegram.test_faults import _env
from tests.channels.telegram.test_guard_e2e import answers, barrier, text_of
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Reply, render, up_to
from tests.fakes.telegram_api import FakeBotAPI

USER, OTHER = 1001, 1002
LLM_Q = "write me a haiku about llamas"


async def _bot_process(api: FakeBotAPI, llm: FakeLLMServer, tmp_path: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=_env(api, llm, tmp_path / "data"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _stop(process: asyncio.subprocess.Process, sig: int) -> str:
    if process.returncode is None:
        process.send_signal(sig)
    output, _ = await asyncio.wait_for(process.communicate(), 15)
    return output.decode(errors="replace")


async def test_a_bot_killed_mid_answer_answers_exactly_once_after_the_restart(
    bot_api: FakeBotAPI, llm: FakeLLMServer, tmp_path: Path
) -> None:
    llm.reply(Reply(chunks=up_to(render("openai", ["Llamas ", "hum"]), "Llamas "), hang=True))
    first = await _bot_process(bot_api, llm, tmp_path)
    try:
        asked = bot_api.message(USER, LLM_Q)
        await bot_api.wait_for(lambda: bot_api.drafts, timeout=30)  # the answer is being written
        uid = asked["update_id"]
        await bot_api.wait_for(lambda: (bot_api.confirmed_offset or 0) > uid, timeout=10)
        assert bot_api.pending_updates == [], "Telegram has forgotten the update"
    finally:
        killed = await _stop(first, signal.SIGKILL)
    assert first.returncode == -signal.SIGKILL
    assert bot_api.sent(USER) == [], "killed before the answer was sent"

    llm.stream(["Llamas ", "hum ", "softly."])
    bot_api.add_update(asked)  # and Telegram may send it again after all: still one answer
    second = await _bot_process(bot_api, llm, tmp_path)
    try:
        await bot_api.wait_for_messages(USER, 1, timeout=30)
        bot_api.message(USER, "what is hle")
        await bot_api.wait_for_messages(USER, 2, timeout=10)
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=10)
    finally:
        output = await _stop(second, signal.SIGTERM)
    assert second.returncode == 0, output
    texts = [text_of(m) for m in bot_api.sent(USER)]
    assert len(texts) == 2 and texts[0].startswith("Llamas hum softly.") and "50.2" in texts[1], texts
    assert len(llm.requests) == 2, "asked once per run: the repeat was not sent to the model again"
    assert "Finishing 1 update(s) left unanswered" in output
    for log in (killed, output):
        assert "Traceback" not in log and TEST_TOKEN not in log and TEST_KEY not in log


async def test_a_question_left_unanswered_long_ago_gets_a_note_instead(
    bot_api: FakeBotAPI, start: Start, tmp_path: Path
) -> None:
    path = tmp_path / "musebot.sqlite3"
    store = Store(path)
    old = bot_api.message(USER, "what is hle")
    recent = bot_api.message(OTHER, "what is hle")
    store.receive_updates([(old["update_id"], json.dumps(old))], at=time.time() - STALE_AFTER - 60)
    store.receive_updates([(recent["update_id"], json.dumps(recent))], at=time.time() - 10)
    for update in (old, recent):
        bot_api.add_update(update)  # unconfirmed: Telegram sends them again too
    await start(store=store, barrier=True)
    await barrier(bot_api, USER)
    await barrier(bot_api, OTHER)
    [note] = bot_api.sent(USER)[:1]
    assert answers(bot_api, USER) == [INTERRUPTED] and "reply_to_message" not in note
    assert ["50.2" in a for a in answers(bot_api, OTHER)] == [True]
    again = Store(path)
    for update in (old, recent):
        state = again.update_state(update["update_id"])
        assert state is not None and state[1] is not None, "both are done with"


def _unreadable(api: FakeBotAPI, chat_id: int) -> dict[str, Any]:
    """A message python-telegram-bot 22.8 cannot read: a poll as older Bot API versions sent
    it, without the fields the library now requires."""
    update = api.media(chat_id, "poll")
    for option in update["message"]["poll"]["options"]:
        del option["persistent_id"]
    return update


async def test_an_update_the_library_cannot_read_is_logged_once_and_skipped(
    bot_api: FakeBotAPI, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    bad = _unreadable(bot_api, USER)
    bot_api.message(USER, "what is hle")
    bot_api.message(OTHER, "when was muse spark released")
    with caplog.at_level(logging.INFO):
        await start()
        [mine] = await bot_api.wait_for_messages(USER, 1)
        [other] = await bot_api.wait_for_messages(OTHER, 1)
        await bot_api.wait_for(lambda: bot_api.is_polling and bot_api.pending_updates == [])
    assert "50.2" in text_of(mine) and "April 8, 2026" in text_of(other)
    skipped = [r for r in caplog.records if f"Skipped update {bad['update_id']}" in r.getMessage()]
    assert len(skipped) == 1 and "python-telegram-bot cannot read it" in skipped[0].getMessage()
    assert len(bot_api.calls_to("getUpdates")) <= 4, "no loop fetching the same batch again"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
