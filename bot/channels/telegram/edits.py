"""Editing an answer in place when its question is edited.

People fix a typo in their question a few seconds after sending it. When the edit comes within
`WINDOW` seconds of the answer, and nobody else has written in that chat (topic) since the
question — as far as the bot can see: in groups with privacy mode on it sees only messages
meant for it — the answer's messages are edited to the new answer instead of a second answer
being posted below. Otherwise the edit is left alone (it is no new question).

`Shown` remembers, in memory and for recent questions only, which messages answered which
question; `note` sees every new message, so it knows who spoke since.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.ext import CallbackContext

from bot.channels.telegram.delivery import Target, topic_of

__all__ = ["WINDOW", "Answered", "Shown"]

WINDOW = 300.0  # seconds after the answer during which an edited question is answered in place
_KEEP_ANSWERS = 500
_KEEP_RECENT = 50  # messages remembered per chat (topic), to tell whether anyone else spoke


@dataclass(frozen=True)
class Answered:
    """The messages that answered one question: text (in order) and charts."""

    question: str
    texts: tuple[int, ...]
    charts: tuple[int, ...]
    at: float


class Shown:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._answers: OrderedDict[tuple[int, int], Answered] = OrderedDict()
        self._recent: dict[tuple[int, int], deque[tuple[int, int | None]]] = {}

    async def note(self, update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
        """A handler that sees every update first: who wrote what, where (edits are no new
        messages)."""
        message = update.message
        if message is None:
            return
        recent = self._recent.setdefault(_where(message), deque(maxlen=_KEEP_RECENT))
        recent.append((message.message_id, _sender(message)))

    def answered(self, message: Message, question: str, target: Target) -> None:
        """What went to `target` answered `message`, which asked `question`."""
        texts = tuple(dict.fromkeys(target.texts))
        if not texts:
            return
        key = (message.chat_id, message.message_id)
        self._answers[key] = Answered(question, texts, tuple(target.charts), self._clock())
        self._answers.move_to_end(key)
        while len(self._answers) > _KEEP_ANSWERS:
            self._answers.popitem(last=False)

    def editable(self, message: Message) -> Answered | None:
        """What answered this (edited) message, if it may be edited in place now."""
        found = self._answers.get((message.chat_id, message.message_id))
        if found is None or self._clock() - found.at > WINDOW:
            return None
        recent = self._recent.get(_where(message), deque())
        if not recent or recent[0][0] > message.message_id:
            return None  # too much has been said since to know
        asker = _sender(message)
        if any(mid > message.message_id and who != asker for mid, who in recent):
            return None
        return found


def _where(message: Message) -> tuple[int, int]:
    return (message.chat_id, topic_of(message) or 0)


def _sender(message: Message) -> int | None:
    if message.sender_chat is not None:
        return message.sender_chat.id
    return message.from_user.id if message.from_user is not None else None
