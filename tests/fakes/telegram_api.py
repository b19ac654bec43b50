"""A fake Telegram Bot API server that speaks real HTTP.

Why: unit tests with mocked ``Bot`` methods never exercise what actually breaks in
production: python-telegram-bot's request encoding, Telegram's validation (HTML parse
errors, length limits, "message is not modified"), flood control, 409 conflicts between two
pollers, migrated groups, blocked users, flaky gateways.  ``FakeBotAPI`` runs an aiohttp
server on ``127.0.0.1`` and answers ``/bot<token>/<method>`` with byte-for-byte Telegram-shaped
JSON so the *real* ``telegram.ext.Application`` can be pointed at it::

    async with FakeBotAPI(TOKEN) as server:
        app = (ApplicationBuilder().token(TOKEN)
               .base_url(f"{server.url}/bot").base_file_url(f"{server.url}/file/bot").build())
        server.message(42, "/start")
        ...
        await server.wait_for_messages(42, 1)

Tests never sleep: every recorded call / state change wakes :meth:`FakeBotAPI.wait_for`.
Error strings follow tdlib/telegram-bot-api (``Client.cpp``) wherever they are known.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import mimetypes
import re
import struct
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

from aiohttp import web

from tests.fakes.telegram_html import (
    TelegramParseError,
    detect_entities,
    finalize_text,
    parse_telegram_html,
    utf16_len,
)

__all__ = ["BotAPIError", "Call", "FakeBotAPI", "StoredFile", "Upload"]

T = TypeVar("T")
JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_INLINE_RESULTS = 50
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK_SET = "Conflict: terminated by setWebhook request"
CONFLICT_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
THREAD_NOT_FOUND = "message thread not found"
# Who sends what Telegram sends on someone's behalf: anonymous group admins, and a linked
# channel's posts copied into its discussion group.
ANONYMOUS_ADMIN: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
TELEGRAM_SERVICE: JSONDict = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

# Update types delivered when allowed_updates was never set (Bot API default).
ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Emoji a bot may react with (Bot API ReactionTypeEmoji).
REACTION_EMOJI = frozenset(
    (
        "❤",
        "👍",
        "👎",
        "🔥",
        "🥰",
        "👏",
        "😁",
        "🤔",
        "🤯",
        "😱",
        "🤬",
        "😢",
        "🎉",
        "🤩",
        "🤮",
        "💩",
        "🙏",
        "👌",
        "🕊",
        "🤡",
        "🥱",
        "🥴",
        "😍",
        "🐳",
        "❤\u200d🔥",
        "🌚",
        "🌭",
        "💯",
        "🤣",
        "⚡",
        "🍌",
        "🏆",
        "💔",
        "🤨",
        "😐",
        "🍓",
        "🍾",
        "💋",
        "🖕",
        "😈",
        "😴",
        "😭",
        "🤓",
        "👻",
        "👨\u200d💻",
        "👀",
        "🎃",
        "🙈",
        "😇",
        "😨",
        "🤝",
        "✍",
        "🤗",
        "🫡",
        "🎅",
        "🎄",
        "☃",
        "💅",
        "🤪",
        "🗿",
        "🆒",
        "💘",
        "🙉",
        "🦄",
        "😘",
        "💊",
        "🙊",
        "😎",
        "👾",
        "🤷\u200d♂",
        "🤷",
        "🤷\u200d♀",
        "😡",
    )
)

# Parameters whose form value is always a plain string (never JSON-decoded / int-coerced).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "action",
        "inline_query_id",
        "callback_query_id",
        "url",
        "language_code",
        "query",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "secret_token",
        "ip_address",
        "file_id",
        "title",
        "description",
        "emoji",
        "business_connection_id",
        "inline_message_id",
        "data",
        "custom_title",
        "message_effect_id",
    }
)

_METHOD_NAMES = [
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "sendPhoto",
    "sendDocument",
    "sendChatAction",
    "sendMessageDraft",
    "answerInlineQuery",
    "answerCallbackQuery",
    "leaveChat",
    "getChat",
    "close",
    "logOut",
    "setMessageReaction",
    "getFile",
]
# Telegram method names are case-insensitive.
_CANONICAL = {name.lower(): name for name in _METHOD_NAMES}
# Methods that create or change visible messages and therefore count against flood limits.
_FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


class BotAPIError(Exception):
    """An error answer: ``{"ok": false, "error_code": code, "description": ..., ...}``."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON body exactly as Telegram shapes it."""
        out: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def _bad(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


class Call(NamedTuple):
    """One request the server received (recorded before it is answered)."""

    method: str
    params: JSONDict
    timestamp: float


@dataclass
class Upload:
    """A file part of a multipart request."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"Upload({self.name!r}, {self.filename!r}, {len(self.data)} bytes)"


@dataclass
class StoredFile:
    """A file the bot uploaded; downloadable at ``/file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_path: str
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class _Fault:
    status: int | None
    description: str | None
    retry_after: int | None
    parameters: JSONDict | None
    drop_connection: bool
    delay: float
    remaining: int


@dataclass
class _Stored:
    data: JSONDict
    from_bot: bool
    deleted: bool = False


@dataclass
class _Poll:
    future: asyncio.Future[None]
    started: float = field(default=0.0)


class _FloodControl:
    """Token buckets approximating Telegram's documented limits.

    Per chat about 1 message/s with a burst of ``burst``; groups (negative ids) at most
    ``group_per_minute`` per minute; at most ``global_per_second`` messages per second overall.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        per_chat_rate: float = 1.0,
        burst: int = 3,
        group_per_minute: int = 20,
        global_per_second: int = 30,
    ) -> None:
        self._clock = clock
        self._rate = per_chat_rate
        self._burst = burst
        self._group_per_minute = group_per_minute
        self._global_per_second = global_per_second
        self._buckets: dict[int, tuple[float, float]] = {}
        self._group_window: dict[int, deque[float]] = {}
        self._global_window: deque[float] = deque()

    def acquire(self, chat_id: int) -> int | None:
        """Consume one slot for ``chat_id``; return ``retry_after`` seconds if flooded."""
        now = self._clock()
        waits: list[float] = []
        tokens, last = self._buckets.get(chat_id, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - last) * self._rate)
        if tokens < 1.0:
            waits.append((1.0 - tokens) / self._rate)
        window = self._group_window.setdefault(chat_id, deque()) if chat_id < 0 else None
        if window is not None:
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= self._group_per_minute:
                waits.append(window[0] + 60.0 - now)
        while self._global_window and self._global_window[0] <= now - 1.0:
            self._global_window.popleft()
        if len(self._global_window) >= self._global_per_second:
            waits.append(self._global_window[0] + 1.0 - now)
        if waits:
            self._buckets[chat_id] = (tokens, now)
            return max(1, math.ceil(max(waits)))
        self._buckets[chat_id] = (tokens - 1.0, now)
        if window is not None:
            window.append(now)
        self._global_window.append(now)
        return None


def _normalize_form_value(name: str, value: str) -> Any:
    """Undo PTB's form encoding: JSON objects/arrays, ints and booleans arrive as strings."""
    if name in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    if re.fullmatch(r"-?\d+", stripped):
        return int(stripped)
    if stripped in ("true", "false"):
        return stripped == "true"
    return value


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Dimensions of PNG/JPEG/GIF/WEBP data; ``None`` if Telegram could not process it."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            i += 2 + seg_len
        return 640, 480
    return None


# Messages that are neither text nor pictures, as Telegram shapes them (file ids filled in).
_FILE = {"file_id": "", "file_unique_id": ""}
_MEDIA: dict[str, JSONDict] = {
    "voice": {"voice": {**_FILE, "duration": 3, "mime_type": "audio/ogg", "file_size": 9000}},
    "video_note": {"video_note": {**_FILE, "length": 240, "duration": 4, "file_size": 90000}},
    "video": {"video": {**_FILE, "width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"}},
    "audio": {"audio": {**_FILE, "duration": 180, "mime_type": "audio/mpeg", "title": "Song"}},
    "sticker": {
        "sticker": {
            **_FILE,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
    },
    "animation": {
        "animation": {
            **_FILE,
            "width": 320,
            "height": 240,
            "duration": 2,
            "mime_type": "video/mp4",
            "file_name": "funny.gif.mp4",
        }
    },
    "location": {"location": {"latitude": 52.52, "longitude": 13.405}},
    "venue": {
        "venue": {
            "location": {"latitude": 52.52, "longitude": 13.405},
            "title": "Cafe",
            "address": "Main St 1",
        },
        "location": {"latitude": 52.52, "longitude": 13.405},
    },
    "contact": {"contact": {"phone_number": "+15550100", "first_name": "Ann"}},
    "poll": {
        "poll": {
            "id": "5000000001",
            "question": "Best model?",
            "options": [
                {"text": "Spark", "voter_count": 0, "persistent_id": "o1"},
                {"text": "GPT", "voter_count": 0, "persistent_id": "o2"},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
}


class _Params:
    """Typed access to request parameters with Telegram's error texts."""

    def __init__(self, values: JSONDict, files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def get_int(self, name: str, *, required: bool = False, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise _bad(
                    f"{name} is empty" if name != "message_id" else "message identifier is not specified"
                )
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f'field "{name}" must be a valid Number') from None

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def get_json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {what or name} JSON object") from None
        return value


class FakeBotAPI:
    """In-process fake of ``api.telegram.org`` for end-to-end tests of a PTB bot.

    Server side: real HTTP on 127.0.0.1, Telegram's routes, JSON shapes, validation and error
    texts.  Test side: update builders (:meth:`message`, :meth:`inline_query`,
    :meth:`callback_query`), inspection (:attr:`calls`, :meth:`sent`, :attr:`files`) and
    deterministic waiting (:meth:`wait_for`, :meth:`wait_for_messages`).
    """

    def __init__(
        self,
        token: str = "123456:TEST-token-not-real-abcdefghijklmno",
        *,
        bot_username: str = "muse_test_bot",
        bot_first_name: str = "Muse Test Bot",
        flood_limits: bool = False,
        clock: Callable[[], float] = time.monotonic,
        strict_chats: bool = False,
        first_update_id: int = 1,
        host: str = "127.0.0.1",
    ) -> None:
        """Configure the fake; nothing listens until :meth:`start`.

        ``strict_chats``: unknown chat ids answer "chat not found" instead of being created on
        the fly.  ``clock`` drives flood control and call timestamps so tests can fake time.
        ``host``: the address to listen on; another local address (a Docker bridge's) lets a
        bot in a container reach the fake.
        """
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.strict_chats = strict_chats
        self._clock = clock
        self._flood = _FloodControl(clock) if flood_limits else None
        self.flood_bans = 0
        self.flood_bans_by_chat: Counter[int] = Counter()

        self.calls: list[Call] = []
        self.errors: list[tuple[str, int, str]] = []
        self.confirmed_offset: int | None = None
        self.files: dict[str, StoredFile] = {}
        self.uploads: list[StoredFile] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.inline_answers: dict[str, JSONDict] = {}
        self.callback_answers: dict[str, JSONDict] = {}
        self.drafts: list[JSONDict] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.chat_action_threads: list[tuple[int, str, int | None]] = []
        self.reactions: dict[tuple[int, int], list[JSONDict]] = {}
        self.webhook_url = ""
        self.closed = False
        self.logged_out = False

        self._updates: list[JSONDict] = []
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll: _Poll | None = None
        self._chats: dict[int, JSONDict] = {}
        self._users: dict[int, JSONDict] = {}
        self._migrated: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._left: set[int] = set()
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._order: list[tuple[int, int]] = []
        self._open_inline: set[str] = set()
        self._open_callbacks: set[str] = set()
        self._private_topics: set[int] = set()
        self._topics: dict[tuple[int, int], JSONDict] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._host = host
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the host (127.0.0.1 unless told) on a free port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", r"/bot{token:[^/]+}/{method:[^/]+}", self._handle_method)
        app.router.add_route("*", r"/file/bot{token:[^/]+}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self._port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Answer any pending long poll and shut the server down."""
        if self._poll is not None and not self._poll.future.done():
            self._poll.future.set_result(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://<host>:<port>``; PTB wants ``f"{url}/bot"`` as base_url."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url``."""
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ configuration

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Make ``old_chat_id`` a group upgraded to supergroup ``new_chat_id``."""
        self._migrated[old_chat_id] = new_chat_id
        self._ensure_chat(new_chat_id, "supergroup")

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot (private) / the bot was kicked (groups): sends get 403."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        self._blocked.discard(chat_id)

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        is_forum: bool | None = None,
        has_topics: bool | None = None,
    ) -> JSONDict:
        """Register a chat (needed with ``strict_chats``); returns its Chat JSON.

        ``is_forum``: a supergroup with topics; ``has_topics``: a private chat with topics
        (Bot API 9.3: a bot with forum topic mode in private chats)."""
        chat = self._ensure_chat(chat_id, chat_type)
        if has_topics is not None and chat["type"] == "private":
            (self._private_topics.add if has_topics else self._private_topics.discard)(chat_id)
        if title is not None and chat["type"] != "private":
            chat["title"] = title
        if username is not None:
            chat["username"] = username
        if first_name is not None and chat["type"] == "private":
            chat["first_name"] = first_name
        if is_forum is not None and chat["type"] == "supergroup":
            chat["is_forum"] = is_forum
        return copy.deepcopy(chat)

    def inject(
        self,
        method: str,
        *,
        status: int | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        drop_connection: bool = False,
        delay: float = 0.0,
        parameters: JSONDict | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (or ``"*"``) fail or stall.

        ``retry_after`` alone means a 429; ``status=502`` answers nginx's HTML page;
        ``drop_connection`` closes the socket without any response; ``delay`` alone just slows
        the call down before it is processed normally.
        """
        if retry_after is not None and status is None:
            status = 429
        if status == 429 and retry_after is None:
            retry_after = 1
        key = "*" if method == "*" else _CANONICAL.get(method.lower(), method)
        self._faults.setdefault(key, deque()).append(
            _Fault(status, description, retry_after, parameters, drop_connection, delay, times)
        )

    # ------------------------------------------------------------------ update builders

    def add_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (``update_id`` assigned if missing) and wake the long poll."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._updates.append(update)
        self._updates.sort(key=lambda u: int(u["update_id"]))
        if self._poll is not None and not self._poll.future.done():
            self._poll.future.set_result(None)
        self._notify()
        return update

    def user(
        self,
        user_id: int,
        *,
        username: str | None = None,
        first_name: str | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """The User JSON for ``user_id`` (remembered, so later updates reuse the name)."""
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
            if language_code:
                user["language_code"] = language_code
            self._users[user_id] = user
        if username is not None:
            user["username"] = username
        if first_name is not None:
            user["first_name"] = first_name
        return copy.deepcopy(user)

    def message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        reply_to: JSONDict | None = None,
        quote: str | None = None,
        message_thread_id: int | None = None,
        title: str | None = None,
        anonymous_admin: bool = False,
    ) -> JSONDict:
        """Queue a ``message`` update from a user, as a Telegram client would produce it.

        Entities (``bot_command`` incl. ``/cmd@bot``, ``mention``, ``hashtag``, ``url``...) are
        detected like Telegram does.  ``chat_type`` defaults from the id: positive -> private,
        ``-100...`` -> supergroup, other negatives -> group.  ``quote``: the part of
        ``reply_to`` the user quoted.  ``anonymous_admin``: sent on behalf of the group, as
        Telegram's anonymous admins do.  Returns the update dict.
        """
        content: JSONDict = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        if quote is not None:
            content["quote"] = {"text": quote, "position": 0}
        return self.user_message(
            chat_id,
            content,
            user_id=user_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            reply_to=reply_to,
            message_thread_id=message_thread_id,
            title=title,
            anonymous_admin=anonymous_admin,
        )

    def user_message(
        self,
        chat_id: int,
        content: JSONDict,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        reply_to: JSONDict | None = None,
        message_thread_id: int | None = None,
        title: str | None = None,
        anonymous_admin: bool = False,
    ) -> JSONDict:
        """Queue a message of any kind (``content``: its text, photo, voice… fields).

        Like Telegram: in a chat with topics a message in a topic has ``message_thread_id`` and
        ``is_topic_message``, and replies to the topic's first message unless it replies to
        another; in a supergroup without topics a reply carries its reply thread's id (which
        names no topic)."""
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 1000 + abs(chat_id) % 1000
        user = self.user(user_id, username=username, first_name=first_name)
        chat = self._ensure_chat(chat_id, chat_type, title=title, user=user)
        msg: JSONDict = {
            "message_id": self._take_message_id(chat_id),
            "from": copy.deepcopy(ANONYMOUS_ADMIN) if anonymous_admin else user,
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if anonymous_admin:
            msg["sender_chat"] = copy.deepcopy(chat)
        self._place(msg, chat, reply_to, message_thread_id)
        msg.update(content)
        self._store(msg, from_bot=False)
        return self.add_update({"message": msg})

    def _place(self, msg: JSONDict, chat: JSONDict, reply_to: JSONDict | None, thread_id: int | None) -> None:
        """Topic, thread and reply fields of a new user message."""
        if thread_id is not None and self._has_topics(chat):
            starter = self.topic(chat["id"], thread_id)
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
            reply_to = reply_to or starter
        elif thread_id is not None:
            msg["message_thread_id"] = thread_id
        elif reply_to is not None and chat["type"] == "supergroup":
            msg["message_thread_id"] = reply_to.get("message_thread_id", reply_to["message_id"])
        if reply_to is not None:
            msg["reply_to_message"] = self._reply_copy(reply_to)

    def topic(self, chat_id: int, thread_id: int, name: str | None = None) -> JSONDict:
        """The first message of a forum topic (``forum_topic_created``), made on first use; its
        message id is the topic's ``message_thread_id``."""
        key = (chat_id, thread_id)
        if key not in self._topics:
            if key in self._messages:
                raise ValueError(f"message {thread_id} exists already: open topic {thread_id} earlier")
            chat = self._ensure_chat(chat_id)
            creator = self.user(1000 + abs(chat_id) % 1000)
            starter: JSONDict = {
                "message_id": thread_id,
                "from": creator,
                "chat": copy.deepcopy(chat),
                "date": int(time.time()),
                "message_thread_id": thread_id,
                "is_topic_message": True,
                "forum_topic_created": {"name": name or f"Topic {thread_id}", "icon_color": 7322096},
            }
            self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), thread_id + 1)
            self._topics[key] = starter
            self._store(starter, from_bot=False)
        return copy.deepcopy(self._topics[key])

    def _has_topics(self, chat: JSONDict) -> bool:
        return bool(chat.get("is_forum")) or chat["id"] in self._private_topics

    def photo(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        file_size: int | None = None,
        media_group_id: str | None = None,
        **where: Any,
    ) -> JSONDict:
        """Queue a user's photo: Telegram offers it in several sizes (90, 320, 800, 1280,
        2560 px on the longest side, never larger than sent), each downloadable through
        ``getFile``; ``file_size`` is the sent size's bytes (smaller sizes in proportion)."""
        sizes = []
        biggest = max(width, height)
        for limit in (90, 320, 800, 1280, 2560):
            scale = min(1.0, limit / biggest)
            stored = self._store_file("photo", data, None, "image/jpeg")
            total = file_size if file_size is not None else len(data)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": max(1, int(total * scale * scale)),
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
            if scale >= 1.0:
                break
        content: JSONDict = {"photo": sizes}
        self._caption(content, caption)
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self.user_message(chat_id, content, **where)

    def document(
        self,
        chat_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        file_size: int | None = None,
        media_group_id: str | None = None,
        **where: Any,
    ) -> JSONDict:
        """Queue a file sent as a document (an image sent "as a file" keeps its bytes and type)."""
        stored = self._store_file("document", data, file_name, mime_type)
        content: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": file_size if file_size is not None else len(data),
            }
        }
        self._caption(content, caption)
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self.user_message(chat_id, content, **where)

    def media(self, chat_id: int, kind: str, *, caption: str | None = None, **where: Any) -> JSONDict:
        """Queue a message of one of the kinds that are neither text nor pictures, shaped as
        Telegram sends them: voice, video_note, video, audio, sticker, animation, location,
        venue, contact, poll, dice."""
        content = copy.deepcopy(_MEDIA[kind])
        for name, body in content.items():
            if isinstance(body, dict) and "file_unique_id" in body:
                stored = self._store_file(name, b"\x00" * 64, None, body.get("mime_type"))
                body.update(file_id=stored.file_id, file_unique_id=stored.file_unique_id)
        if kind == "animation":  # a GIF is also a document to older clients
            content["document"] = {
                k: content["animation"][k] for k in ("file_id", "file_unique_id", "mime_type")
            }
        self._caption(content, caption)
        return self.user_message(chat_id, content, **where)

    def automatic_forward(self, group_id: int, channel_id: int, text: str) -> JSONDict:
        """Queue a linked channel's post as Telegram copies it into the channel's discussion
        group: from the Telegram service account, on behalf of the channel."""
        channel = self._ensure_chat(channel_id, "channel")
        chat = self._ensure_chat(group_id, "supergroup")
        msg: JSONDict = {
            "message_id": self._take_message_id(group_id),
            "from": copy.deepcopy(TELEGRAM_SERVICE),
            "sender_chat": copy.deepcopy(channel),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
            "is_automatic_forward": True,
            "forward_origin": {
                "type": "channel",
                "chat": copy.deepcopy(channel),
                "message_id": self._take_message_id(channel_id),
                "date": int(time.time()),
            },
            "text": text,
        }
        entities = detect_entities(text)
        if entities:
            msg["entities"] = entities
        self._store(msg, from_bot=False)
        return self.add_update({"message": msg})

    def edit(self, chat_id: int, message_id: int, text: str) -> JSONDict:
        """The user edits one of their text messages: Telegram sends ``edited_message``."""
        stored = self._messages[(chat_id, message_id)]
        if stored.from_bot:
            raise ValueError("the bot's messages are edited through editMessageText")
        data = stored.data = copy.deepcopy(stored.data)  # the original update may still be queued
        data["text"] = text
        data.pop("entities", None)
        entities = detect_entities(text)
        if entities:
            data["entities"] = entities
        data["edit_date"] = int(time.time())
        return self.add_update({"edited_message": copy.deepcopy(data)})

    @staticmethod
    def _caption(content: JSONDict, caption: str | None) -> None:
        if caption:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities

    def inline_query(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = "private",
        username: str | None = None,
    ) -> JSONDict:
        """Queue an ``inline_query`` update; its id becomes answerable exactly once."""
        query_id = str(4_000_000_000_000_000 + next(self._ids))
        self._open_inline.add(query_id)
        body: JSONDict = {
            "id": query_id,
            "from": self.user(user_id, username=username),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            body["chat_type"] = chat_type
        return self.add_update({"inline_query": body})

    def callback_query(
        self,
        user_id: int,
        chat_id: int,
        message: JSONDict | int,
        data: str,
        *,
        username: str | None = None,
        expired: bool = False,
    ) -> JSONDict:
        """Queue a ``callback_query`` (a button press on ``message`` or its message_id).

        ``expired``: the tap reaches the bot after Telegram stopped waiting for its answer
        (about 15 s), so ``answerCallbackQuery`` answers "query is too old"."""
        if isinstance(message, int):
            stored = self._messages.get((chat_id, message))
            if stored is None:
                raise KeyError(f"no message {message} in chat {chat_id}")
            message = stored.data
        query_id = str(5_000_000_000_000_000 + next(self._ids))
        if not expired:
            self._open_callbacks.add(query_id)
        body: JSONDict = {
            "id": query_id,
            "from": self.user(user_id, username=username),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(hash((self.bot_id, chat_id))) % 10**18),
            "data": data,
        }
        return self.add_update({"callback_query": body})

    # ------------------------------------------------------------------ inspection

    def sent(self, chat_id: int | None = None, *, include_deleted: bool = False) -> list[JSONDict]:
        """Messages the bot sent (edits applied), oldest first; deleted ones hidden."""
        out = []
        for key in self._order:
            stored = self._messages[key]
            if not stored.from_bot or (stored.deleted and not include_deleted):
                continue
            if chat_id is None or key[0] == chat_id:
                out.append(copy.deepcopy(stored.data))
        return out

    def get_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Any stored message (bot's or user's), or ``None``."""
        stored = self._messages.get((chat_id, message_id))
        return None if stored is None else copy.deepcopy(stored.data)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (case-insensitive name)."""
        name = _CANONICAL.get(method.lower(), method)
        return [c for c in self.calls if c.method == name]

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by an offset."""
        return copy.deepcopy(self._updates)

    @property
    def is_polling(self) -> bool:
        """True while a getUpdates long poll is parked waiting for updates."""
        return self._poll is not None and not self._poll.future.done()

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes of an uploaded file by any of its file_ids."""
        return self.files[file_id].data

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy; re-checked after every call/state change.

        Returns the truthy value.  On timeout raises AssertionError with a call summary so a
        failing end-to-end test says what the bot actually did.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout}s\n{self.summary()}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_messages(
        self,
        chat_id: int,
        n: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[JSONDict]:
        """Wait until the bot has ``n`` (non-deleted) messages in ``chat_id``; return them."""
        return await self.wait_for(lambda: msgs if len(msgs := self.sent(chat_id)) >= n else None, timeout)

    async def wait_for_call(
        self,
        method: str,
        n: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until ``method`` was called ``n`` times; return those calls."""
        return await self.wait_for(
            lambda: calls if len(calls := self.calls_to(method)) >= n else None, timeout
        )

    def summary(self, last: int = 40) -> str:
        """Human-readable digest of recent calls and errors (for assertion messages)."""
        lines = [f"{len(self.calls)} call(s) recorded; last {min(last, len(self.calls))}:"]
        for call in self.calls[-last:]:
            params = {k: v for k, v in call.params.items() if k not in ("reply_markup",)}
            text = json.dumps(params, ensure_ascii=False, default=repr)
            lines.append(f"  {call.method} {text[:200]}")
        if self.errors:
            lines.append("errors answered:")
            lines.extend(f"  {m} -> {code} {desc}" for m, code, desc in self.errors[-20:])
        return "\n".join(lines)

    # ------------------------------------------------------------------ HTTP plumbing

    def _notify(self) -> None:
        """Wake every wait_for() (they re-check their predicates)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
        values: JSONDict = {}
        files: dict[str, Upload] = {}
        for key, val in request.query.items():
            values[key] = _normalize_form_value(key, val)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON encoded request") from None
                if isinstance(body, dict):
                    values.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for name, field_value in form.items():
                    if isinstance(field_value, web.FileField):
                        files[name] = Upload(
                            name, field_value.filename, field_value.content_type, field_value.file.read()
                        )
                    else:
                        values[name] = _normalize_form_value(name, str(field_value))
        return values, files

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def _fault_response(self, method: str, fault: _Fault) -> web.Response:
        status = fault.status or 500
        if status in (502, 504) and fault.description is None:
            title = "502 Bad Gateway" if status == 502 else "504 Gateway Time-out"
            body = BAD_GATEWAY_HTML.replace("502 Bad Gateway", title)
            self.errors.append((method, status, title))
            return web.Response(status=status, text=body, content_type="text/html")
        defaults = {
            400: "Bad Request: injected error",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: CONFLICT_OTHER_POLL,
            429: f"Too Many Requests: retry after {fault.retry_after}",
            500: "Internal Server Error",
        }
        parameters = dict(fault.parameters or {})
        if fault.retry_after is not None:
            parameters["retry_after"] = fault.retry_after
        err = BotAPIError(
            status, fault.description or defaults.get(status, "Internal Server Error"), parameters or None
        )
        self.errors.append((method, err.code, err.description))
        return web.json_response(err.body(), status=err.code)

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = _CANONICAL.get(request.match_info["method"].lower())
        if method is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            values, files = await self._read_params(request)
        except BotAPIError as err:
            return web.json_response(err.body(), status=err.code)
        recorded = dict(values)
        recorded.update(files)
        self.calls.append(Call(method, recorded, self._clock()))
        self._notify()
        try:
            fault = self._take_fault(method)
            if fault is not None:
                if fault.delay > 0:
                    await asyncio.sleep(fault.delay)  # injected latency, not a test sleep
                if fault.drop_connection:
                    self.errors.append((method, 0, "connection dropped"))
                    if request.transport is not None:
                        request.transport.abort()
                    raise web.HTTPServiceUnavailable()  # never reaches the (closed) socket
                if fault.status is not None:
                    return self._fault_response(method, fault)
            handler: Callable[[_Params], Any] = getattr(self, f"_m_{method}")
            try:
                result = await handler(_Params(values, files))
            except BotAPIError as err:
                self.errors.append((method, err.code, err.description))
                return web.json_response(err.body(), status=err.code)
            return web.json_response({"ok": True, "result": result})
        finally:
            self._notify()

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # ------------------------------------------------------------------ chats & messages

    @staticmethod
    def _infer_type(chat_id: int) -> str:
        if chat_id > 0:
            return "private"
        return "supergroup" if chat_id <= -1_000_000_000_000 else "group"

    def _ensure_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        user: JSONDict | None = None,
    ) -> JSONDict:
        chat = self._chats.get(chat_id)
        if chat is None:
            kind = chat_type or self._infer_type(chat_id)
            chat = {"id": chat_id, "type": kind}
            if kind == "private":
                known = user or self._users.get(chat_id)
                chat["first_name"] = known["first_name"] if known else f"User{chat_id}"
                if known and known.get("username"):
                    chat["username"] = known["username"]
            else:
                chat["title"] = title or f"Test {kind} {abs(chat_id)}"
            self._chats[chat_id] = chat
        elif title is not None and chat["type"] != "private":
            chat["title"] = title
        return chat

    def _resolve_chat(self, p: _Params, *, check_access: bool = True) -> JSONDict:
        raw = p.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == raw[1:].lower():
                    return self._check_chat(chat, check_access)
            raise _bad("chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        if chat_id in self._migrated:
            raise BotAPIError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id not in self._chats:
            if self.strict_chats or chat_id == 0:
                raise _bad("chat not found")
            self._ensure_chat(chat_id)
        return self._check_chat(self._chats[chat_id], check_access)

    def _check_chat(self, chat: JSONDict, check_access: bool) -> JSONDict:
        if not check_access:
            return chat
        chat_id = chat["id"]
        kind = chat["type"]
        if chat_id in self._blocked:
            if kind == "private":
                raise BotAPIError(403, "Forbidden: bot was blocked by the user")
            raise BotAPIError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if chat_id in self._left:
            raise BotAPIError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat

    def _take_message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _store(self, msg: JSONDict, *, from_bot: bool) -> None:
        key = (msg["chat"]["id"], msg["message_id"])
        self._messages[key] = _Stored(msg, from_bot)
        self._order.append(key)

    @staticmethod
    def _reply_copy(message: JSONDict) -> JSONDict:
        """Telegram nests replies one level deep only."""
        out = copy.deepcopy(message)
        out.pop("reply_to_message", None)
        return out

    def _flood_check(self, method: str, chat_id: int) -> None:
        if self._flood is None or method not in _FLOOD_METHODS:
            return
        retry_after = self._flood.acquire(chat_id)
        if retry_after is not None:
            self.flood_bans += 1
            self.flood_bans_by_chat[chat_id] += 1
            raise BotAPIError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    def _format(
        self, p: _Params, text_field: str, entities_field: str, limit: int, *, caption: bool
    ) -> tuple[str, list[JSONDict]]:
        """Apply parse_mode / entities, trimming and auto-detection; enforce the length limit."""
        raw = p.get_str(text_field, "") or ""
        parse_mode = (p.get_str("parse_mode", "") or "").strip()
        if parse_mode.lower() == "html":
            try:
                text, entities = parse_telegram_html(raw)
            except TelegramParseError as err:
                raise _bad(f"can't parse entities: {err.detail}") from None
        elif parse_mode.lower() in ("", "none", "markdown", "markdownv2"):
            # Markdown flavours are passed through unparsed (not needed by this project).
            text = raw
            given = p.get_json(entities_field, "entities")
            entities = list(given) if isinstance(given, list) and not parse_mode else []
            for entity in entities:
                if not isinstance(entity, dict) or "type" not in entity:
                    raise _bad("can't parse entities JSON object")
        else:
            raise _bad(f"unsupported parse_mode {parse_mode}")
        text, entities = finalize_text(text, entities)
        if utf16_len(text) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return text, entities

    @staticmethod
    def _check_markup(markup: Any) -> JSONDict | None:
        """Validate reply_markup; return it if Telegram would echo it (inline keyboards)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # reply keyboards / remove / force_reply are accepted, not echoed
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        actions = {
            "url",
            "callback_data",
            "switch_inline_query",
            "login_url",
            "web_app",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "callback_game",
            "pay",
            "copy_text",
        }
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad('can\'t find field "text"')
                if not actions & button.keys():
                    raise _bad("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _bad("BUTTON_DATA_INVALID")
        return {"inline_keyboard": rows} if rows else None

    def _reply_target(self, p: _Params, chat: JSONDict) -> JSONDict | None:
        params = p.get_json("reply_parameters", "ReplyParameters")
        reply_id: int | None
        allow_missing = p.get_bool("allow_sending_without_reply")
        target_chat = chat["id"]
        if isinstance(params, dict):
            reply_id = params.get("message_id")
            allow_missing = bool(params.get("allow_sending_without_reply", allow_missing))
            if params.get("chat_id") is not None:
                with contextlib.suppress(TypeError, ValueError):
                    target_chat = int(params["chat_id"])
        else:
            reply_id = p.get_int("reply_to_message_id")
        if reply_id is None:
            return None
        stored = self._messages.get((target_chat, int(reply_id)))
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return self._reply_copy(stored.data)

    def _send_bot_message(self, p: _Params, method: str, chat: JSONDict, content: JSONDict) -> JSONDict:
        """Validate reply/markup, apply flood control, then store and return the Message."""
        thread_id = self._thread_of(p, chat)
        reply = self._reply_target(p, chat)
        if thread_id is None and reply is not None and reply.get("is_topic_message"):
            thread_id = reply.get("message_thread_id")  # a reply stays in its message's topic
        markup = self._check_markup(p.get_json("reply_markup", "reply keyboard markup"))
        self._flood_check(method, chat["id"])
        msg: JSONDict = {
            "message_id": self._take_message_id(chat["id"]),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update(content)
        if markup is not None:
            msg["reply_markup"] = markup
        self._store(msg, from_bot=True)
        return copy.deepcopy(msg)

    def _thread_of(self, p: _Params, chat: JSONDict) -> int | None:
        """The topic a send goes to; Telegram refuses a thread id where there are no topics
        (a reply thread of a supergroup without topics is no topic either)."""
        thread_id = p.get_int("message_thread_id")
        if thread_id is None:
            return None
        if not self._has_topics(chat) or (chat["id"], thread_id) not in self._topics:
            raise _bad(THREAD_NOT_FOUND)
        return thread_id

    def _find_editable(self, p: _Params, what: str = "edit") -> _Stored:
        chat = self._resolve_chat(p)
        message_id = p.get_int("message_id", required=True)
        assert message_id is not None
        stored = self._messages.get((chat["id"], message_id))
        if stored is None or stored.deleted:
            raise _bad(f"message to {what} not found")
        return stored

    # ------------------------------------------------------------------ files

    def _store_file(self, kind: str, data: bytes, filename: str | None, mime: str | None) -> StoredFile:
        n = next(self._ids)
        prefix = {"photo": "AgACAgIAAxkBAAI", "document": "BQACAgIAAxkBAAI"}.get(kind, "CAACAg")
        ext = ""
        if filename and "." in filename:
            ext = filename.rsplit(".", 1)[1]
        elif mime:
            ext = (mimetypes.guess_extension(mime) or "").lstrip(".")
        folder = "photos" if kind == "photo" else "documents"
        stored = StoredFile(
            file_id=f"{prefix}{n:06d}FakeFileId",
            file_unique_id=f"AQAD{n:06d}",
            data=data,
            kind=kind,
            file_path=f"{folder}/file_{n}{'.' + ext if ext else ''}",
            filename=filename,
            mime_type=mime,
        )
        self.files[stored.file_id] = stored
        return stored

    def _input_file(self, p: _Params, name: str) -> tuple[Upload | None, StoredFile | None]:
        """Resolve a file parameter: multipart upload, attach://, known file_id or URL."""
        if name in p.files:
            return p.files[name], None
        value = p.get_str(name)
        if not value:
            raise _bad(f"there is no {name} in the request")
        if value.startswith("attach://"):
            part = p.files.get(value[len("attach://") :])
            if part is None:
                raise _bad("wrong HTTP URL specified")
            return part, None
        if value in self.files:
            return None, self.files[value]
        if re.match(r"^https?://", value):
            # Telegram would download the URL; the fake records it with no bytes.
            return Upload(name, value.rsplit("/", 1)[-1] or None, "x-fake/url", b""), None
        raise _bad("wrong file identifier/HTTP URL specified")

    # ------------------------------------------------------------------ Bot API methods

    async def _m_getMe(self, p: _Params) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, p: _Params) -> list[JSONDict]:
        if self.webhook_url:
            raise BotAPIError(409, CONFLICT_WEBHOOK_ACTIVE)
        offset = p.get_int("offset", default=0) or 0
        limit = p.get_int("limit", default=100) or 100
        limit = max(1, min(limit, 100))
        timeout = p.get_int("timeout", default=0) or 0
        timeout = max(0, min(timeout, 50))
        allowed = p.get_json("allowed_updates", "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(str(a) for a in allowed) & ALL_UPDATE_TYPES if allowed else DEFAULT_UPDATE_TYPES
            )
        self._confirm(offset)
        updates = self._select(limit)
        if updates or timeout == 0:
            return updates
        if self._poll is not None and not self._poll.future.done():
            # Real server: the *older* parked request is the one terminated.
            self._poll.future.set_exception(BotAPIError(409, CONFLICT_OTHER_POLL))
        poll = _Poll(asyncio.get_running_loop().create_future(), self._clock())
        self._poll = poll
        self._notify()
        try:
            await asyncio.wait_for(poll.future, timeout)
        except TimeoutError:
            pass
        finally:
            if self._poll is poll:
                self._poll = None
        return self._select(limit)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
            if self.confirmed_offset is None or offset > self.confirmed_offset:
                self.confirmed_offset = offset
        elif offset < 0:
            self._updates = self._updates[offset:]
            first = int(self._updates[0]["update_id"]) if self._updates else self._next_update_id
            self.confirmed_offset = first

    def _select(self, limit: int) -> list[JSONDict]:
        def kind(update: JSONDict) -> str:
            return next((k for k in update if k != "update_id"), "")

        self._updates = [u for u in self._updates if kind(u) in self._allowed_updates]
        return copy.deepcopy(self._updates[:limit])

    async def _m_deleteWebhook(self, p: _Params) -> bool:
        self.webhook_url = ""
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setWebhook(self, p: _Params) -> bool:
        url = p.get_str("url", "") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if url and self._poll is not None and not self._poll.future.done():
            self._poll.future.set_exception(BotAPIError(409, CONFLICT_WEBHOOK_SET))
        self.webhook_url = url
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, p: _Params) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        return info

    @staticmethod
    def _commands_key(p: _Params) -> tuple[str, str]:
        scope = p.get_json("scope", "BotCommandScope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), p.get_str("language_code", "") or ""

    async def _m_setMyCommands(self, p: _Params) -> bool:
        commands = p.get_json("commands", "commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(cmd.get("command", "")).removeprefix("/")
            desc = str(cmd.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(desc) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": desc})
        key = self._commands_key(p)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _m_getMyCommands(self, p: _Params) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(p), []))

    async def _m_deleteMyCommands(self, p: _Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _m_sendMessage(self, p: _Params) -> JSONDict:
        chat = self._resolve_chat(p)
        if not p.has("text"):
            raise _bad("message text is empty")
        text, entities = self._format(p, "text", "entities", MAX_TEXT_LENGTH, caption=False)
        if not text:
            raise _bad("message text is empty")
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._send_bot_message(p, "sendMessage", chat, content)

    async def _m_editMessageText(self, p: _Params) -> JSONDict | bool:
        if p.has("inline_message_id") and not p.has("chat_id"):
            if not p.has("text"):
                raise _bad("message text is empty")
            self._format(p, "text", "entities", MAX_TEXT_LENGTH, caption=False)
            return True
        stored = self._find_editable(p)
        if not p.has("text"):
            raise _bad("message text is empty")
        text, entities = self._format(p, "text", "entities", MAX_TEXT_LENGTH, caption=False)
        if not text:
            raise _bad("message text is empty")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        if "text" not in stored.data:
            raise _bad("there is no text in the message to edit")
        markup = self._check_markup(p.get_json("reply_markup", "reply keyboard markup"))
        data = stored.data
        if (
            data.get("text") == text
            and data.get("entities", []) == entities
            and data.get("reply_markup") == markup
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._flood_check("editMessageText", data["chat"]["id"])
        data["text"] = text
        data.pop("entities", None)
        if entities:
            data["entities"] = entities
        data.pop("reply_markup", None)
        if markup is not None:
            data["reply_markup"] = markup
        data["edit_date"] = int(time.time())
        return copy.deepcopy(data)

    async def _m_editMessageCaption(self, p: _Params) -> JSONDict | bool:
        stored = self._find_editable(p)
        caption, entities = self._format(p, "caption", "caption_entities", MAX_CAPTION_LENGTH, caption=True)
        if not stored.from_bot:
            raise _bad("message can't be edited")
        if "text" in stored.data:
            raise _bad("there is no caption in the message to edit")
        markup = self._check_markup(p.get_json("reply_markup", "reply keyboard markup"))
        data = stored.data
        if (
            data.get("caption", "") == caption
            and data.get("caption_entities", []) == entities
            and data.get("reply_markup") == markup
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._flood_check("editMessageCaption", data["chat"]["id"])
        for key in ("caption", "caption_entities", "reply_markup"):
            data.pop(key, None)
        if caption:
            data["caption"] = caption
        if entities:
            data["caption_entities"] = entities
        if markup is not None:
            data["reply_markup"] = markup
        data["edit_date"] = int(time.time())
        return copy.deepcopy(data)

    async def _m_editMessageReplyMarkup(self, p: _Params) -> JSONDict | bool:
        stored = self._find_editable(p)
        if not stored.from_bot:
            raise _bad("message can't be edited")
        markup = self._check_markup(p.get_json("reply_markup", "reply keyboard markup"))
        data = stored.data
        if data.get("reply_markup") == markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._flood_check("editMessageReplyMarkup", data["chat"]["id"])
        data.pop("reply_markup", None)
        if markup is not None:
            data["reply_markup"] = markup
        data["edit_date"] = int(time.time())
        return copy.deepcopy(data)

    async def _m_deleteMessage(self, p: _Params) -> bool:
        stored = self._find_editable(p, "delete")
        stored.deleted = True
        return True

    async def _send_file(self, p: _Params, kind: str) -> JSONDict:
        chat = self._resolve_chat(p)
        upload, existing = self._input_file(p, kind)
        caption, entities = self._format(p, "caption", "caption_entities", MAX_CAPTION_LENGTH, caption=True)
        if upload is not None:
            from_url = upload.content_type == "x-fake/url"
            if not upload.data and not from_url:
                raise _bad("file must be non-empty")
            if kind == "photo":
                if not from_url and _image_size(upload.data) is None:
                    raise _bad("IMAGE_PROCESS_FAILED")
                mime: str | None = "image/jpeg"
            else:
                mime = upload.content_type
                if mime in (None, "application/octet-stream", "x-fake/url") and upload.filename:
                    mime = mimetypes.guess_type(upload.filename)[0]
                if mime == "x-fake/url":
                    mime = None
                mime = mime or "application/octet-stream"
            stored_file = self._store_file(kind, upload.data, upload.filename, mime)
        else:
            assert existing is not None
            stored_file = existing
        content: JSONDict = {}
        if kind == "photo":
            content["photo"] = self._photo_sizes(stored_file)
        else:
            doc: JSONDict = {
                "file_id": stored_file.file_id,
                "file_unique_id": stored_file.file_unique_id,
                "file_size": len(stored_file.data),
            }
            if stored_file.filename:
                doc["file_name"] = stored_file.filename
            if stored_file.mime_type:
                doc["mime_type"] = stored_file.mime_type
            content["document"] = doc
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        msg = self._send_bot_message(p, "sendPhoto" if kind == "photo" else "sendDocument", chat, content)
        if upload is not None:
            self.uploads.append(stored_file)
        return msg

    def _photo_sizes(self, stored: StoredFile) -> list[JSONDict]:
        """Telegram answers several downscaled PhotoSizes; all map to the uploaded bytes."""
        width, height = _image_size(stored.data) or (800, 600)
        biggest = max(width, height, 1)
        sizes: list[JSONDict] = []
        for limit in (90, 320, 800, 1280, 2560):
            scale = min(1.0, limit / biggest)
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            if scale >= 1.0 or limit == 2560:
                file_id, unique = stored.file_id, stored.file_unique_id
                size = len(stored.data)
            else:
                file_id = f"{stored.file_id}_{limit}"
                unique = f"{stored.file_unique_id}_{limit}"
                size = max(1, int(len(stored.data) * scale * scale))
                self.files.setdefault(
                    file_id,
                    StoredFile(
                        file_id,
                        unique,
                        stored.data,
                        stored.kind,
                        f"{stored.file_path}_{limit}",
                        stored.filename,
                        stored.mime_type,
                    ),
                )
            sizes.append(
                {"file_id": file_id, "file_unique_id": unique, "file_size": size, "width": w, "height": h}
            )
            if scale >= 1.0:
                break
        return sizes

    async def _m_sendPhoto(self, p: _Params) -> JSONDict:
        return await self._send_file(p, "photo")

    async def _m_sendDocument(self, p: _Params) -> JSONDict:
        return await self._send_file(p, "document")

    async def _m_getFile(self, p: _Params) -> JSONDict:
        file_id = p.get_str("file_id", "") or ""
        stored = self.files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def _m_sendChatAction(self, p: _Params) -> bool:
        chat = self._resolve_chat(p)
        action = p.get_str("action", "") or ""
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        thread_id = self._thread_of(p, chat)
        self.chat_actions.append((chat["id"], action))
        self.chat_action_threads.append((chat["id"], action, thread_id))
        return True

    async def _m_sendMessageDraft(self, p: _Params) -> bool:
        chat = self._resolve_chat(p)
        if chat["type"] != "private":
            raise _bad("TEXTDRAFT_PEER_INVALID")
        draft_id = p.get_int("draft_id", required=True)
        if not draft_id:
            raise _bad("draft_id must be non-zero")
        self._thread_of(p, chat)
        text, entities = self._format(p, "text", "entities", MAX_TEXT_LENGTH, caption=False)
        self.drafts.append(
            {
                "chat_id": chat["id"],
                "draft_id": draft_id,
                "text": text,
                "entities": entities,
                "message_thread_id": p.get_int("message_thread_id"),
            }
        )
        return True

    async def _m_answerInlineQuery(self, p: _Params) -> bool:
        query_id = p.get_str("inline_query_id", "") or ""
        if query_id not in self._open_inline:
            raise BotAPIError(400, QUERY_TOO_OLD)
        results = p.get_json("results", "results")
        if not isinstance(results, list):
            raise _bad("can't parse results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or "type" not in result or "id" not in result:
                raise _bad("can't parse InlineQueryResult JSON object")
            rid = str(result["id"])
            if not 1 <= len(rid.encode()) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if rid in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(rid)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                sub = _Params(
                    {
                        "text": content["message_text"],
                        "parse_mode": content.get("parse_mode"),
                        "entities": content.get("entities"),
                    },
                    {},
                )
                if not str(content["message_text"]).strip():
                    raise _bad("message text is empty")
                self._format(sub, "text", "entities", MAX_TEXT_LENGTH, caption=False)
        self._open_inline.discard(query_id)
        self.inline_answers[query_id] = {
            "results": results,
            "cache_time": p.get_int("cache_time", default=300),
            "is_personal": p.get_bool("is_personal"),
            "next_offset": p.get_str("next_offset", "") or "",
            "button": p.get_json("button", "InlineQueryResultsButton"),
        }
        return True

    async def _m_answerCallbackQuery(self, p: _Params) -> bool:
        query_id = p.get_str("callback_query_id", "") or ""
        if query_id not in self._open_callbacks:
            raise BotAPIError(400, QUERY_TOO_OLD)
        text = p.get_str("text", "") or ""
        if len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": p.get_bool("show_alert"),
            "url": p.get_str("url"),
            "cache_time": p.get_int("cache_time", default=0),
        }
        return True

    async def _m_leaveChat(self, p: _Params) -> bool:
        chat = self._resolve_chat(p)
        if chat["type"] == "private":
            raise _bad("chat member status can't be changed in private chats")
        self._left.add(chat["id"])
        return True

    async def _m_getChat(self, p: _Params) -> JSONDict:
        chat = self._resolve_chat(p, check_access=False)
        return {
            **copy.deepcopy(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_close(self, p: _Params) -> bool:
        self.closed = True
        return True

    async def _m_logOut(self, p: _Params) -> bool:
        self.logged_out = True
        return True

    async def _m_setMessageReaction(self, p: _Params) -> bool:
        chat = self._resolve_chat(p)
        message_id = p.get_int("message_id", required=True)
        assert message_id is not None
        stored = self._messages.get((chat["id"], message_id))
        if stored is None or stored.deleted:
            raise _bad("message to react not found")
        reaction = p.get_json("reaction", "reaction") or []
        if not isinstance(reaction, list):
            raise _bad("can't parse reaction JSON object")
        if len(reaction) > 1:
            raise _bad("REACTIONS_TOO_MANY")
        for item in reaction:
            if not isinstance(item, dict):
                raise _bad("can't parse ReactionType JSON object")
            if item.get("type") == "emoji" and item.get("emoji") not in REACTION_EMOJI:
                raise _bad("REACTION_INVALID")
        self.reactions[(chat["id"], message_id)] = reaction
        return True
