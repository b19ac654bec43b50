"""The Telegram side of access control and LLM quotas (the policy itself is `bot.access`).

- `gate` runs before every other handler (handler group -2, ahead of `skip_repeats`): members
  pass; a stranger may still pass for knowledge answers (`KNOWLEDGE_OPEN_TO_ALL`); otherwise
  a stranger gets one polite line in private (at most once a day, so a persistent stranger
  cannot make the bot talk) and silence in groups; a group that is not on `ALLOWED_CHAT_IDS`
  is left at once, with a log line that tells the operator how to allow it.
- `admit_llm` is called by the handlers right before an answer would go to the LLM: it spends
  quota, or answers with a friendly message that says when the limit resets.
- `/usage` shows people their own counters.

Everything is kept in `bot_data["access"]`, built on first use from the settings and store in
`bot_data["services"]`, so `register(app)` can be called from `handlers.register` without
changing `build_application`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from telegram import Chat, ChatMemberUpdated, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, TypeHandler

from bot.access import (
    DEFAULT_MAX_QUESTION_CHARS,
    NOT_ALLOWED_LLM,
    STRANGER_NOTE,
    AccessPolicy,
    Clock,
    Limits,
    Quotas,
    Standing,
    clip_question,
)
from bot.settings import Settings
from bot.store import Store
from bot.telegram.delivery import Target, send_text

__all__ = [
    "ACCESS_KEY",
    "USAGE_COMMAND",
    "Access",
    "admit_llm",
    "clip_input",
    "current_access",
    "gate",
    "on_usage",
    "register",
]

_LOG = logging.getLogger(__name__)
ACCESS_KEY = "access"
GATE_GROUP = -2
USAGE_COMMAND = ("usage", "how many language-model questions you have left")
_PRESENT = frozenset({"member", "administrator", "creator", "restricted"})


@dataclass
class Access:
    """Policy, quotas and the input limit for one running bot."""

    policy: AccessPolicy
    quotas: Quotas
    max_question_chars: int = DEFAULT_MAX_QUESTION_CHARS
    left_chats: set[int] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: Settings, store: Store, *, clock: Clock = time.time) -> Access:
        policy = AccessPolicy.from_settings(settings)
        quotas = Quotas(store, Limits.from_settings(settings), exempt=policy.admins, clock=clock)
        limit = settings.max_question_chars
        return cls(policy, quotas, limit)


def current_access(context: ContextTypes.DEFAULT_TYPE) -> Access:
    """This bot's `Access`, built from its services the first time it is needed."""
    bot_data = context.application.bot_data
    found = bot_data.get(ACCESS_KEY)
    if not isinstance(found, Access):
        services = bot_data["services"]
        found = Access.from_settings(services.settings, services.store)
        bot_data[ACCESS_KEY] = found
    return found


# -- the gate -------------------------------------------------------------------------------


async def gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let members (and, for knowledge, strangers if allowed) through; stop everything else."""
    if not isinstance(update, Update):
        return
    acc = current_access(context)
    if acc.policy.open:
        return
    chat, user = update.effective_chat, update.effective_user
    if update.my_chat_member is not None:
        await _on_membership(update.my_chat_member, context, acc)
        return
    private = chat is None or chat.type == Chat.PRIVATE
    standing = acc.policy.standing(user.id if user else None, chat.id if chat else None, private=private)
    if standing is Standing.LEAVE and chat is not None:
        await _leave(chat, context, acc, added_by=None)
        raise ApplicationHandlerStop
    if standing is Standing.NONE:
        in_private = private and chat is not None and update.message is not None
        if in_private and chat and user and acc.quotas.first_today("stranger", user.id):
            _LOG.info("Told user %s that the bot is private (once a day at most)", user.id)
            await send_text(Target(context.bot, chat.id), STRANGER_NOTE.format(user_id=user.id))
        raise ApplicationHandlerStop


async def _on_membership(change: ChatMemberUpdated, context: ContextTypes.DEFAULT_TYPE, acc: Access) -> None:
    """Added to a group that is not allowed: leave before anyone asks anything."""
    chat = change.chat
    if chat.type == Chat.PRIVATE or change.new_chat_member.status not in _PRESENT:
        acc.left_chats.discard(chat.id)
        return
    if not acc.policy.chat_allowed(chat.id, private=False):
        await _leave(chat, context, acc, added_by=change.from_user.id)
        raise ApplicationHandlerStop


async def _leave(
    chat: Chat, context: ContextTypes.DEFAULT_TYPE, acc: Access, *, added_by: int | None
) -> None:
    if chat.id in acc.left_chats:
        return
    acc.left_chats.add(chat.id)
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
        acc.left_chats.discard(chat.id)  # try again on its next message
        _LOG.warning("Could not leave chat %s: %s", chat.id, exc.message)


# -- the LLM gate ---------------------------------------------------------------------------


async def admit_llm(update: Update | Message, context: ContextTypes.DEFAULT_TYPE, cost: int = 1) -> bool:
    """True if this question may go to the LLM (and its `cost` has been charged).

    Otherwise the asker has already been answered: why not (knowledge-only strangers), or
    which limit was reached and when it resets. Call it after the engine has chosen the LLM
    and before the stream is consumed, so knowledge answers are never charged.
    """
    message = update if isinstance(update, Message) else update.effective_message
    if message is None:
        return False
    user = message.from_user if isinstance(update, Message) else update.effective_user
    chat = message.chat
    user_id = user.id if user is not None else chat.id
    private = chat.type == Chat.PRIVATE
    acc = current_access(context)
    target = Target.for_message(message)
    if acc.policy.standing(user_id, chat.id, private=private) is not Standing.FULL:
        await send_text(target, NOT_ALLOWED_LLM)
        return False
    decision = acc.quotas.spend(user_id, chat.id, group=not private, cost=cost)
    if not decision:
        _LOG.info("LLM limit %s reached by user %s in chat %s", decision.reason, user_id, chat.id)
        await send_text(target, decision.message)
        return False
    return True


async def clip_input(message: Message, question: str, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The question cut to `MAX_QUESTION_CHARS`, telling the asker when it was cut."""
    clipped = clip_question(question, current_access(context).max_question_chars)
    if clipped.cut:
        await send_text(Target.for_message(message), clipped.notice)
    return clipped.text


# -- /usage ---------------------------------------------------------------------------------


async def on_usage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/usage`: your own LLM counters and limits (and the group's, asked in a group)."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    acc = current_access(context)
    chat = message.chat
    user_id = user.id if user is not None else chat.id
    private = chat.type == Chat.PRIVATE
    if acc.policy.standing(user_id, chat.id, private=private) is not Standing.FULL:
        text = NOT_ALLOWED_LLM
    else:
        report = acc.quotas.report(user_id, chat.id, group=not private)
        text = report.markdown(acc.quotas.now())
    await send_text(Target.for_message(message), text)


def register(app: Application, access: Access | None = None) -> None:  # type: ignore[type-arg]
    """The gate ahead of every handler, and `/usage`. `access` overrides the settings (tests)."""
    if access is not None:
        app.bot_data[ACCESS_KEY] = access
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
    app.add_handler(CommandHandler(USAGE_COMMAND[0], on_usage))
