"""Who gets in: the access gate, run before every answering handler, right after the inbox's
repeat guard (the policy is `bot.state.access`).

Members pass; a stranger may still pass for knowledge answers (`KNOWLEDGE_OPEN_TO_ALL`; the
conversation then keeps the model from them); otherwise a stranger gets one polite line in
private (at most once a day, so a persistent stranger cannot make the bot talk) and silence in
groups; a group that is not on `ALLOWED_CHAT_IDS` is left at once, with a log line that tells
the operator how to allow it.

A group upgraded to a supergroup changes its id while the operator's list still names the old
one. Telegram says so with a service message in each chat (`migrate_to_chat_id` in the old
group, `migrate_from_chat_id` in the new supergroup: https://core.telegram.org/bots/api#message);
the gate tells the policy before it looks at the chat, and keeps the old id in the store, so the
supergroup stays allowed after a restart too.
"""

from __future__ import annotations

import logging

from telegram import Chat, ChatMemberUpdated, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.channels.telegram import delivery
from bot.channels.telegram.context import Context, Services
from bot.channels.telegram.delivery import Target
from bot.channels.telegram.parse import asker_of
from bot.i18n import speaker
from bot.state.access import Standing

__all__ = ["gate"]

_LOG = logging.getLogger(__name__)
_PRESENT = frozenset({"member", "administrator", "creator", "restricted"})
_MIGRATED_FROM = "migrated_from"  # the chat setting: the group a supergroup was before


async def gate(update: object, context: Context) -> None:
    """Let members (and, for knowledge, strangers if allowed) through; stop everything else."""
    if not isinstance(update, Update):
        return
    services = context.services
    policy = services.conversation.policy
    if policy.open:
        return
    _note_migration(update.effective_message, services)
    chat, user = update.effective_chat, update.effective_user
    if update.my_chat_member is not None:
        await _on_membership(update.my_chat_member, context)
        return
    private = chat is None or chat.type == Chat.PRIVATE
    standing = policy.standing(user.id if user else None, chat.id if chat else None, private=private)
    if standing is Standing.LEAVE and chat is not None and _recall_migration(chat.id, services):
        standing = policy.standing(user.id if user else None, chat.id, private=private)
    if standing is Standing.LEAVE and chat is not None:
        await _leave(chat, context, added_by=None)
        raise ApplicationHandlerStop
    if standing is Standing.NONE:
        message = update.message
        if private and chat and user and message and _first_today(services, user.id):
            _LOG.info("Told user %s that the bot is private (once a day at most)", user.id)
            say = speaker(services.conversation.language_for(asker_of(message)))
            await delivery.send_text(Target.for_message(message), say(texts.STRANGER, user_id=user.id))
        raise ApplicationHandlerStop


def _first_today(services: Services, user_id: int) -> bool:
    return services.conversation.quotas.first_today("stranger", user_id)


def _note_migration(message: Message | None, services: Services) -> None:
    """A migration service message: the new id is allowed wherever the old one is, from now on."""
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    _LOG.info("Group %s is now supergroup %s; it keeps its access", old, new)
    services.conversation.policy.follow_migration(old, new)
    services.conversation.store.set_chat_setting(new, _MIGRATED_FROM, str(old))


def _recall_migration(chat_id: int, services: Services) -> bool:
    """Whether a chat about to be left was an allowed group before a restart made the policy
    forget (the store remembers)."""
    old = services.conversation.store.chat_setting(chat_id, _MIGRATED_FROM)
    if old is None:
        return False
    policy = services.conversation.policy
    policy.follow_migration(int(old), chat_id)
    return policy.chat_allowed(chat_id, private=False)


async def _on_membership(change: ChatMemberUpdated, context: Context) -> None:
    """Added to a group that is not allowed: leave before anyone asks anything."""
    chat = change.chat
    services = context.services
    if chat.type == Chat.PRIVATE or change.new_chat_member.status not in _PRESENT:
        services.left_chats.discard(chat.id)
        return
    allowed = services.conversation.policy.chat_allowed(chat.id, private=False)
    if not allowed and not _recall_migration(chat.id, services):
        await _leave(chat, context, added_by=change.from_user.id)
        raise ApplicationHandlerStop


async def _leave(chat: Chat, context: Context, *, added_by: int | None) -> None:
    left = context.services.left_chats
    if chat.id in left:
        return
    left.add(chat.id)
    by = f", added by user {added_by}" if added_by is not None else ""
    _LOG.warning(
        "Leaving %s %s (%r)%s: it is not in ALLOWED_CHAT_IDS. To allow it, add %s there.",
        chat.type,
        chat.id,
        chat.title,
        by,
        chat.id,
    )
    try:
        await context.bot.leave_chat(chat.id)
    except Forbidden as exc:
        _LOG.info("Already out of chat %s: %s", chat.id, exc.message)
    except TelegramError as exc:
        left.discard(chat.id)  # try again on its next message
        _LOG.warning("Could not leave chat %s: %s", chat.id, exc.message)
