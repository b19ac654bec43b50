"""The words a turn is made of: who asks (`Asker`), what (`Question`), and what comes back
(`Reply`, with its `Button`s); and the one rule for over-long input (`clip_question`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from bot import texts
from bot.answering.answer import Answer
from bot.contemplation import Draft, Progress
from bot.i18n import Speaker, speaker
from bot.llm import ImagePart

__all__ = ["Asker", "Button", "Clipped", "ProgressCallback", "Question", "Reply", "clip_question"]

ProgressCallback = Callable[[Progress], Awaitable[None]]


@dataclass(frozen=True)
class Asker:
    """Who asks, and where, as plain ids: the conversation never sees a channel's objects.

    `user_id` is whose quota a model answer spends: the person, or for a message sent on behalf
    of a chat (Telegram's anonymous group admins) that chat's id. `thread_id` is a forum topic:
    history and running work are kept per topic.
    """

    chat_id: int
    user_id: int | None = None
    private: bool = True
    thread_id: int | None = None
    channel: str = "terminal"
    language: str | None = None  # the client's language code (Telegram's `language_code`), a hint

    @property
    def key(self) -> tuple[int, int]:
        """What history, modes and running contemplations are kept under."""
        return (self.chat_id, self.thread_id or 0)

    @property
    def spender(self) -> int:
        return self.user_id if self.user_id is not None else self.chat_id


@dataclass(frozen=True)
class Question:
    """One message to answer. `force` is `/ask` (the model) or `/contemplate` (the agents).

    `images` are pictures for a model that sees them; `unseen` counts pictures that came with
    the message but were not fetched, since nothing here can look at them (the words are then
    answered, with a note that the picture was not looked at). `own` is the asker's own words
    when `text` also holds a message they replied to: the reply's language is read from them
    ("@bot ¿es cierto?" under a Hindi claim is Spanish)."""

    text: str
    asker: Asker
    images: tuple[ImagePart, ...] = ()
    force: Literal["model", "contemplate"] | None = None
    unseen: int = 0
    own: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", readable(self.text))


@dataclass(frozen=True)
class Button:
    """A button under an answer; `data` is what a tap sends back (e.g. `ask:0`)."""

    label: str
    data: str


@dataclass
class Reply:
    """What one turn gives a channel to show.

    `notices` come first (e.g. "I read only the first 2,000 characters"). For an instant reply
    `answer` is complete. For a streamed one, `stream()` yields the text as it is written (once);
    when it ends, `answer.text` is the final text — which is what the channel must show last.
    """

    answer: Answer
    notices: list[str] = field(default_factory=list)
    buttons: tuple[Button, ...] = ()
    contemplation: bool = False
    drafts: tuple[Draft, ...] = ()
    _pieces: Callable[[ProgressCallback | None], AsyncIterator[str]] | None = None

    @property
    def streamed(self) -> bool:
        return self._pieces is not None

    async def stream(self, on_progress: ProgressCallback | None = None) -> AsyncIterator[str]:
        """The answer's text as it is written; `on_progress` hears a contemplation's progress."""
        if self._pieces is None:
            return
        pieces, self._pieces = self._pieces, None
        async for piece in pieces(on_progress):
            yield piece

    async def text(self) -> str:
        """Consume the stream quietly (for `musebot ask --json`); the final text."""
        async for _ in self.stream():
            pass
        return self.answer.text


@dataclass(frozen=True)
class Clipped:
    text: str
    notice: str = ""

    @property
    def cut(self) -> bool:
        return bool(self.notice)


def readable(text: str) -> str:
    """Text every part of the bot can store and send. Bytes that were not UTF-8 reach Python as
    lone surrogates (a Latin-1 terminal typing "café", a broken pipe); SQLite and Telegram
    refuse those. They are read as Windows-1252, which is what such bytes almost always are,
    and anything still unreadable becomes U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = _NOT_A_BYTE.sub("\ufffd", text).encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "musebot-cp1252")


#: Surrogates that do not stand for an undecodable byte (those are U+DC80..U+DCFF).
_NOT_A_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return chunk.decode("cp1252", "replace"), error.end


codecs.register_error("musebot-cp1252", _cp1252)


def clip_question(text: str, limit: int, say: Speaker | None = None) -> Clipped:
    """Cut an over-long question (what the model is sent, what history stores) with a notice,
    so a pasted book neither costs a fortune nor silently loses its end."""
    if limit <= 0 or len(text) <= limit:
        return Clipped(text)
    say = say or speaker("en")
    notice = say(texts.CLIPPED, length=say.number(len(text), 0), limit=say.number(limit, 0))
    return Clipped(text[:limit], notice)
