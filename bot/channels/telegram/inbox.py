"""Every update handled at least once and answered exactly once, whatever Telegram or a crash does.

Telegram forgets an update once the next `getUpdates` confirms its offset, and python-telegram-bot
polls again as soon as it has queued a batch, long before the answers are out. So the inbox keeps
each update in the store as it arrives — in `PollRequest`, before python-telegram-bot even reads
the batch, so before anything can be confirmed — and marks it answered when its handling is
done (for a contemplation or an album, when the background task that answers it is). On the
next start, `recover` queues what was never answered; one received more than `STALE_AFTER` ago
gets a short note instead of a late answer. Telegram may also send an update again (the last
batch after a crash): `skip_repeats`, the first handler of all, lets each update through once.

An update python-telegram-bot cannot read (Telegram adds fields and message kinds every few
months) would fail the whole batch, and the library would fetch the same batch again and again
while nobody is answered. `PollRequest` replaces such an update by its bare id, so the offset
moves on, and logs it once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext
from telegram.request import HTTPXRequest

from bot import texts
from bot.channels.telegram import delivery
from bot.channels.telegram.delivery import Target
from bot.channels.telegram.parse import asker_of
from bot.conversation import Conversation
from bot.i18n import speaker
from bot.ops.health import Health
from bot.state.store import Store

__all__ = ["STALE_AFTER", "Claim", "Inbox", "PollRequest", "update_kind"]

_LOG = logging.getLogger(__name__)
STALE_AFTER = 300.0  # seconds: older than this, an interrupted question gets a note, not an answer


class Claim(Enum):
    NEW = "new"  # answer it
    REPEAT = "repeat"  # answered already, or being answered: skip it
    STALE = "stale"  # left unanswered by a crash long ago: say so instead
    UNREADABLE = "unreadable"  # what remains of an update the library could not read


class Inbox:
    """The record of updates: kept when they arrive, marked when they are answered."""

    def __init__(self, conversation: Conversation, clock: Callable[[], float] = time.time) -> None:
        self._conversation = conversation
        self._clock = clock
        self._started = clock()
        self._claimed: dict[int, Update] = {}
        self._held: set[int] = set()
        self._unreadable: set[int] = set()

    # -- arriving ----------------------------------------------------------------------------

    def arrived(self, payload: bytes) -> bytes:
        """A `getUpdates` answer, on its way to python-telegram-bot: each update kept in the
        store, and each one the library cannot read replaced by its bare id."""
        try:
            body = json.loads(payload)
        except ValueError:
            return payload  # not JSON: python-telegram-bot reports it as a network error
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list) or not result:
            return payload
        rows: list[tuple[int, str | None]] = []
        kept: list[Any] = []
        for raw in result:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                _LOG.warning("Dropped an update without an id from Telegram: %.200r", raw)
                continue
            problem = _unreadable(raw)
            if problem is None:
                rows.append((update_id, json.dumps(raw, ensure_ascii=False)))
                kept.append(raw)
                continue
            if self.store.update_state(update_id) is None:
                kinds = ", ".join(sorted(k for k in raw if k != "update_id"))
                _LOG.warning(
                    "Skipped update %s (%s): python-telegram-bot cannot read it (%s)",
                    update_id,
                    kinds,
                    problem,
                )
            self._unreadable.add(update_id)
            rows.append((update_id, None))
            kept.append({"update_id": update_id})
        self.store.receive_updates(rows)
        if len(kept) == len(result) and all(a is b for a, b in zip(kept, result, strict=True)):
            return payload
        return json.dumps({**body, "result": kept}).encode()

    async def recover(self, app: Application[Any, Any, Any, Any, Any, Any]) -> int:
        """Queue the updates the last run received but never answered; returns how many."""
        pending = self.store.unanswered_updates()
        for update_id, payload, _ in pending:
            try:
                update = Update.de_json(json.loads(payload), app.bot)
            except Exception as exc:
                _LOG.warning("Could not finish update %s from the last run: %s", update_id, exc)
                self.store.mark_answered(update_id)
                continue
            await app.update_queue.put(update)
        if pending:
            _LOG.info("Finishing %d update(s) left unanswered when the bot last stopped", len(pending))
        return len(pending)

    # -- handling ----------------------------------------------------------------------------

    def claim(self, update: Update) -> Claim:
        """Whether this update is to be answered now (and by this delivery of it)."""
        update_id = update.update_id
        if update_id in self._unreadable:
            return Claim.UNREADABLE
        owner = self._claimed.get(update_id)
        if owner is not None:
            return Claim.NEW if owner is update else Claim.REPEAT
        state = self.store.update_state(update_id)
        if state is None:  # it came another way than polling (a webhook): keep it now
            self.store.receive_updates([(update_id, json.dumps(update.to_dict(), ensure_ascii=False))])
        elif state[1] is not None:
            return Claim.REPEAT
        self._claimed[update_id] = update
        if state is not None and state[0] < self._started and self._clock() - state[0] > STALE_AFTER:
            return Claim.STALE
        return Claim.NEW

    def hold(self, update: Update | None, task: asyncio.Task[Any]) -> None:
        """This update is answered by `task` (a contemplation, an album): answered when it ends."""
        if update is None:
            return
        update_id = update.update_id
        self._held.add(update_id)
        task.add_done_callback(lambda _: self._release(update_id))

    def finish(self, update: object) -> None:
        """The handlers are done with this update: answered, unless a task still answers it or
        another delivery of it is the one being answered."""
        if not isinstance(update, Update) or update.update_id in self._held:
            return
        update_id = update.update_id
        owner = self._claimed.get(update_id)
        if owner is not None and owner is not update:
            return
        self._claimed.pop(update_id, None)
        if update_id not in self._unreadable:
            self.store.mark_answered(update_id)

    def _release(self, update_id: int) -> None:
        self._held.discard(update_id)
        self._claimed.pop(update_id, None)
        self.store.mark_answered(update_id)

    async def skip_repeats(self, update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
        """The first handler of all: each update once; a stale one gets its note."""
        claim = self.claim(update)
        if claim is Claim.NEW:
            self._conversation.metrics.updates.labels(update_kind(update)).inc()
            return
        if claim is Claim.REPEAT:
            _LOG.info("Update %s was handled before; skipping it", update.update_id)
        elif claim is Claim.STALE:
            _LOG.info("Update %s was left unanswered too long ago; telling the asker", update.update_id)
            await self._say_interrupted(update)
        raise ApplicationHandlerStop

    async def _say_interrupted(self, update: Update) -> None:
        message = update.message
        if message is None:  # a late button tap or inline query: nobody waits for it any more
            return
        language = self._conversation.language_for(asker_of(message))
        await delivery.send_text(Target.for_message(message), speaker(language)(texts.INTERRUPTED))

    @property
    def store(self) -> Store:
        return self._conversation.store


class PollRequest(HTTPXRequest):
    """The request object of `getUpdates`: a 200 is what "last successful poll" means, and
    every batch passes through the inbox before python-telegram-bot reads it."""

    def __init__(self, health: Health, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._health = health
        self._inbox = inbox

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == 200:
            self._health.polled()
            if url.rsplit("/", 1)[-1].lower() == "getupdates":
                payload = self._inbox.arrived(payload)
        return code, payload


def _unreadable(raw: dict[str, Any]) -> str | None:
    """Why python-telegram-bot cannot read this update, or None if it can."""
    try:
        Update.de_json(raw, None)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def update_kind(update: Update) -> str:
    """The metrics label of an update: message, photo, callback_query, inline_query, other."""
    if update.inline_query:
        return "inline_query"
    if update.callback_query:
        return "callback_query"
    if update.effective_message and update.effective_message.photo:
        return "photo"
    return "message" if update.effective_message else "other"
