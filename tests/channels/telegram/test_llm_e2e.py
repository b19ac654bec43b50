"""End to end with a language model: the real Application, the fake Bot API and a fake LLM
provider, all over real HTTP on 127.0.0.1.

What a person in Telegram sees: a streamed answer (drafts, then one final message), throttled
as `StreamPolicy` says; groups get one threaded reply; knowledge questions never reach the
model; faults end in a sentence, not silence; history stays in its own chat.
"""

from __future__ import annotations

import base64
import io
import itertools
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.ops.logs import setup_logging
from bot.ops.settings import BackendSettings
from bot.state.store import Store
from bot.texts import CUT_OFF as CUT_NOTE
from bot.texts import CUT_OFF_LENGTH
from bot.texts import MODEL_MISCONFIGURED as MISCONFIGURED_NOTE
from bot.texts import MODEL_TIMEOUT as TIMEOUT_NOTE
from bot.texts import MODEL_UNAVAILABLE as UNAVAILABLE_NOTE
from bot.texts import NO_IMAGES as NO_IMAGES_NOTE
from tests.channels.telegram.conftest import TEST_TOKEN, Start
from tests.channels.telegram.harness import FAST_POLICY, stop_bot
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Reply, render, render_cut_off, up_to
from tests.fakes.telegram_api import FakeBotAPI, StoredFile

USER = 1001
OTHER_USER = 1002
GROUP = -2001
POLICY = FAST_POLICY
HAIKU = ["Grey ", "waves ", "fold ", "on ", "grey ", "sand, ", "the ", "tide ", "keeps ", "its ", "time."]
OFF_TOPIC = "write a haiku about the sea"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


def _settings(api: FakeBotAPI, llm: FakeLLMServer | None, **extra: Any) -> dict[str, Any]:
    """Settings (as `launch` keywords) for a bot whose LLM is configured the way an operator
    does it: `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_API_KEY`, `LLM_MODEL`."""
    llm_vars: dict[str, Any] = {}
    if llm is not None:
        llm_vars = {
            "llm_provider": llm.provider,
            "llm_base_url": llm.base_url,
            "llm_api_key": TEST_KEY,
            "llm_model": "gpt-4o-mini" if llm.provider == "openai" else "test-model",
        }
    return {
        "llm_connect_timeout": 2.0,
        "llm_read_timeout": 3.0,
        "llm_total_timeout": 8.0,
        "llm_max_retries": 0,
        **llm_vars,
        **extra,
    }


_stop = stop_bot


@pytest.fixture
async def run(start: Start) -> Start:
    """`await run(settings, store=None)` starts the bot; every started bot is stopped after."""

    async def run_one(settings: dict[str, Any], store: Store | None = None) -> Any:
        return await start(store=store, policy=POLICY, **settings)

    return run_one


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def _final(api: FakeBotAPI, chat_id: int, n: int = 1) -> list[dict[str, Any]]:
    """The chat's messages once `n` of them carry a source line or a note (answers are done)."""

    def done() -> list[dict[str, Any]] | None:
        sent = api.sent(chat_id)
        finished = [m for m in sent if "Source:" in _text(m) or "outside what I know" in _text(m)]
        return sent if len(finished) >= n else None

    return await api.wait_for(done, timeout=10)


def _user_texts(request_json: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in request_json["messages"])


# --- streaming ----------------------------------------------------------------------------


async def test_private_answer_streams_drafts_then_one_final_message(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(HAIKU, pause=0.06)
    await run(_settings(bot_api, llm))

    bot_api.message(USER, OFF_TOPIC)
    [final] = await _final(bot_api, USER)

    text = _text(final)
    assert "".join(HAIKU).strip() in text
    assert "Source:" in text and "as of Apr 8, 2026" in text
    assert len(bot_api.calls_to("sendMessage")) == 1
    assert not bot_api.calls_to("editMessageText")
    drafts = bot_api.calls_to("sendMessageDraft")
    assert drafts, "the answer was previewed while it was written"
    assert all(d.params["chat_id"] == USER for d in drafts)
    assert len({d.params["draft_id"] for d in drafts}) == 1, "one draft, updated"
    texts = [d.params["text"] for d in drafts]
    assert all(a != b for a, b in itertools.pairwise(texts)), "a draft never repeats itself"
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(drafts)]
    assert all(gap >= 0.8 * POLICY.draft_interval for gap in gaps), gaps
    assert drafts[-1].timestamp <= bot_api.calls_to("sendMessage")[0].timestamp
    assert "Grey" in bot_api.drafts[0]["text"], "the first preview shows the first words"
    assert not bot_api.errors


async def test_the_newest_text_shows_even_while_the_model_pauses(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    # "waves" arrives within the draft interval of "Grey", then the model says nothing for a while
    head, *tail = render("openai", ["Grey ", "waves ", "fold."])
    chunks = [head, tail[0], tail[1], b"", b"", b"", b"", b"", *tail[2:]]
    llm.reply(Reply(chunks=chunks, pause=0.1))
    await run(_settings(bot_api, llm))

    bot_api.message(USER, OFF_TOPIC)
    await _final(bot_api, USER)

    texts = [d["text"] for d in bot_api.drafts]
    assert texts[:2] == ["Grey ▍", "Grey waves ▍"], texts
    drafts = bot_api.calls_to("sendMessageDraft")
    final = bot_api.calls_to("sendMessage")[0]
    assert final.timestamp - drafts[1].timestamp > 0.2, "shown while the model was still silent"


async def test_group_gets_typing_and_one_threaded_reply_without_drafts_or_edits(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(HAIKU, pause=0.05)
    await run(_settings(bot_api, llm))

    asked = bot_api.message(GROUP, f"@muse_test_bot {OFF_TOPIC}", user_id=7)["message"]
    [reply] = await _final(bot_api, GROUP)

    assert "".join(HAIKU).strip() in _text(reply) and "Source:" in _text(reply)
    assert reply["reply_to_message"]["message_id"] == asked["message_id"]
    assert not bot_api.calls_to("sendMessageDraft")
    assert not bot_api.calls_to("editMessageText")
    assert (GROUP, "typing") in bot_api.chat_actions
    assert len(bot_api.calls_to("sendMessage")) == 1
    assert "@muse_test_bot" not in _user_texts(llm.last.json), "the mention is addressing, not text"
    assert not bot_api.errors


@pytest.mark.parametrize(
    ("status", "description"),
    [(400, "Bad Request: TEXTDRAFT_PEER_INVALID"), (404, "Not Found")],  # 404: an older Bot API server
)
async def test_refused_drafts_fall_back_to_edits_of_one_message(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start, status: int, description: str
) -> None:
    bot_api.inject("sendMessageDraft", status=status, description=description)
    llm.stream(HAIKU, pause=0.06)
    await run(_settings(bot_api, llm))

    bot_api.message(USER, OFF_TOPIC)
    [final] = await _final(bot_api, USER)

    assert "".join(HAIKU).strip() in _text(final) and "Source:" in _text(final)
    assert len(bot_api.calls_to("sendMessageDraft")) == 1, "drafts are not retried once refused"
    assert len(bot_api.calls_to("sendMessage")) == 1, "one message, edited as the answer grows"
    edits = bot_api.calls_to("editMessageText")
    assert edits and {e.params["message_id"] for e in edits} == {final["message_id"]}
    texts = [e.params["text"] for e in edits]
    assert all(a != b for a, b in itertools.pairwise(texts))
    assert [e[:2] for e in bot_api.errors] == [("sendMessageDraft", status)], "never 'not modified'"


async def test_a_failed_preview_is_skipped_not_fatal(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    bot_api.inject("sendMessageDraft", status=502)
    llm.stream(HAIKU, pause=0.06)
    await run(_settings(bot_api, llm))

    bot_api.message(USER, OFF_TOPIC)
    [final] = await _final(bot_api, USER)

    assert "".join(HAIKU).strip() in _text(final)
    assert len(bot_api.calls_to("sendMessageDraft")) >= 2, "previews went on after the failure"
    assert not bot_api.calls_to("editMessageText")


async def test_anthropic_backend_is_wired_the_same_way(bot_api: FakeBotAPI, run: Start) -> None:
    async with FakeLLMServer("anthropic") as claude:
        claude.stream(HAIKU)
        await run(_settings(bot_api, claude))
        bot_api.message(USER, OFF_TOPIC)
        [final] = await _final(bot_api, USER)
        assert "".join(HAIKU).strip() in _text(final)
        assert claude.last.path == "/v1/messages"
        assert claude.last.headers["x-api-key"] == TEST_KEY
        assert "Muse Spark 50.2 (Contemplating mode)" in claude.last.json["system"]


# --- routing --------------------------------------------------------------------------------


async def test_knowledge_question_never_reaches_the_model(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    await run(_settings(bot_api, llm))
    bot_api.message(USER, "what did muse spark score on hle")
    [reply] = await bot_api.wait_for_messages(USER, 1)
    assert "50.2" in _text(reply)
    assert llm.requests == []
    assert not bot_api.calls_to("sendMessageDraft")


async def test_ask_sends_even_a_knowledge_question_to_the_model(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(["It scored ", "50.2 in Contemplating mode."])
    await run(_settings(bot_api, llm))
    bot_api.message(USER, "/ask what did muse spark score on hle")
    [reply] = await _final(bot_api, USER)
    assert "It scored 50.2 in Contemplating mode." in _text(reply)
    [request] = llm.requests
    question = request.json["messages"][-1]["content"]
    assert "what did muse spark score on hle" in question and "/ask" not in question


async def test_a_task_naming_a_benchmark_goes_to_the_model_with_the_figure_in_the_prompt(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(["Muse Spark tops HealthBench Hard with 42.8. ", "Health AI has a new leader."])
    await run(_settings(bot_api, llm))
    bot_api.message(USER, "Write a two-sentence tweet about Muse Spark's HealthBench Hard result")
    [reply] = await _final(bot_api, USER)
    assert "Health AI has a new leader." in _text(reply), "the model's tweet, not the stored sentence"
    [request] = llm.requests
    system = request.json["messages"][0]["content"]
    assert "HealthBench Hard" in system and "Muse Spark 42.8" in system, "the exact figure is in the prompt"


async def test_a_wrong_figure_from_the_model_reaches_the_chat_corrected(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(["On Humanity's Last Exam, Muse Spark scored ", "48.2 in Contemplating mode."])
    app = await run(_settings(bot_api, llm))
    bot_api.message(USER, "/ask how did muse spark do on hle")
    [reply] = await _final(bot_api, USER)
    assert "50.2 (corrected)" in _text(reply) and "48.2" not in _text(reply)
    assert (
        app.services.conversation.metrics.count(app.services.conversation.metrics.figure_checks, "corrected")
        == 1
    )


async def test_right_figures_from_the_model_are_left_alone(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    text = "Muse Spark scored 42.8 on HealthBench Hard, ahead of GPT-5.4 (40.1) and Gemini 3.1 Pro (20.6)."
    llm.stream([text[:40], text[40:]])
    await run(_settings(bot_api, llm))
    bot_api.message(USER, "/ask summarise the healthbench story")
    [reply] = await _final(bot_api, USER)
    assert text in _text(reply) and "(corrected)" not in _text(reply)


async def test_no_backend_off_topic_question_says_what_the_bot_knows(bot_api: FakeBotAPI, run: Start) -> None:
    """Without a model: what the bot can answer, and no word about its configuration."""
    await run(_settings(bot_api, None))
    bot_api.message(USER, OFF_TOPIC)
    [reply] = await bot_api.wait_for_messages(USER, 1)
    assert "Muse Spark" in _text(reply)
    assert "LLM_PROVIDER" not in _text(reply) and "operator" not in _text(reply).lower()
    assert not bot_api.calls_to("sendMessageDraft")


# --- faults ---------------------------------------------------------------------------------


async def test_stream_cut_midway_keeps_the_text_and_says_so(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.reply(Reply(chunks=up_to(render("openai", HAIKU), "tide "), cut=True))
    await run(_settings(bot_api, llm))
    bot_api.message(USER, OFF_TOPIC)
    [final] = await _final(bot_api, USER)
    text = _text(final)
    assert "Grey waves fold on grey sand, the tide" in text
    assert "keeps" not in text
    assert "cut off" in text and text.index("tide") < text.index("cut off")
    assert "cut off" in CUT_NOTE


async def test_misconfigured_and_busy_backends_get_different_notes_and_the_bot_recovers(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.error(401, f"Incorrect API key provided: {TEST_KEY}", kind="invalid_request_error")
    llm.error(503, "The server is overloaded", kind="server_error")
    llm.stream(HAIKU)
    await run(_settings(bot_api, llm))

    bot_api.message(USER, OFF_TOPIC)
    bot_api.message(USER, "and a limerick about the sea?")
    bot_api.message(USER, "one more haiku about the sea")
    first, second, third = await _final(bot_api, USER, 3)

    assert MISCONFIGURED_NOTE.split(",")[0] in _text(first)
    assert "busy or unreachable" in _text(second) and UNAVAILABLE_NOTE.split(".")[0] in _text(second)
    assert "".join(HAIKU).strip() in _text(third)
    for message in (first, second):
        assert TEST_KEY not in _text(message) and "HTTP" not in _text(message)
    assert len(llm.requests) == 3


async def test_a_hung_model_is_answered_with_the_timeout_note_and_the_log_says_which(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    llm.reply(Reply(stall=True))  # accepts the request, never answers
    await run(_settings(bot_api, llm, llm_read_timeout=0.3))
    bot_api.message(USER, OFF_TOPIC)
    [final] = await _final(bot_api, USER)
    assert TIMEOUT_NOTE in _text(final) and "busy" not in _text(final)
    assert [r for r in caplog.records if "LLM_READ_TIMEOUT=0.3 s" in r.getMessage()]


# --- history ----------------------------------------------------------------------------------


async def test_history_stays_in_its_chat_and_reset_clears_it(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(["The sea is ", "salty."])
    await run(_settings(bot_api, llm))

    bot_api.message(USER, "why is the sea salty")
    await _final(bot_api, USER)
    bot_api.message(USER, "and why is it blue")
    await _final(bot_api, USER, 2)
    follow_up = _user_texts(llm.requests[1].json)
    assert "why is the sea salty" in follow_up and "The sea is salty." in follow_up
    roles = [m["role"] for m in llm.requests[1].json["messages"]]
    assert roles == ["system", "user", "assistant", "user"]

    bot_api.message(OTHER_USER, "and why is it blue")
    bot_api.message(GROUP, "@muse_test_bot and why is it blue", user_id=USER)
    await _final(bot_api, OTHER_USER)
    await _final(bot_api, GROUP)
    for request in llm.requests[2:]:
        assert "salty" not in _user_texts(request.json), "no leak into other chats"

    bot_api.message(USER, "/reset")
    await bot_api.wait_for(lambda: any("forgotten" in _text(m) for m in bot_api.sent(USER)))
    bot_api.message(USER, "and why is it green")
    await _final(bot_api, USER, 3)
    assert "salty" not in _user_texts(llm.last.json)
    assert len(llm.last.json["messages"]) == 2


async def test_history_survives_a_restart(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start, tmp_path: Path
) -> None:
    llm.stream(["The sea is ", "salty."])
    path = tmp_path / "state" / "musebot.sqlite3"
    first = await run(_settings(bot_api, llm), Store(path))
    bot_api.message(USER, "why is the sea salty")
    await _final(bot_api, USER)
    await _stop(first)

    await run(_settings(bot_api, llm), Store(path))
    bot_api.message(USER, "and why is it blue")
    await _final(bot_api, USER, 2)
    assert "why is the sea salty" in _user_texts(llm.last.json)
    assert "The sea is salty." in _user_texts(llm.last.json)
    assert len(llm.requests) == 2, "the first question was not answered again"


# --- images -----------------------------------------------------------------------------------


def _photo_update(api: FakeBotAPI, chat_id: int, caption: str) -> dict[str, Any]:
    """A user's photo with a caption, its bytes downloadable through getFile like Telegram's."""
    stored = StoredFile("AgACAgIAAxkBAAIUserPhoto", "AQADUserPhoto", JPEG, "photo", "photos/file_1.jpg")
    api.files[stored.file_id] = stored
    chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 64, "height": 64}
    message = {
        "message_id": 900,
        "from": api.user(chat_id),
        "chat": chat,
        "date": 1_775_600_000,
        "photo": [{**size, "file_size": len(JPEG)}],
        "caption": caption,
    }
    return api.add_update({"message": message})


async def test_photo_goes_to_a_backend_that_sees_images(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    llm.stream(["A cat ", "on a mat."])
    vision = BackendSettings(
        provider="openai",
        base_url=llm.base_url,
        api_key=SecretStr(TEST_KEY),
        model="local-model",
        supports_images=True,
    )
    await run(_settings(bot_api, None, llm_backends=[vision]))

    _photo_update(bot_api, USER, "what is in this picture?")
    [reply] = await _final(bot_api, USER)

    assert "A cat on a mat." in _text(reply)
    assert bot_api.calls_to("getFile")
    last = llm.last.json["messages"][-1]
    text_part, image_part = last["content"]
    assert "what is in this picture?" in text_part["text"]
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == JPEG, "the downloaded bytes, unchanged"


async def test_photo_without_image_support_gets_the_note(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    await run(_settings(bot_api, llm, llm_model="llama-3.1-8b-instruct"))
    _photo_update(bot_api, USER, "what is in this picture?")
    [reply] = await bot_api.wait_for_messages(USER, 1)
    assert NO_IMAGES_NOTE.split(".")[0] in _text(reply)
    assert llm.requests == [] and not bot_api.calls_to("getFile")


# --- secrets ----------------------------------------------------------------------------------


async def test_api_key_is_in_no_log_line_and_no_message(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start
) -> None:
    logs, logs_without_filter = io.StringIO(), io.StringIO()
    # The bot's own redaction must hold even where the logging filter does not know the key.
    # (added first, so it formats each record before the redacting filter rewrites it).
    bare = logging.StreamHandler(logs_without_filter)
    logging.getLogger().addHandler(bare)
    handler = setup_logging("DEBUG", [TEST_TOKEN, TEST_KEY], stream=logs)
    try:
        llm.error(401, f"Incorrect API key provided: {TEST_KEY}", kind="invalid_request_error")
        llm.reply(Reply(chunks=up_to(render("openai", HAIKU), "tide "), cut=True))
        llm.stream(HAIKU)
        app = await run(_settings(bot_api, llm))
        for question in (OFF_TOPIC, "a limerick about the sea", "one more haiku about the sea"):
            bot_api.message(USER, question)
        await _final(bot_api, USER, 3)
        await _stop(app)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().removeHandler(bare)

    assert "LLM_API_KEY" in logs.getvalue(), "the misconfiguration was logged for the operator"
    for captured in (logs.getvalue(), logs_without_filter.getvalue()):
        assert TEST_KEY not in captured
    shown = [_text(m) for m in bot_api.sent()] + [d["text"] for d in bot_api.drafts]
    assert shown and not any(TEST_KEY in t for t in shown)


# --- cut-off answers --------------------------------------------------------------------------


@pytest.mark.parametrize("chat_id", [USER, GROUP], ids=["private", "group"])
async def test_an_answer_cut_off_at_the_length_limit_says_so(
    bot_api: FakeBotAPI, llm: FakeLLMServer, run: Start, chat_id: int
) -> None:
    llm.reply(Reply(chunks=render_cut_off("openai", ["Grey waves ", "fold on grey"], "max_tokens")))
    await run(_settings(bot_api, llm))
    bot_api.message(chat_id, OFF_TOPIC if chat_id > 0 else f"@muse_test_bot {OFF_TOPIC}")
    [reply] = await _final(bot_api, chat_id)
    text = _text(reply)
    assert text.startswith("Grey waves fold on grey")
    assert CUT_OFF_LENGTH.strip("_") in text, "the reader learns the answer is not whole"
    assert "italic" in {e["type"] for e in reply.get("entities", [])}
