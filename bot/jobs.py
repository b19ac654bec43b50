"""Answers being worked on in the background, at most one per conversation, so they can be stopped.

A contemplation takes a while. A channel that handles a chat's messages in order (Telegram
does) must not wait for it, or `/cancel` could never get through; so the channel runs it as a
task of its own (python-telegram-bot's `Application.create_task`, so failures reach the error
handler) and registers it here. `/cancel` and a stopping bot then find it by conversation key.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot import texts

Key = tuple[int, int]


@dataclass
class _Job:
    task: asyncio.Task[None]
    owner: int | None
    reason: str = texts.CANCELLED


class Jobs:
    """The background answers running now, keyed by conversation (chat, topic)."""

    def __init__(self) -> None:
        self._jobs: dict[Key, _Job] = {}

    def running(self, key: Key) -> bool:
        job = self._jobs.get(key)
        return job is not None and not job.task.done()

    def owner(self, key: Key) -> int | None:
        job = self._jobs.get(key)
        return job.owner if job is not None else None

    def reason(self, key: Key) -> str:
        """Why the job was stopped (the sentence to show), `CANCELLED` unless said otherwise."""
        job = self._jobs.get(key)
        return job.reason if job is not None else texts.CANCELLED

    def add(self, key: Key, owner: int | None, task: asyncio.Task[None]) -> None:
        self._jobs[key] = _Job(task, owner)
        task.add_done_callback(lambda done: self._forget(key, done))

    def cancel(self, key: Key, reason: str = texts.CANCELLED) -> bool:
        job = self._jobs.get(key)
        if job is None or job.task.done():
            return False
        job.reason = reason
        job.task.cancel()
        return True

    async def cancel_all(self, reason: str = texts.STOPPED) -> None:
        """Cancel every job and wait until each has tidied up."""
        tasks = [job.task for key, job in list(self._jobs.items()) if self.cancel(key, reason)]
        await asyncio.gather(*tasks, return_exceptions=True)

    async def wait_all(self) -> None:
        """Wait for every job to end, however it ends."""
        await asyncio.gather(*(job.task for job in list(self._jobs.values())), return_exceptions=True)

    def _forget(self, key: Key, task: asyncio.Task[None]) -> None:
        job = self._jobs.get(key)
        if job is not None and job.task is task:
            del self._jobs[key]
