"""A warm start for the terminal commands: the engine, built once, kept in the cache folder.

`musebot ask` is a process per question, and building the engine (reading and checking the
knowledge base, then indexing it) is most of its start-up. So the built engine is pickled to
the cache folder and read back while nothing it was built from has changed: the knowledge
files, the bot's own files, Python. Reading it back takes a twentieth of building it.

It is an optimisation, never a source of answers that building would not give: the snapshot's
name is a digest of everything it was built from, and anything unexpected (no cache folder, a
read-only disk, an engine that cannot be pickled, a broken or foreign file) means building the
engine as usual. `CACHE_DIR=off` switches it off. The Telegram bot, which starts once, and
`musebot knowledge check`, which must read every file, always build.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import logging
import os
import pickle
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import bot
from bot.answering.engine import Engine
from bot.knowledge import load_knowledge

__all__ = ["engine_for", "snapshot_path"]

_LOG = logging.getLogger(__name__)
_PACKAGE = Path(bot.__file__).resolve().parent


def _digest_files(digest: hashlib._Hash, root: Path, patterns: tuple[str, ...]) -> None:
    for path in sorted(p for pattern in patterns for p in root.rglob(pattern)):
        stat = path.stat()
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())


def _code_digest() -> str:
    """The bot's own files as this process imported them: taken once, at import, so code
    upgraded while a command runs cannot name this process's engine as the new code's."""
    digest = hashlib.sha256()
    try:
        _digest_files(digest, _PACKAGE, ("*.py", "*.yaml", "*.po"))
    except OSError:  # a file gone while hashing: no snapshot this time
        return ""
    return digest.hexdigest()


_CODE = _code_digest()


def engine_for(knowledge_dir: Path, cache_dir: str = "") -> Engine:
    """The engine for `knowledge_dir` (without a language model: set `engine.llm`), from the
    snapshot when there is a fresh one, else built (and a snapshot kept for next time)."""
    try:
        path = snapshot_path(knowledge_dir, cache_dir)
    except (OSError, RuntimeError, KeyError) as exc:  # no home folder, a file gone meanwhile…
        _LOG.debug("No engine snapshot (%s)", exc)
        path = None
    if path is not None and path.is_file():
        try:
            with path.open("rb") as handle:
                engine = pickle.load(handle)  # our own file, named by what it was built from
            if isinstance(engine, Engine) and _answers(engine):
                return engine
        except Exception as exc:  # a broken file is rebuilt, whatever broke it
            _LOG.debug("Engine snapshot %s unreadable (%s); building", path, exc)
    engine = Engine(load_knowledge(knowledge_dir))
    if path is not None:
        _keep(engine, path)
    return engine


def snapshot_path(knowledge_dir: Path, cache_dir: str = "") -> Path | None:
    """Where the snapshot for this knowledge folder, this code and this Python lives (None: off)."""
    if cache_dir.strip().lower() in ("off", "none", "0", "false") or not _CODE:
        return None
    digest = hashlib.sha256(f"{sys.version}|{bot.__version__}|{_CODE}".encode())
    _digest_files(digest, Path(knowledge_dir), ("*.yaml", "*.yml"))
    return _cache_root(cache_dir) / f"engine-{digest.hexdigest()[:24]}.pickle"


def _answers(engine: Engine) -> bool:
    """A snapshot that reads back but cannot answer (a foreign or half-upgraded one) is built
    again rather than trusted."""
    try:
        return bool(engine.lookup("hle score").text)
    except Exception as exc:
        _LOG.debug("Engine snapshot cannot answer (%s); building", exc)
        return False


def _cache_root(cache_dir: str) -> Path:
    if cache_dir.strip():
        return Path(cache_dir).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "musebot"


def _keep(engine: Engine, path: Path) -> None:
    """Write the snapshot (atomically), and drop the ones it replaces."""
    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(engine)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(buffer.getvalue())
        os.replace(partial, path)
        for old in path.parent.glob("engine-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception as exc:  # no snapshot, no harm: the next start builds again
        _LOG.debug("No engine snapshot (%s)", exc)


class _Pickler(pickle.Pickler):
    """Pickles the retriever's in-memory SQLite index as its bytes (`Connection.serialize`)."""

    dispatch_table = copyreg.dispatch_table.copy()


def _restore_connection(data: bytes) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.deserialize(data)
    return connection


def _reduce_connection(
    connection: sqlite3.Connection,
) -> tuple[Callable[[bytes], sqlite3.Connection], tuple[bytes]]:
    return _restore_connection, (connection.serialize(),)


_Pickler.dispatch_table[sqlite3.Connection] = _reduce_connection
