"""What a Telegram message says, as the conversation's plain words: who asks (`asker_of`), what
(`question_text`), and whether it is meant for the bot (`AddressedToBot`).

"@bot" as a reply to someone else's message asks about that message: the question is the
replied-to text (or the part the user quoted), then " — " and the words written with the
mention ("@bot is this right?" under "spark got 76.5 on arc agi" reads "spark got 76.5 on arc agi
— is this right?", so the claim is checked). The replied-to text comes first because it holds
what is asked about; the extra words only steer. A reply to the bot's own message is a
follow-up instead: the chat's history gives it its context.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.ext import filters

from bot.channels.telegram.delivery import topic_of
from bot.conversation import Asker

__all__ = [
    "AddressedToBot",
    "InAlbum",
    "addressed",
    "asker_of",
    "command_for_bot",
    "question_text",
    "replied_text",
    "words_beside_reply",
]


class AddressedToBot(filters.MessageFilter):
    """In a group: a reply to one of the bot's messages, or an @mention of the bot."""

    def filter(self, message: Message) -> bool:
        return addressed(message)


class InAlbum(filters.MessageFilter):
    """A part of an album (photos sent together share a `media_group_id`)."""

    def filter(self, message: Message) -> bool:
        return message.media_group_id is not None


def addressed(message: Message) -> bool:
    """Private chats always; in groups a reply to the bot or an @mention of it."""
    if message.chat.type == "private":
        return True
    bot = message.get_bot()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    return _mentions_bot(message, bot.username, bot.id)


def command_for_bot(message: Message) -> bool:
    """A command (`/name` at the start) that is not another bot's (`/name@otherbot`)."""
    entities = message.entities
    if not entities or entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset != 0:
        return False
    command = message.parse_entity(entities[0])
    _, _, username = command.partition("@")
    return not username or username.lower() == message.get_bot().username.lower()


def _mentions_bot(message: Message, username: str, bot_id: int) -> bool:
    """An @mention in the text, or in a photo's caption."""
    wanted = f"@{username}".lower()
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    for entity, text in found.items():
        if entity.type == MessageEntity.MENTION and text.lower() == wanted:
            return True
        if entity.user is not None and entity.user.id == bot_id:
            return True
    return False


def own_words(message: Message) -> str:
    """The message without the bot's @mention, which is addressing, not part of the question."""
    text = message.text or message.caption or ""
    username = message.get_bot().username
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


def replied_text(message: Message) -> str:
    """What a reply asks about: the quoted part, else the text of the replied-to message, when
    that is someone else's (not the bot's, and not a forum topic's first message, which every
    message in a topic replies to)."""
    replied = message.reply_to_message
    if replied is not None:
        sender = replied.from_user
        if replied.forum_topic_created is not None or (
            sender is not None and sender.id == message.get_bot().id
        ):
            return ""
    if message.quote is not None and message.quote.text.strip():
        return message.quote.text.strip()
    return (replied.text or replied.caption or "").strip() if replied is not None else ""


def question_text(message: Message) -> str:
    """The question a message asks: its own words, after what it replies to (see the module)."""
    words, replied = own_words(message), replied_text(message)
    if replied and words:
        return f"{replied} — {words}"
    return replied or words


def words_beside_reply(message: Message) -> str | None:
    """The asker's own words when the question also holds someone else's message (None when it
    does not): the language of the answer is read from these."""
    return own_words(message) if replied_text(message) else None


def asker_of(message: Message) -> Asker:
    """Who asks: a message sent on behalf of a chat (anonymous group admins, a linked channel)
    spends that chat's quota, not the one shared placeholder user's; the language is the
    Telegram client's."""
    user, sender = message.from_user, message.sender_chat
    return Asker(
        chat_id=message.chat_id,
        user_id=sender.id if sender is not None else (user.id if user is not None else None),
        private=message.chat.type == "private",
        thread_id=topic_of(message),
        channel="telegram",
        language=user.language_code if user is not None and sender is None else None,
    )
