"""Hostile input through the engine and the renderer: never an exception, never a Telegram parse
error, never a message over Telegram's limits.

`tests/telegram/test_render.py` fuzzes the renderer on its own; this file fuzzes what users can
actually reach: questions (with a history), `/compare` and every other command with odd
arguments, inline-mode suggestions, and the engine's answers rendered as messages, captions
and inline cards. "Sendable" is judged by the fake Bot API's tdlib-faithful HTML parser. A
short end-to-end pass sends a fixed corpus of the nastiest inputs through the real
Application and checks that each is answered exactly once with no error from Telegram.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot import commands
from bot.answering.answer import Answer, Turn
from bot.answering.engine import Engine
from bot.channels.telegram.app import build_application
from bot.channels.telegram.render import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    render_caption,
    render_messages,
)
from bot.conversation import Asker, Conversation, clip_question
from bot.knowledge import KnowledgeBase
from bot.ops.settings import Settings
from bot.state.store import Store
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_html import finalize_text, parse_telegram_html, utf16_len

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
ROUTES = {"knowledge", "compare", "llm", "fallback"}

_SPECIALS = [
    # Markdown
    *"*_`[]()#>-+~|!\\=.:",
    "**",
    "__",
    "```",
    "```python\n",
    "# ",
    "> ",
    "1. ",
    "- ",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "[link](https://example.com)",
    "[x](javascript:alert(1))",
    "![img](http://e.com/a.png)",
    # HTML
    *"<>&\"'",
    "<b>",
    "</b>",
    "<i><b>",
    "</pre>",
    '<a href="tg://user?id=1">',
    "&amp;",
    "&lt;",
    "&#x1F30D;",
    "&bogus;",
    "<script>alert(1)</script>",
    # invisible, right-to-left, combining, fillers
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u061c",
    "e\u0301",
    "\u0301\u0301\u0301",
    "\u3164",
    "\u2800",
    "\u115f",
    "\u00a0",
    "שלום עולם",
    "مرحبا بالعالم",
    # emoji: modifiers, ZWJ sequences, flags, astral
    "👍🏽",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇺🇦",
    "🏳️\u200d🌈",
    "𝕄𝕦𝕤𝕖",
    # things the engine looks for
    "muse spark",
    "gpt-5.4",
    "hle",
    "healthbench hard",
    "compare",
    "vs",
    "contemplating mode",
    "score",
    "@muse_test_bot",
    "/compare",
    "\n",
    "\n\n",
    "\t",
    " ",
]
_CHAR = st.characters(exclude_categories=["Cs"])
_PIECE = st.one_of(st.sampled_from(_SPECIALS), st.text(_CHAR, min_size=1, max_size=24))
TEXT = st.lists(_PIECE, max_size=60).map("".join)


def _long(min_size: int = 9_000, max_size: int = 10_000) -> st.SearchStrategy[str]:
    """Long inputs cheaply: hypothesis cannot draw 10,000 characters of entropy, so repeat a
    drawn sample up to a drawn length."""
    return st.builds(
        lambda parts, size: ("".join(parts) * size)[:size],
        st.lists(_PIECE, min_size=1, max_size=30),
        st.integers(min_value=min_size, max_value=max_size),
    )


QUESTION = st.one_of(TEXT, _long())
ARGS = st.lists(
    st.one_of(st.sampled_from(_SPECIALS), st.text(_CHAR, max_size=30), _long(200, 2_000)), max_size=8
)


def assert_sendable(chunks: list[str], limit: int) -> None:
    """What Telegram demands of each message: it parses, fits, and is not blank."""
    for chunk in chunks:
        text, entities = parse_telegram_html(chunk)  # raises TelegramParseError if Telegram would
        assert utf16_len(text) <= limit, utf16_len(text)
        assert utf16_len(chunk) <= limit, utf16_len(chunk)
        assert finalize_text(text, entities, detect=False)[0], f"blank chunk {chunk!r}"


def assert_renders(answer: Answer) -> None:
    """The answer as messages, as a chart caption and as an inline card, all sendable."""
    assert answer.route in ROUTES
    markdown = answer.markdown()
    chunks = render_messages(markdown)
    assert chunks, "every answer says something"
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    caption = render_caption(f"**{answer.title}** — {answer.footer() or 'chart'}")
    if caption:
        assert_sendable([caption], TELEGRAM_CAPTION_LIMIT)


@pytest.fixture(scope="module")
def bare_engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


@FUZZ
@given(question=QUESTION, earlier=st.lists(TEXT, max_size=2))
def test_lookup_answers_anything(bare_engine: Engine, question: str, earlier: list[str]) -> None:
    history = [Turn("user", t) for t in earlier]
    assert_renders(bare_engine.lookup(question, history))


@FUZZ
@given(names=ARGS)
def test_compare_with_any_arguments(bare_engine: Engine, names: list[str]) -> None:
    assert_renders(bare_engine.compare(names))


@FUZZ
@given(name=st.sampled_from([c.name for c in commands.available("telegram", admin=True)]), args=ARGS)
def test_every_command_with_any_arguments(bare_engine: Engine, name: str, args: list[str]) -> None:
    conversation = Conversation(bare_engine, Store(":memory:"))
    asker = Asker(chat_id=5, user_id=5, channel="telegram")
    reply = asyncio.run(commands.run(conversation, name, args, asker))
    assert reply is not None
    assert_renders(reply.answer)


@FUZZ
@given(query=QUESTION)
def test_inline_suggestions_for_anything(bare_engine: Engine, query: str) -> None:
    answers = bare_engine.suggest(query, limit=3)
    assert len(answers) <= 3
    for answer in answers:
        assert_renders(answer)
        card = render_messages(answer.markdown(), limit=TELEGRAM_TEXT_LIMIT)[0]
        assert_sendable([card], TELEGRAM_TEXT_LIMIT)


@FUZZ
@given(question=QUESTION, limit=st.integers(min_value=1, max_value=5_000))
def test_clipping_keeps_a_prefix_within_the_limit(question: str, limit: int) -> None:
    clipped = clip_question(question, limit)
    assert len(clipped.text) <= limit and question.startswith(clipped.text)
    assert clipped.cut == (len(question) > limit) == bool(clipped.notice)
    if clipped.notice:
        assert_sendable(render_messages(clipped.notice), TELEGRAM_TEXT_LIMIT)


# -- end to end ----------------------------------------------------------------------------------

HOSTILE = [
    "\u200b\u200d\u2060\ufeff",
    "\u202ehle no erocs kraps esum tahw",
    "مرحبا muse spark? שלום",
    "👨\u200d👩\u200d👧\u200d👦 " * 300,
    "<b>bold?</b> <a href='javascript:x'>x</a> &amp; &bogus; </pre>",
    "**__``[]()** *unclosed _unclosed `unclosed [unclosed](",
    "```\ncode that never closes",
    "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 400,
    "x" * 4096,
    "muse spark " * 370,
    "/compare " + " ".join(["gpt-5.4", "<b>", "\u202e", "🇺🇦", "x" * 300] * 20),
    "/compare \u200b",
    "/compare muse-spark muse-spark muse-spark",
    "/compare hle hle healthbench",
    "/help@muse_test_bot extra args &lt;",
    "/ask",
    "/start \u202e",
    "/sources " + "\n" * 50,
    "@muse_test_bot",
    "\u3164",
]


async def test_hostile_messages_are_answered_without_telegram_errors(kb: KnowledgeBase) -> None:
    """One chat per input (a chat is paced at about a message a second); each chat then asks
    a plain question, and its answer coming last shows the hostile one was fully handled."""
    chats = {2000 + i: text for i, text in enumerate(HOSTILE)}
    async with FakeBotAPI() as api:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            telegram_bot_token=SecretStr(api.token),
            telegram_api_base_url=api.base_url,
            telegram_api_file_url=api.base_file_url,
        )
        app = build_application(settings, Engine(kb), Store(":memory:"))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            for chat, text in chats.items():
                api.message(chat, text)
                api.message(chat, "what did muse spark score on hle")
            for chat in chats:
                await api.wait_for(functools.partial(_last_has, api, chat, "50.2"), timeout=30)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    assert [e for e in api.errors if e[1] == 400] == [], api.errors
    for chat, text in chats.items():
        replies = [_text(m) for m in api.sent(chat)]
        assert len(replies) >= 2, (text[:60], replies)
        assert not any("Sorry — something went wrong" in r for r in replies), (text[:60], replies)


def _last_has(api: FakeBotAPI, chat: int, wanted: str) -> bool:
    sent = api.sent(chat)
    return bool(sent) and wanted in _text(sent[-1]) and len(sent) >= 2


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")
