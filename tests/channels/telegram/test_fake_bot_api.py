"""The fake Bot API must behave like Telegram, or end-to-end tests prove nothing.

Every test drives the fake through the *real* python-telegram-bot ``Bot`` (or raw HTTP where
the wire format itself is the point), so PTB's encoding and error mapping are exercised too.
No test sleeps: long polls are observed through ``FakeBotAPI.is_polling`` / ``wait_for``.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import ssl
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.channels.telegram.conftest import TEST_TOKEN
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_html import TelegramParseError, parse_telegram_html, utf16_len

# PTB 22 warns when retry_after is read as int; the value is what these tests check.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _png(width: int = 3, height: int = 2) -> bytes:
    """A genuine tiny PNG: the fake, like Telegram, rejects bytes that are not an image."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def _seconds(value: int | dtm.timedelta) -> float:
    """PTB 22 exposes retry_after as int or timedelta depending on PTB_TIMEDELTA."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# Building a default SSL context per httpx client costs ~0.1 s; the fake is plain HTTP, so
# one shared context keeps the suite fast without changing what is being tested.
_SSL_CONTEXT = ssl.create_default_context()


def _request() -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"verify": _SSL_CONTEXT})


def _make_bot(server: FakeBotAPI, token: str = TEST_TOKEN) -> telegram.Bot:
    return telegram.Bot(
        token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=_request(),
        get_updates_request=_request(),
    )


@pytest.fixture
async def bot(bot_api: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    """A real, initialized PTB Bot talking HTTP to the fake."""
    tg_bot = _make_bot(bot_api)
    await tg_bot.initialize()
    yield tg_bot
    await tg_bot.shutdown()


# ------------------------------------------------------------------ HTML parse mode (unit)


def test_utf16_len_counts_surrogate_pairs() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1
    assert utf16_len("👨‍💻") == 5  # ZWJ sequence: 2 + 1 + 2


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_telegram_html("😀 <b>bold</b> &lt;tag&gt; <i>😀x</i>")
    assert text == "😀 bold <tag> 😀x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "italic", "offset": 14, "length": 3},
    ]


def test_html_rich_tags() -> None:
    html = (
        '<a href="https://example.com">site</a> <pre><code class="language-python">x</code></pre>'
        ' <tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>'
        ' <blockquote expandable>q</blockquote> <tg-emoji emoji-id="5368324170671202286">👍'
        "</tg-emoji> &#65;&#x42;&amp"
    )
    text, entities = parse_telegram_html(html)
    assert text == "site x s t q 👍 AB&"
    types = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert types == [
        ("text_link", 0, 4),
        ("pre", 5, 1),
        ("spoiler", 7, 1),
        ("spoiler", 9, 1),
        ("expandable_blockquote", 11, 1),
        ("custom_emoji", 13, 2),
    ]
    assert entities[0]["url"] == "https://example.com/"
    assert entities[1]["language"] == "python"


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("é <p>", 'Unsupported start tag "p" at byte offset 3'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_errors_match_telegram(html: str, detail: str) -> None:
    with pytest.raises(TelegramParseError) as info:
        parse_telegram_html(html)
    assert info.value.detail == detail
    assert str(info.value) == f"Can't parse entities: {detail}"


# ------------------------------------------------------------------ sending through PTB


async def test_send_message_returns_parsed_message(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    assert bot.username == "muse_test_bot"
    msg = await bot.send_message(42, "😀 <b>Muse</b> <i>Spark</i>\n", parse_mode="HTML")
    assert msg.text == "😀 Muse Spark"  # trailing whitespace trimmed like Telegram
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 3, 4),
        ("italic", 8, 5),
    ]
    assert msg.from_user is not None and msg.from_user.id == 123456
    assert msg.chat.type == "private"
    second = await bot.send_message(42, "again", reply_to_message_id=msg.message_id)
    assert second.message_id == msg.message_id + 1
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == msg.message_id
    assert [m["text"] for m in bot_api.sent(42)] == ["😀 Muse Spark", "again"]
    call = bot_api.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == 42 and call.params["parse_mode"] == "HTML"


async def test_bad_html_raises_bad_request(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(42, "1 < 2 <div>", parse_mode="HTML")
    # PTB strips "Bad Request: " and str.capitalize()s the rest.
    assert info.value.message == 'Can\'t parse entities: unsupported start tag "" at byte offset 2'
    assert bot_api.errors[-1] == (
        "sendMessage",
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    )
    assert bot_api.sent() == []


async def test_length_limits_count_utf16_after_parsing(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(42, "x" * 5000)
    # Markup does not count, the parsed text does.
    ok = await bot.send_message(42, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert ok.text is not None and len(ok.text) == 4096
    # 2048 emoji are 4096 UTF-16 units: fine; one more is too long.
    await bot.send_message(42, "😀" * 2048)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(42, "😀" * 2049)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(42, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(42, _png(), caption="c" * 1025)


async def test_injected_429_raises_retry_after(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    bot_api.inject("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(42, "hi")
    assert _seconds(info.value.retry_after) == 7
    assert (await bot.send_message(42, "hi")).text == "hi"  # only the next call failed


async def test_injected_transport_faults(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    bot_api.inject("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(42, "a")
    bot_api.inject("sendMessage", drop_connection=True, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(42, "b")
    assert (await bot.send_message(42, "c")).message_id == 1
    assert len(bot_api.calls_to("sendMessage")) == 4


async def test_blocked_and_migrated_chats(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    bot_api.block_chat(42)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "hi")
    bot_api.migrate_chat(-555, -1001234567890)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-555, "hi")
    assert info.value.new_chat_id == -1001234567890
    moved = await bot.send_message(-1001234567890, "hi")
    assert moved.chat.type == "supergroup"


async def test_edit_delete_and_not_modified(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    msg = await bot.send_message(42, "<b>v1</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>v1</b>", chat_id=42, message_id=msg.message_id, parse_mode="HTML")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("more", callback_data="more")]])
    edited = await bot.edit_message_text("v2", chat_id=42, message_id=msg.message_id, reply_markup=keyboard)
    assert isinstance(edited, telegram.Message)
    assert edited.text == "v2" and edited.edit_date is not None
    assert edited.reply_markup == keyboard
    assert bot_api.sent(42)[0]["text"] == "v2"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=42, message_id=999)
    assert await bot.delete_message(42, msg.message_id) is True
    assert bot_api.sent(42) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(42, msg.message_id)


async def test_send_photo_stores_uploaded_bytes(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    png = _png(3, 2)
    msg = await bot.send_photo(42, png, caption="<i>chart</i>", parse_mode="HTML")
    assert msg.caption == "chart"
    assert [(e.type, e.offset, e.length) for e in msg.caption_entities] == [("italic", 0, 5)]
    largest = msg.photo[-1]
    assert (largest.width, largest.height) == (3, 2)
    assert bot_api.file_bytes(largest.file_id) == png
    assert bot_api.uploads[0].data == png
    tg_file = await bot.get_file(largest.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == png  # /file/bot<token>/ route
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(42, b"not an image")
    doc = await bot.send_document(42, b"a,b\n1,2\n", filename="data.csv")
    assert doc.document is not None and doc.document.file_name == "data.csv"
    assert bot_api.file_bytes(doc.document.file_id) == b"a,b\n1,2\n"


async def test_long_poll_returns_update_added_while_waiting(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await bot_api.wait_for(lambda: bot_api.is_polling, timeout=3)
    sent = bot_api.message(42, "/start@muse_test_bot hello @someone_else")
    updates = await asyncio.wait_for(poll, 3)
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start@muse_test_bot hello @someone_else"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bot_command", 0, 20),
        ("mention", 27, 13),
    ]
    # Unconfirmed updates are delivered again; an offset confirms them.
    assert len(await bot.get_updates(timeout=0)) == 1
    assert await bot.get_updates(offset=sent["update_id"] + 1, timeout=0) == ()
    assert bot_api.confirmed_offset == sent["update_id"] + 1
    assert bot_api.pending_updates == []


async def test_get_updates_limit_and_allowed_updates(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    for i in range(3):
        bot_api.message(42, f"m{i}")
    bot_api.inline_query(42, "muse")
    assert len(await bot.get_updates(limit=2)) == 2
    updates = await bot.get_updates(allowed_updates=["inline_query"])
    assert [u.inline_query.query for u in updates if u.inline_query] == ["muse"]
    assert len(updates) == 1


async def test_concurrent_get_updates_conflict(bot_api: FakeBotAPI) -> None:
    first, second = _make_bot(bot_api), _make_bot(bot_api)
    async with first, second:
        old = asyncio.create_task(first.get_updates(timeout=5))
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=3)
        new = asyncio.create_task(second.get_updates(timeout=5))
        # Like the real server, the request that was already parked is the one terminated.
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(old, 3)
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=3)
        bot_api.message(42, "hi")
        assert len(await asyncio.wait_for(new, 3)) == 1


async def test_wrong_token_and_unknown_method(bot_api: FakeBotAPI) -> None:
    stranger = _make_bot(bot_api, "654321:TEST-wrong-token-xyz")
    with pytest.raises(InvalidToken):
        await stranger.initialize()
    await stranger.shutdown()
    async with _make_bot(bot_api) as tg_bot:
        with pytest.raises(EndPointNotFound):
            await tg_bot.do_api_request("noSuchMethod")


async def test_raw_http_shapes_and_json_bodies(bot_api: FakeBotAPI) -> None:
    base = f"{bot_api.url}/bot{TEST_TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/sendMessage", json={"chat_id": 7, "text": ""}) as resp:
            assert resp.status == 400
            assert await resp.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
        payload = {
            "chat_id": 7,
            "text": "<b>x</b>",
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
        }
        async with http.post(f"{base}/sendMessage", json=payload) as resp:
            body = await resp.json()
            assert body["ok"] is True
            assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
            assert body["result"]["reply_markup"] == payload["reply_markup"]
        async with http.get(f"{base}/getMe") as resp:
            assert (await resp.json())["result"]["username"] == "muse_test_bot"
        bot_api.inject("getMe", retry_after=3)
        async with http.get(f"{base}/getMe") as resp:
            assert resp.status == 429
            assert await resp.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            }
        async with http.get(f"{bot_api.url}/bot1:wrong/getMe") as resp:
            assert resp.status == 401
            assert (await resp.json())["description"] == "Unauthorized"


async def test_commands_inline_callback_draft_reactions(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    await bot.set_my_commands([("start", "Start"), ("ask", "Ask Muse")])
    await bot.set_my_commands([("start", "Старт")], language_code="ru")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "ask"]
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Старт"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Command", "x")])

    query_id = bot_api.inline_query(42, "muse")["inline_query"]["id"]
    results = [
        InlineQueryResultArticle(str(i), f"r{i}", InputTextMessageContent(f"<b>{i}</b>", parse_mode="HTML"))
        for i in range(51)
    ]
    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, results)
    assert await bot.answer_inline_query(query_id, results[:50]) is True
    assert len(bot_api.inline_answers[query_id]["results"]) == 50
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(query_id, results[:1])

    msg = await bot.send_message(42, "pick")
    cb = bot_api.callback_query(42, 42, msg.message_id, "pick:1")["callback_query"]
    assert cb["message"]["text"] == "pick"
    assert await bot.answer_callback_query(cb["id"], text="ok") is True
    assert bot_api.callback_answers[cb["id"]]["text"] == "ok"

    assert await bot.send_message_draft(42, draft_id=1, text="<i>thinking</i>", parse_mode="HTML") is True
    assert bot_api.drafts[-1]["text"] == "thinking"
    with pytest.raises(BadRequest):
        await bot.send_message_draft(-100777, draft_id=1, text="x")
    assert await bot.send_chat_action(42, "typing") is True
    assert bot_api.chat_actions == [(42, "typing")]
    assert await bot.set_message_reaction(42, msg.message_id, "👍") is True
    assert bot_api.reactions[(42, msg.message_id)] == [{"type": "emoji", "emoji": "👍"}]
    chat = await bot.get_chat(42)
    assert chat.id == 42 and chat.type == "private"


async def test_flood_limits_with_fake_clock() -> None:
    now = [1000.0]
    server = FakeBotAPI(TEST_TOKEN, flood_limits=True, clock=lambda: now[0])
    async with server, _make_bot(server) as tg_bot:
        for i in range(3):  # burst
            await tg_bot.send_message(42, f"m{i}")
        with pytest.raises(RetryAfter) as info:
            await tg_bot.send_message(42, "too fast")
        assert _seconds(info.value.retry_after) >= 1
        assert server.flood_bans == 1
        now[0] += 1.0
        await tg_bot.send_message(42, "after waiting")
        # Groups: 20 per minute even when spaced 1 s apart.
        for i in range(20):
            now[0] += 1.0
            await tg_bot.send_message(-42, f"g{i}")
        now[0] += 1.0
        with pytest.raises(RetryAfter):
            await tg_bot.send_message(-42, "21st")
        assert server.flood_bans_by_chat[-42] == 1


async def test_real_application_polls_and_replies(bot_api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Hello</b> from Muse")

    app = (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .base_url(bot_api.base_url)
        .base_file_url(bot_api.base_file_url)
        .request(_request())
        .get_updates_request(_request())
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        bot_api.message(-1001234, "/start@muse_test_bot", user_id=42)
        [reply] = await bot_api.wait_for_messages(-1001234, 1, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Hello from Muse"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert reply["chat"]["type"] == "group"
    assert reply["reply_to_message"]["text"] == "/start@muse_test_bot"  # PTB quotes in groups
    assert bot_api.pending_updates == []  # PTB confirmed the update on shutdown


async def test_wait_for_timeout_explains_what_happened(bot_api: FakeBotAPI) -> None:
    async with _make_bot(bot_api) as tg_bot:
        await tg_bot.send_message(1, "only this")
    with pytest.raises(AssertionError, match="sendMessage"):
        await bot_api.wait_for_messages(1, 2, timeout=0.05)


# ------------------------------------------------------------------ topics, kinds, edits


async def _updates(bot: telegram.Bot) -> list[Update]:
    return list(await bot.get_updates(timeout=0))


async def test_topics_are_marked_and_sends_without_topics_are_refused(
    bot: telegram.Bot, bot_api: FakeBotAPI
) -> None:
    forum, plain = -1001000000042, -1001000000043
    bot_api.add_chat(forum, "supergroup", is_forum=True)
    bot_api.add_chat(plain, "supergroup")
    bot_api.add_chat(42, "private", has_topics=True)
    bot_api.message(forum, "in a topic", message_thread_id=7)
    bot_api.message(forum, "in General")
    first = bot_api.message(plain, "no topics here")["message"]
    bot_api.message(plain, "a reply", reply_to=first)
    bot_api.message(42, "a private topic", message_thread_id=3)
    topic, general, _, reply, private = [u.effective_message for u in await _updates(bot)]
    assert topic is not None and topic.is_topic_message and topic.message_thread_id == 7
    assert topic.reply_to_message is not None and topic.reply_to_message.forum_topic_created
    assert general is not None and not general.is_topic_message and general.message_thread_id is None
    assert reply is not None and reply.message_thread_id == first["message_id"]
    assert not reply.is_topic_message, "a reply thread is no topic"
    assert private is not None and private.is_topic_message

    sent = await bot.send_message(forum, "to the topic", message_thread_id=7)
    assert sent.is_topic_message and sent.message_thread_id == 7
    replied = await bot.send_message(
        forum, "a reply lands in its topic", reply_to_message_id=topic.message_id
    )
    assert replied.message_thread_id == 7
    for chat_id, thread_id in ((plain, first["message_id"]), (-2001, 7), (1001, 3), (forum, 99)):
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await bot.send_message(chat_id, "x", message_thread_id=thread_id)
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await bot.send_chat_action(chat_id, "typing", message_thread_id=thread_id)
    assert await bot.send_chat_action(forum, "upload_photo", message_thread_id=7)
    assert bot_api.chat_action_threads[-1] == (forum, "upload_photo", 7)


async def test_every_kind_of_user_message_parses_as_telegram_sends_it(
    bot: telegram.Bot, bot_api: FakeBotAPI
) -> None:
    kinds = ["voice", "video_note", "video", "audio", "sticker", "animation", "location"]
    kinds += ["venue", "contact", "poll", "dice"]
    for kind in kinds:
        bot_api.media(42, kind)
    bot_api.photo(42, b"\xff\xd8jpeg", caption="a @muse_test_bot question", width=4000, height=3000)
    bot_api.document(42, _png(), file_name="chart.png", mime_type="image/png", media_group_id="g1")
    bot_api.message(-1001000000044, "anon", anonymous_admin=True)
    bot_api.automatic_forward(-1001000000044, -1001000000045, "New post, thanks @muse_test_bot")
    *media, photo, document, anonymous, forward = [u.effective_message for u in await _updates(bot)]
    for kind, message in zip(kinds, media, strict=True):
        assert message is not None and getattr(message, kind), kind
    assert photo is not None and [p.width for p in photo.photo] == [90, 320, 800, 1280, 2560]
    assert photo.parse_caption_entities()
    assert document is not None and document.document is not None
    assert document.document.mime_type == "image/png" and document.media_group_id == "g1"
    data = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(data) == _png()
    assert anonymous is not None and anonymous.sender_chat is not None
    assert anonymous.sender_chat.id == -1001000000044 and anonymous.from_user is not None
    assert anonymous.from_user.username == "GroupAnonymousBot"
    assert forward is not None and forward.is_automatic_forward and forward.sender_chat is not None
    assert forward.sender_chat.type == "channel"


async def test_edits_expired_taps_and_quotes(bot: telegram.Bot, bot_api: FakeBotAPI) -> None:
    asked = bot_api.message(42, "wht is hle")["message"]
    bot_api.edit(42, asked["message_id"], "what is hle")
    other = bot_api.message(-2001, "spark got 76.5 on arc agi", user_id=7)["message"]
    bot_api.message(-2001, "@muse_test_bot is this right?", user_id=8, reply_to=other, quote="76.5")
    first, edited, _, quoting = await _updates(bot)
    assert first.message is not None and edited.edited_message is not None
    assert edited.edited_message.message_id == first.message.message_id
    assert edited.edited_message.text == "what is hle" and edited.edited_message.edit_date
    assert quoting.message is not None and quoting.message.quote is not None
    assert quoting.message.quote.text == "76.5"

    msg = await bot.send_message(42, "pick")
    late = bot_api.callback_query(42, 42, msg.message_id, "pick:1", expired=True)["callback_query"]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(late["id"])
