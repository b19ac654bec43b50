"""Contemplating mode end to end: the real Application, the fake Bot API, fake LLM servers.

The engine's backend is a fallback over three fake servers, so the three agents go one to
each server (round-robin) and the synthesis to the first: every request is deterministic.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from telegram.ext import Application

from bot.channels.telegram.live import StreamPolicy
from bot.contemplation import DISABLED_NOTE, ContemplateConfig
from bot.llm import LLMBackend, combine
from bot.texts import CANCELLED, DRAFTS_SHOWN, NOT_YOURS, NOTHING_TO_CANCEL, STOPPED
from bot.texts import CONTEMPLATE_BUSY as BUSY_NOTE
from tests.channels.telegram.conftest import Start
from tests.fakes.llm_servers import Reply
from tests.fakes.telegram_api import Call, FakeBotAPI
from tests.test_contemplation import WatchedServer, backend_for

USER = 1001
GROUP = -2001
PRIVATE_INTERVAL = 0.2
GROUP_INTERVAL = 0.4
JITTER = 0.05  # server-side timestamps of requests the client spaced exactly

App = Application[Any, Any, Any, Any, Any, Any]
StartApp = Callable[..., Awaitable[Any]]


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or "")


@pytest.fixture
async def llm() -> AsyncIterator[tuple[list[WatchedServer], LLMBackend]]:
    servers = [await WatchedServer(p).start() for p in ("openai", "anthropic", "ollama")]
    backends = [backend_for(s, f"agent{i + 1}") for i, s in enumerate(servers)]
    try:
        yield servers, combine(backends)
    finally:
        for backend in backends:
            await backend.aclose()
        for server in servers:
            await server.close()


@pytest.fixture
async def start_app(start: Start) -> StartApp:
    """`await start_app(llm, config=...)`: the bot polling the fake API; stopped afterwards."""

    async def start_one(backend: LLMBackend | None, config: ContemplateConfig | None = None) -> App:
        policy = StreamPolicy(
            draft_interval=0.0,
            edit_interval=0.0,
            private_status_interval=PRIVATE_INTERVAL,
            group_status_interval=GROUP_INTERVAL,
        )
        return await start(
            llm=backend, policy=policy, contemplate=config or ContemplateConfig(agent_timeout=5.0)
        )

    return start_one


async def _stop(app: App) -> None:
    """What `run_polling` does on SIGTERM, up to `post_stop`."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()


def _edits(api: FakeBotAPI, chat_id: int, message_id: int) -> list[Call]:
    return [
        c
        for c in api.calls_to("editMessageText")
        if c.params.get("chat_id") == chat_id and c.params.get("message_id") == message_id
    ]


def _assert_sparse(edits: list[Call], interval: float) -> None:
    for before, after in itertools.pairwise(edits):
        assert after.timestamp - before.timestamp >= interval - JITTER
        assert after.params["text"] != before.params["text"] or "reply_markup" in after.params


async def test_private_contemplation_shows_progress_answer_footer_and_drafts(
    bot_api: FakeBotAPI, start_app: StartApp, llm: tuple[list[WatchedServer], LLMBackend]
) -> None:
    (s1, s2, s3), backend = llm
    s1.answer("Grounded: 42.8 on HealthBench Hard.")
    s2.answer("Skeptic: one benchmark is thin evidence.", delay=0.3)
    s3.answer("Expert: promising for triage tools.", delay=0.6)
    s1.answer("Final: 42.8 on HealthBench Hard, though one benchmark proves little.")
    app = await start_app(backend)

    bot_api.message(USER, "/contemplate is muse spark good at health questions?")
    status, answer = await bot_api.wait_for_messages(USER, 2)

    def summary_card() -> dict[str, Any] | None:
        found = bot_api.get_message(USER, status["message_id"])
        return found if found is not None and "reply_markup" in found else None

    card = await bot_api.wait_for(summary_card)

    assert "Final: 42.8 on HealthBench Hard" in _text(answer)
    assert "Contemplated by 3 of 3 agents: Grounded (agent1) · Skeptic (agent2) · Expert (agent3)" in _text(
        answer
    )
    assert "Source:" in _text(answer)
    assert "Contemplated by 3 of 3 agents" in _text(card)
    assert "✓ Grounded · ✓ Skeptic · ✓ Expert" in _text(card)
    assert "3 agents thinking…" in _text(status) or "of 3 done" in _text(status)
    edits = _edits(bot_api, USER, status["message_id"])
    assert any("of 3 done" in c.params["text"] for c in edits), "progress was shown"
    _assert_sparse(edits, PRIVATE_INTERVAL)
    synthesis = s1.body(1)
    for text in ("Grounded: 42.8", "Skeptic: one benchmark", "Expert: promising"):
        assert text in synthesis

    [button] = card["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "Show drafts"
    bot_api.callback_query(USER, USER, card["message_id"], button["callback_data"])
    *_, drafts = await bot_api.wait_for_messages(USER, 3)
    for text in ("Grounded: 42.8", "Skeptic: one benchmark", "Expert: promising", "agent3"):
        assert text in _text(drafts)
    bot_api.callback_query(USER, USER, card["message_id"], button["callback_data"])
    await bot_api.wait_for(lambda: DRAFTS_SHOWN in [a["text"] for a in bot_api.callback_answers.values()])
    assert len(bot_api.sent(USER)) == 3
    charged = app.services.conversation.quotas.report(USER).lines
    assert {line.used for line in charged} == {4}, "N agents + 1 synthesis counted toward the limits"


async def test_group_progress_is_sparser_and_replies_to_the_asker(
    bot_api: FakeBotAPI, start_app: StartApp, llm: tuple[list[WatchedServer], LLMBackend]
) -> None:
    (s1, s2, s3), backend = llm
    s1.answer("Grounded draft.")
    s2.error(401, "bad key")
    s3.answer("Expert draft.", delay=0.5)
    s1.answer("The group answer.")
    await start_app(backend)

    asked = bot_api.message(
        GROUP, "/contemplate@muse_test_bot what does muse spark mean for devs?", user_id=7
    )
    status, answer = await bot_api.wait_for_messages(GROUP, 2)
    await bot_api.wait_for(lambda: "reply_markup" in (bot_api.get_message(GROUP, status["message_id"]) or {}))
    asked_id = asked["message"]["message_id"]
    assert status["reply_to_message"]["message_id"] == asked_id
    assert answer["reply_to_message"]["message_id"] == asked_id
    assert "Skeptic: model not set up correctly" in _text(answer)
    _assert_sparse(_edits(bot_api, GROUP, status["message_id"]), GROUP_INTERVAL)
    assert bot_api.drafts == [], "no draft previews in groups"


async def test_cancel_stops_the_agents_and_says_so(
    bot_api: FakeBotAPI, start_app: StartApp, llm: tuple[list[WatchedServer], LLMBackend]
) -> None:
    servers, backend = llm
    for server in servers:
        server.reply(Reply(stall=True))
    await start_app(backend)

    bot_api.message(USER, "/contemplate will muse spark be open weights?")
    for server in servers:
        await server.wait_until(lambda s=server: len(s.requests) == 1)  # type: ignore[misc]
    await bot_api.wait_for_messages(USER, 1)
    bot_api.message(USER, "/contemplate another one")
    busy = await bot_api.wait_for_messages(USER, 2)
    assert BUSY_NOTE.split(".")[0] in _text(busy[1])

    bot_api.message(USER, "/cancel")
    status = busy[0]
    await bot_api.wait_for(lambda: _text(bot_api.get_message(USER, status["message_id"]) or {}) == CANCELLED)
    for server in servers:
        await server.wait_until(lambda s=server: s.disconnects == 1)  # type: ignore[misc]
    bot_api.message(USER, "/cancel")
    *_, nothing = await bot_api.wait_for_messages(USER, 3)
    assert _text(nothing) == NOTHING_TO_CANCEL


async def test_only_the_asker_cancels_in_a_group(
    bot_api: FakeBotAPI, start_app: StartApp, llm: tuple[list[WatchedServer], LLMBackend]
) -> None:
    servers, backend = llm
    for server in servers:
        server.reply(Reply(stall=True))
    await start_app(backend)
    bot_api.message(GROUP, "/contemplate is it good?", user_id=7)
    await servers[0].wait_until(lambda: len(servers[0].requests) == 1)
    bot_api.message(GROUP, "/cancel", user_id=8)
    _, refusal = await bot_api.wait_for_messages(GROUP, 2)
    assert _text(refusal) == NOT_YOURS
    bot_api.message(GROUP, "/cancel", user_id=7)
    await bot_api.wait_for(lambda: _text(bot_api.sent(GROUP)[0]) == CANCELLED)


async def test_stopping_the_bot_cancels_cleanly(
    bot_api: FakeBotAPI,
    start_app: StartApp,
    llm: tuple[list[WatchedServer], LLMBackend],
    caplog: pytest.LogCaptureFixture,
) -> None:
    servers, backend = llm
    for server in servers:
        server.reply(Reply(stall=True))
    app = await start_app(backend)
    bot_api.message(USER, "/contemplate what is next for meta?")
    for server in servers:
        await server.wait_until(lambda s=server: len(s.requests) == 1)  # type: ignore[misc]
    [status] = await bot_api.wait_for_messages(USER, 1)

    await _stop(app)

    assert _text(bot_api.get_message(USER, status["message_id"]) or {}) == STOPPED
    for server in servers:
        await server.wait_until(lambda s=server: s.disconnects == 1)  # type: ignore[misc]
    assert "Task was destroyed" not in caplog.text


async def test_unavailable_contemplation_is_explained(bot_api: FakeBotAPI, start_app: StartApp) -> None:
    await start_app(None)
    bot_api.message(USER, "/mode contemplate")
    bot_api.message(USER, "/contemplate hello?")
    bot_api.message(USER, "/mode")
    no_model, again, mode = await bot_api.wait_for_messages(USER, 3)
    assert "needs a language model" in _text(no_model) and "LLM_PROVIDER" not in _text(no_model)
    assert _text(again) == _text(no_model)
    assert "This chat is in fast mode." in _text(mode)


async def test_switched_off_contemplation_is_explained(
    bot_api: FakeBotAPI, start_app: StartApp, llm: tuple[list[WatchedServer], LLMBackend]
) -> None:
    servers, backend = llm
    await start_app(backend, ContemplateConfig(enabled=False))
    bot_api.message(USER, "/contemplate is it good?")
    [reply] = await bot_api.wait_for_messages(USER, 1)
    assert _text(reply).startswith(DISABLED_NOTE.split(" (")[0])
    assert all(s.requests == [] for s in servers)


async def test_contemplate_mode_routes_plain_questions(
    bot_api: FakeBotAPI, start_app: StartApp, llm: tuple[list[WatchedServer], LLMBackend]
) -> None:
    (s1, s2, s3), backend = llm
    for server, text in ((s1, "g"), (s2, "s"), (s3, "e")):
        server.answer(text)
    s1.answer("A contemplated answer.")
    await start_app(backend, ContemplateConfig(agents=3))
    bot_api.message(USER, "/mode contemplate")
    [switched] = await bot_api.wait_for_messages(USER, 1)
    assert "3 agents" in _text(switched) and "4 model calls" in _text(switched)
    bot_api.message(USER, "thanks")
    await bot_api.wait_for_messages(USER, 2)
    bot_api.message(USER, "what did muse spark score on hle")
    _, _, figure = await bot_api.wait_for_messages(USER, 3)
    assert "50.2" in _text(figure), "knowledge answers stay exact and instant in contemplate mode"
    assert all(s.requests == [] for s in (s1, s2, s3))
    bot_api.message(USER, "should i learn rust or go first?")
    await bot_api.wait_for(lambda: any("A contemplated answer." in _text(m) for m in bot_api.sent(USER)))
    assert len(s1.requests) == 2
