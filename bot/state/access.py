"""Who may use the bot: the allow rules, from settings, as plain ids.

Transport-agnostic on purpose (no telegram import): the Telegram gate, the conversation and a
future channel ask the same question with plain ids, and tests check the policy without a
Bot API. `ALLOWED_USER_IDS`, `ALLOWED_CHAT_IDS` and `ADMIN_USER_IDS` decide; both allowlists
empty means open, so a fresh self-hosted bot works before its operator has read any docs.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    answers there.
    """

    allowed_users: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()
    knowledge_open_to_all: bool = True

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

    def chat_allowed(self, chat_id: int, *, private: bool) -> bool:
        """False only for a group the operator has not listed while listing others."""
        return private or not self.allowed_chats or chat_id in self.allowed_chats

    def is_member(self, user_id: int | None, chat_id: int | None) -> bool:
        if self.open:
            return True
        if user_id is not None and (user_id in self.allowed_users or user_id in self.admins):
            return True
        return chat_id is not None and chat_id in self.allowed_chats

    def standing(self, user_id: int | None, chat_id: int | None, *, private: bool) -> Standing:
        """What this user may do in this chat (`chat_id` None: inline mode, no chat)."""
        if self.open:
            return Standing.FULL
        if chat_id is not None and not self.chat_allowed(chat_id, private=private):
            return Standing.LEAVE
        if self.is_member(user_id, chat_id):
            return Standing.FULL
        return Standing.KNOWLEDGE if self.knowledge_open_to_all else Standing.NONE
