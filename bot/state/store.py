"""Persistent state in one SQLite file under `DATA_DIR`: chat history, the inbox of updates, usage.

SQLite because operators should need nothing but Python to run the bot, and because every
operation here is a single indexed row read or write (well under a millisecond), which is
cheap enough to do on the event loop. WAL mode keeps readers and the writer out of each
other's way; every chat's history is keyed by its chat id, so a group's history can never
be read into another chat.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.answering.answer import Turn

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL,
    at REAL NOT NULL,
    language TEXT
);
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY,
    payload TEXT,
    received REAL NOT NULL,
    answered REAL
);
CREATE TABLE IF NOT EXISTS usage (
    subject TEXT NOT NULL,
    window TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (subject, window)
);
CREATE TABLE IF NOT EXISTS chat_settings (
    chat_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (chat_id, name)
);
"""
_KEEP_TURNS = 40
_KEEP_UPDATES = 5000
_PRUNE_EVERY = 500
_MAX_TURN_CHARS = 4000


class Store:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a data folder from an older version up to date (columns are only ever added)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(turns)")}
        if "thread_id" not in columns:  # before history was kept per forum topic
            self._db.execute("ALTER TABLE turns ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0")
        if "language" not in columns:  # before a reply's language was kept with it
            self._db.execute("ALTER TABLE turns ADD COLUMN language TEXT")
        self._db.execute("DROP INDEX IF EXISTS turns_by_chat")
        self._db.execute("CREATE INDEX IF NOT EXISTS turns_by_topic ON turns (chat_id, thread_id, id)")
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "handled_updates" in tables:  # before the inbox kept each update until it was answered
            with self._transaction():
                self._db.execute(
                    "INSERT OR IGNORE INTO inbox (update_id, payload, received, answered) "
                    "SELECT update_id, NULL, at, at FROM handled_updates"
                )
                self._db.execute("DROP TABLE handled_updates")

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Store:
        return cls(Path(data_dir) / "musebot.sqlite3")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing; a failure must not leave the connection inside an open transaction
        (every later write would then fail with "cannot start a transaction within a transaction")."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- conversation memory --------------------------------------------------------------

    def history(self, chat_id: int, *, turns: int, thread_id: int | None = None) -> list[Turn]:
        """The last `turns` exchanges of this chat (or forum topic), 2 rows each, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT role, text, language FROM turns WHERE chat_id = ? AND thread_id = ? "
                "ORDER BY id DESC LIMIT ?",
                (chat_id, thread_id or 0, 2 * max(0, turns)),  # a negative LIMIT means "no limit"
            ).fetchall()
        return [Turn(role, text, language) for role, text, language in reversed(rows)]

    def remember(
        self,
        chat_id: int,
        question: str,
        answer: str,
        *,
        thread_id: int | None = None,
        language: str | None = None,
    ) -> None:
        """Keep one exchange; `language` is the one the answer was written in (how the question
        was read), so a run of short follow-ups is read in it too."""
        now, topic = time.time(), thread_id or 0
        rows = [
            (chat_id, topic, "user", question[:_MAX_TURN_CHARS], now, None),
            (chat_id, topic, "assistant", answer[:_MAX_TURN_CHARS], now, language),
        ]
        with self._lock, self._transaction():
            self._db.executemany(
                "INSERT INTO turns (chat_id, thread_id, role, text, at, language) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.execute(
                "DELETE FROM turns WHERE chat_id = ? AND thread_id = ? AND id NOT IN "
                "(SELECT id FROM turns WHERE chat_id = ? AND thread_id = ? ORDER BY id DESC LIMIT ?)",
                (chat_id, topic, chat_id, topic, _KEEP_TURNS),
            )

    def forget(self, chat_id: int, *, thread_id: int | None = None) -> int:
        """`/reset`: drop this chat's (or topic's) history; returns how many turns were dropped."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM turns WHERE chat_id = ? AND thread_id = ?", (chat_id, thread_id or 0)
            )
        return cursor.rowcount

    def retract(self, chat_id: int, question: str, *, thread_id: int | None = None) -> bool:
        """Take back this chat's (topic's) last exchange if it was about `question` (an edited
        question is answered again: its first version should not stay in the history)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, role, text FROM turns WHERE chat_id = ? AND thread_id = ? ORDER BY id DESC LIMIT 2",
                (chat_id, thread_id or 0),
            ).fetchall()
            if len(rows) < 2 or rows[1][1] != "user" or rows[1][2] != question[:_MAX_TURN_CHARS]:
                return False
            self._db.execute("DELETE FROM turns WHERE id IN (?, ?)", (rows[0][0], rows[1][0]))
        return True

    # -- the inbox: at-least-once handling, exactly-once answering ---------------------------

    def receive_updates(self, updates: Sequence[tuple[int, str | None]], *, at: float | None = None) -> None:
        """Keep updates as they arrive (id, the update's JSON), before Telegram hears they did;
        an update seen before keeps its record. A None payload is an update nobody will answer
        (one that cannot be read): it is kept as answered, so it is never tried again."""
        now = time.time() if at is None else at
        rows = [(uid, payload, now, None if payload is not None else now) for uid, payload in updates]
        if not rows:
            return
        with self._lock, self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, payload, received, answered) VALUES (?, ?, ?, ?)",
                rows,
            )
            newest = max(uid for uid, _ in updates)
            if newest // _PRUNE_EVERY != (newest - len(updates)) // _PRUNE_EVERY:
                self._db.execute(
                    "DELETE FROM inbox WHERE update_id < ? AND answered IS NOT NULL",
                    (newest - _KEEP_UPDATES,),
                )

    def update_state(self, update_id: int) -> tuple[float, float | None] | None:
        """When an update arrived and when it was answered (None: not yet); None if never seen."""
        with self._lock:
            row = self._db.execute(
                "SELECT received, answered FROM inbox WHERE update_id = ?", (update_id,)
            ).fetchone()
        return (float(row[0]), None if row[1] is None else float(row[1])) if row else None

    def mark_answered(self, update_id: int) -> None:
        """Done with an update: it is never answered again, and its text is not kept."""
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO inbox (update_id, payload, received, answered) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT (update_id) DO UPDATE SET payload = NULL, answered = excluded.answered",
                (update_id, now, now),
            )

    def unanswered_updates(self) -> list[tuple[int, str, float]]:
        """Updates received but never answered (the bot stopped, or was killed, in between),
        oldest first: (id, JSON, when received)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT update_id, payload, received FROM inbox "
                "WHERE answered IS NULL AND payload IS NOT NULL ORDER BY update_id"
            ).fetchall()
        return [(int(uid), str(payload), float(at)) for uid, payload, at in rows]

    # -- per-chat settings ----------------------------------------------------------------

    def chat_setting(self, chat_id: int, name: str) -> str | None:
        """A choice a chat made (e.g. `answer_mode`), kept across restarts; None if never made."""
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM chat_settings WHERE chat_id = ? AND name = ?", (chat_id, name)
            ).fetchone()
        return str(row[0]) if row else None

    def set_chat_setting(self, chat_id: int, name: str, value: str | None) -> None:
        """Record a chat's choice; None forgets it (back to the default)."""
        with self._lock:
            if value is None:
                self._db.execute("DELETE FROM chat_settings WHERE chat_id = ? AND name = ?", (chat_id, name))
                return
            self._db.execute(
                "INSERT INTO chat_settings (chat_id, name, value) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id, name) DO UPDATE SET value = excluded.value",
                (chat_id, name, value),
            )

    # -- usage counters -------------------------------------------------------------------

    def add_usage(self, subject: str, window: str, amount: int = 1) -> int:
        """Add to a counter (e.g. subject "user:42", window "day:2026-11-26"); returns the total."""
        with self._lock:
            self._db.execute(
                "INSERT INTO usage (subject, window, count) VALUES (?, ?, ?) "
                "ON CONFLICT (subject, window) DO UPDATE SET count = count + excluded.count",
                (subject, window, amount),
            )
            row = self._db.execute(
                "SELECT count FROM usage WHERE subject = ? AND window = ?", (subject, window)
            ).fetchone()
        return int(row[0])

    def usage(self, subject: str, window: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT count FROM usage WHERE subject = ? AND window = ?", (subject, window)
            ).fetchone()
        return int(row[0]) if row else 0

    def prune_usage(self, keep_windows: set[str]) -> None:
        """Drop counters of windows that have passed."""
        marks = ", ".join("?" * len(keep_windows)) or "''"
        with self._lock:
            self._db.execute(f"DELETE FROM usage WHERE window NOT IN ({marks})", tuple(keep_windows))
