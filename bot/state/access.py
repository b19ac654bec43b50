"""Who may use the bot: the allow rules, from settings, as plain ids.

Transport-agnostic on purpose (no telegram import): the Telegram gate, the conversation and a
future channel ask the same question with plain ids, and tests check the policy without a
Bot API. `ALLOWED_USER_IDS`, `ALLOWED_CHAT_IDS` and `ADMIN_USER_IDS` decide; both allowlists
empty means open, so a fresh self-hosted bot works before its operator has read any docs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bot.ops.settings import Settings

__all__ = ["AccessPolicy", "Standing"]


class Standing(Enum):
    """What an (user, chat) pair may do. Ordered from most to least."""

    FULL = "full"  # knowledge and LLM answers
    KNOWLEDGE = "knowledge"  # knowledge answers only (a stranger, with KNOWLEDGE_OPEN_TO_ALL)
    NONE = "none"  # nothing: a stranger while knowledge is not open
    LEAVE = "leave"  # a group that is not on ALLOWED_CHAT_IDS: the bot should leave it


@dataclass(frozen=True)
class AccessPolicy:
    """The allow/deny rules, from settings.

    A user is a *member* when listed in `ALLOWED_USER_IDS` or `ADMIN_USER_IDS`, or when the
    chat they write in is listed in `ALLOWED_CHAT_IDS` (allowing a group allows its members;
    a private chat's id is the user's id). When `ALLOWED_CHAT_IDS` is set, groups not on it
    are left; when only `ALLOWED_USER_IDS` is set, groups are fine and only members get LLM
    answers there. A listed group keeps its standing when it becomes a supergroup, under its
    new id (`follow_migration`).
    """

    allowed_users: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()
    knowledge_open_to_all: bool = True
    _migrated_from: dict[int, int] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(
            allowed_users=settings.allowed_user_ids,
            allowed_chats=settings.allowed_chat_ids,
            admins=settings.admin_user_ids,
            knowledge_open_to_all=settings.knowledge_open_to_all,
        )

    @property
    def open(self) -> bool:
        """No allowlist configured: everyone is a member."""
        return not self.allowed_users and not self.allowed_chats

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def follow_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group upgraded to a supergroup gets a new id, and the operator's list still names
        the old one: the new id is listed whenever the old one is. (Telegram: the Bot API's
        `Message.migrate_to_chat_id` / `migrate_from_chat_id` service messages and
        `ResponseParameters.migrate_to_chat_id`, https://core.telegram.org/bots/api#message;
        the upgrade itself, https://core.telegram.org/api/channel#migration.)"""
        self._migrated_from[new_chat_id] = old_chat_id

    def chat_allowed(self, chat_id: int, *, private: bool) -> bool:
        """False only for a group the operator has not listed while listing others."""
        return private or not self.allowed_chats or self._listed(chat_id)

    def is_member(self, user_id: int | None, chat_id: int | None) -> bool:
        if self.open:
            return True
        if user_id is not None and (user_id in self.allowed_users or user_id in self.admins):
            return True
        return chat_id is not None and self._listed(chat_id)

    def _listed(self, chat_id: int) -> bool:
        """On `ALLOWED_CHAT_IDS`, itself or as the group it was before becoming a supergroup."""
        return chat_id in self.allowed_chats or self._migrated_from.get(chat_id) in self.allowed_chats

    def standing(self, user_id: int | None, chat_id: int | None, *, private: bool) -> Standing:
        """What this user may do in this chat (`chat_id` None: inline mode, no chat)."""
        if self.open:
            return Standing.FULL
        if chat_id is not None and not self.chat_allowed(chat_id, private=private):
            return Standing.LEAVE
        if self.is_member(user_id, chat_id):
            return Standing.FULL
        return Standing.KNOWLEDGE if self.knowledge_open_to_all else Standing.NONE
