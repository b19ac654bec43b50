"""Each update answered once, even when Telegram sends it again.

The update offset is confirmed to Telegram only by the next `getUpdates` (and on a clean stop),
so after a crash the last batch arrives again. `skip_repeats` runs before every handler and
stops an update whose id the store has already seen.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.channels.telegram.context import Context

__all__ = ["skip_repeats", "update_kind"]

_LOG = logging.getLogger(__name__)


async def skip_repeats(update: Update, context: Context) -> None:
    """After a crash Telegram sends the unconfirmed updates again: answer each one once."""
    conversation = context.services.conversation
    if not conversation.store.first_time(update.update_id):
        _LOG.info("Update %s was handled before a restart; skipping it", update.update_id)
        raise ApplicationHandlerStop
    conversation.metrics.updates.labels(update_kind(update)).inc()


def update_kind(update: Update) -> str:
    """The metrics label of an update: message, photo, callback_query, inline_query, other."""
    if update.inline_query:
        return "inline_query"
    if update.callback_query:
        return "callback_query"
    if update.effective_message and update.effective_message.photo:
        return "photo"
    return "message" if update.effective_message else "other"
