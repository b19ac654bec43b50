"""Pictures people send: which size to fetch, images sent as files, and albums.

Telegram offers a photo in several sizes (up to 2560 px); a model needs far less, so the bot
takes the largest within `MAX_SIDE` and `MAX_BYTES` (a smaller one when that is all there is,
and none when every size is too big). An image sent as a file (a document with an image type a
model can read) is a picture too, taken as it is if it is small enough.

An album arrives as one message per picture, sharing a `media_group_id`, the caption usually on
the first. `Albums` collects them: the first part starts a collection and the others join it,
each handler returning at once (so the chat's queue keeps moving); the album is answered once,
by a background task, when no part has come for `quiet` seconds (at most `longest` after the
first).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Document, Message, PhotoSize
from telegram.ext import filters

from bot.llm import ImagePart

__all__ = ["MAX_BYTES", "MAX_SIDE", "Album", "Albums", "ImageDocument", "Picture", "download", "picture_of"]

MAX_SIDE = 1600  # pixels on the longest side: more than any vision model looks at
MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
MAX_ALBUM = 10  # Telegram's own limit


class ImageDocument(filters.MessageFilter):
    """A file whose type is an image a model can read (not a GIF animation, which is a video)."""

    def filter(self, message: Message) -> bool:
        doc = message.document
        return doc is not None and message.animation is None and (doc.mime_type or "") in IMAGE_TYPES


@dataclass(frozen=True)
class Picture:
    """One picture to fetch: the file, its type, and whether it is within the bounds."""

    file: PhotoSize | Document | None
    mime_type: str = "image/jpeg"

    @property
    def too_large(self) -> bool:
        return self.file is None


def picture_of(message: Message) -> Picture | None:
    """The picture a message carries (its best size), or None if it carries none."""
    if message.photo:
        return Picture(best_size(message.photo))
    doc = message.document
    if doc is not None and (doc.mime_type or "") in IMAGE_TYPES:
        return Picture(doc if (doc.file_size or 0) <= MAX_BYTES else None, doc.mime_type or "image/jpeg")
    return None


def best_size(sizes: Sequence[PhotoSize]) -> PhotoSize | None:
    """The largest size within both bounds; else the smallest within the byte bound; else None."""
    fits = [s for s in sizes if (s.file_size or 0) <= MAX_BYTES]
    within = [s for s in fits if max(s.width, s.height) <= MAX_SIDE]
    if within:
        return max(within, key=lambda s: s.width * s.height)
    return min(fits, key=lambda s: s.width * s.height) if fits else None


async def download(picture: Picture) -> ImagePart:
    assert picture.file is not None
    data = await (await picture.file.get_file()).download_as_bytearray()
    return ImagePart(bytes(data), picture.mime_type)


@dataclass
class Album:
    """The parts of one album so far; `addressed` once any part is meant for the bot."""

    parts: list[Message] = field(default_factory=list)
    addressed: bool = False
    task: asyncio.Task[Any] | None = None
    started: float = field(default_factory=time.monotonic)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, message: Message, *, addressed: bool) -> None:
        if len(self.parts) < MAX_ALBUM:
            self.parts.append(message)
        self.addressed = self.addressed or addressed
        self._arrived.set()

    @property
    def first(self) -> Message:
        """The part that asks: the first with a caption (else simply the first)."""
        parts = sorted(self.parts, key=lambda m: m.message_id)
        return next((m for m in parts if m.caption), parts[0])


class Albums:
    """Albums being collected, by chat and `media_group_id`."""

    def __init__(self, quiet: float = 0.8, longest: float = 3.0) -> None:
        self.quiet, self.longest = quiet, longest
        self._open: dict[tuple[int, str], Album] = {}

    def add(self, message: Message, *, addressed: bool) -> tuple[Album, bool]:
        """Add a part; returns its album and whether this part started it."""
        key = (message.chat_id, message.media_group_id or "")
        album = self._open.get(key)
        started = album is None
        if album is None:
            album = self._open[key] = Album()
        album.add(message, addressed=addressed)
        return album, started

    async def complete(self, album: Album) -> list[Message]:
        """Wait until the album has had no new part for `quiet` seconds (or `longest` has
        passed since its first part); its parts, in order."""
        deadline = album.started + self.longest
        while (left := deadline - time.monotonic()) > 0:
            album._arrived.clear()
            try:
                await asyncio.wait_for(album._arrived.wait(), min(self.quiet, left))
            except TimeoutError:
                break
        for key, found in list(self._open.items()):
            if found is album:
                del self._open[key]
        return sorted(album.parts, key=lambda m: m.message_id)
