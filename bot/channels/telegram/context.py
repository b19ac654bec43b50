"""What every handler sees, typed: `context.services`, built once, before the bot starts.

python-telegram-bot builds a `CallbackContext` per update; `Context` adds `services`, read from
the `MuseApplication` that carries them, so handlers stay plain functions with no string keys
into `bot_data` and no lazily built state.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.answering.charts import ChartCache
from bot.channels.telegram.edits import Shown
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.live import StreamPolicy
from bot.channels.telegram.pictures import Albums
from bot.contemplation import Draft
from bot.conversation import Conversation
from bot.ops.settings import Settings

__all__ = ["App", "Context", "DraftShelf", "MuseApplication", "Services"]

_KEEP_DRAFT_SETS = 50


class DraftShelf:
    """The drafts behind recent "Show drafts" buttons, by (chat, status message); the oldest
    go first, so a busy bot's memory stays flat. A tap on a button whose drafts are gone is
    told so."""

    def __init__(self, size: int = _KEEP_DRAFT_SETS) -> None:
        self._sets: OrderedDict[tuple[int, int], tuple[tuple[Draft, ...], bool]] = OrderedDict()
        self._size = size

    def keep(self, chat_id: int, message_id: int, drafts: tuple[Draft, ...]) -> None:
        self._sets[(chat_id, message_id)] = (drafts, False)
        while len(self._sets) > self._size:
            self._sets.popitem(last=False)

    def take(self, chat_id: int, message_id: int) -> tuple[tuple[Draft, ...], bool] | None:
        """The drafts and whether this is the first tap (later taps are told they are shown),
        or None when they are gone."""
        found = self._sets.get((chat_id, message_id))
        if found is None:
            return None
        drafts, shown = found
        self._sets[(chat_id, message_id)] = (drafts, True)
        return drafts, not shown


@dataclass
class Services:
    """The running bot's parts: the conversation (engine, store, policy, quotas), settings,
    how often live messages may change, the chart cache, the inbox of updates, albums being
    collected, what was shown for recent questions (to edit it in place), and chat bookkeeping."""

    conversation: Conversation
    settings: Settings
    policy: StreamPolicy = field(default_factory=StreamPolicy)
    charts: ChartCache = field(default_factory=ChartCache)
    drafts: DraftShelf = field(default_factory=DraftShelf)
    albums: Albums = field(default_factory=Albums)
    shown: Shown = field(default_factory=Shown)
    left_chats: set[int] = field(default_factory=set)
    exit_code: int = 0
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.conversation)


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of Muse Bot's handlers."""

    @property
    def services(self) -> Services:
        app = self.application
        if not isinstance(app, MuseApplication):  # pragma: no cover - wiring error
            raise TypeError("Muse Bot handlers need the MuseApplication from build_application")
        return app.services


App: TypeAlias = Application[
    ExtBot[None], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[Context] | None
]


class MuseApplication(App):
    """python-telegram-bot's Application, carrying the services (see `ApplicationBuilder.application_class`)."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def initialize(self) -> None:
        """…and queue what the last run received but never answered (see `inbox`)."""
        first = not self._initialized
        await super().initialize()
        if first:
            await self.services.inbox.recover(self)

    async def process_update(self, update: object) -> None:
        """…then mark the update answered (unless a background task still answers it)."""
        try:
            await super().process_update(update)
        finally:
            self.services.inbox.finish(update)

    async def stop(self) -> None:
        """Cancel running contemplations first: `Application.stop` waits for every task made
        with `create_task`, and a contemplation would otherwise run to its end (or timeout)
        while the bot is stopping. Their status lines say why they stopped."""
        await self.services.conversation.jobs.cancel_all()
        await super().stop()
