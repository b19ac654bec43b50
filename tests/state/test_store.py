"""The SQLite store: chat history, exactly-once updates, usage counters, and surviving a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.answer import Turn
from bot.state.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store(":memory:")
    yield opened
    opened.close()


def _exchange(n: int) -> tuple[str, str]:
    return f"question {n}", f"answer {n}"


def test_history_is_per_chat_oldest_first(store: Store) -> None:
    store.remember(1, "q1", "a1")
    store.remember(-100, "group question", "group answer")
    store.remember(1, "q2", "a2")
    assert store.history(1, turns=6) == [
        Turn("user", "q1"),
        Turn("assistant", "a1"),
        Turn("user", "q2"),
        Turn("assistant", "a2"),
    ]
    assert store.history(-100, turns=6) == [Turn("user", "group question"), Turn("assistant", "group answer")]
    assert store.history(2, turns=6) == []


def test_history_gives_the_last_n_exchanges(store: Store) -> None:
    for n in range(10):
        store.remember(1, *_exchange(n))
    last_three = store.history(1, turns=3)
    assert [t.text for t in last_three] == [
        "question 7",
        "answer 7",
        "question 8",
        "answer 8",
        "question 9",
        "answer 9",
    ]
    assert [t.role for t in last_three] == ["user", "assistant"] * 3


@pytest.mark.parametrize("turns", [0, -1])
def test_no_turns_asked_means_no_history(store: Store, turns: int) -> None:
    store.remember(1, "q", "a")
    assert store.history(1, turns=turns) == []


def test_old_turns_are_dropped_beyond_the_limit(store: Store) -> None:
    for n in range(50):
        store.remember(1, *_exchange(n))
    store.remember(2, "other chat", "kept")
    kept = store.history(1, turns=1000)
    assert len(kept) == 40, "20 exchanges are kept per chat"
    assert kept[0] == Turn("user", "question 30") and kept[-1] == Turn("assistant", "answer 49")
    assert store.history(2, turns=1000) == [Turn("user", "other chat"), Turn("assistant", "kept")]


def test_very_long_turns_are_trimmed(store: Store) -> None:
    store.remember(1, "q" * 10_000, "a" * 10_000)
    question, answer = store.history(1, turns=1)
    assert len(question.text) == len(answer.text) == 4000


def test_forget_drops_one_chat_only(store: Store) -> None:
    store.remember(1, "q1", "a1")
    store.remember(1, "q2", "a2")
    store.remember(2, "q", "a")
    assert store.forget(1) == 4
    assert store.history(1, turns=6) == []
    assert len(store.history(2, turns=6)) == 2
    assert store.forget(1) == 0
    store.remember(1, "fresh", "start")
    assert store.history(1, turns=6) == [Turn("user", "fresh"), Turn("assistant", "start")]


def test_the_inbox_keeps_updates_until_they_are_answered(store: Store) -> None:
    store.receive_updates([(7, '{"update_id": 7}'), (8, '{"update_id": 8}'), (9, None)])
    assert [uid for uid, _, _ in store.unanswered_updates()] == [7, 8], "9 could not be read"
    store.receive_updates([(7, '{"update_id": 7, "again": true}')])
    assert store.unanswered_updates()[0][1] == '{"update_id": 7}', "the first record is kept"
    store.mark_answered(7)
    assert [uid for uid, _, _ in store.unanswered_updates()] == [8]
    state = store.update_state(7)
    assert state is not None and state[1] is not None
    assert store.update_state(10) is None
    store.mark_answered(10)  # one that arrived another way (a webhook) is remembered too
    assert (found := store.update_state(10)) is not None and found[1] is not None


def test_the_inbox_prunes_old_answered_ids_without_forgetting_recent_ones(store: Store) -> None:
    for start in range(1, 10_001, 100):
        batch = list(range(start, start + 100))
        store.receive_updates([(uid, "{}") for uid in batch])
        for uid in batch:
            store.mark_answered(uid)
    assert store.update_state(9_999) is not None and store.update_state(5_000) is not None
    assert store.update_state(1) is None, "ids far in the past were pruned"


def test_an_old_data_folder_keeps_its_handled_updates(tmp_path: Path) -> None:
    store = Store(
        _old_data_folder(
            tmp_path,
            "CREATE TABLE handled_updates (update_id INTEGER PRIMARY KEY, at REAL NOT NULL)",
            "INSERT INTO handled_updates VALUES (41, 1.0)",
        )
    )
    try:
        state = store.update_state(41)
        assert state is not None and state[1] is not None, "answered before the upgrade"
        assert store.unanswered_updates() == []
    finally:
        store.close()


def test_retract_takes_back_only_the_exchange_it_names(store: Store) -> None:
    store.remember(1, "wht is hle", "HLE is …", thread_id=5)
    assert not store.retract(1, "something else", thread_id=5)
    assert not store.retract(1, "wht is hle"), "another topic"
    assert store.retract(1, "wht is hle", thread_id=5)
    assert store.history(1, turns=6, thread_id=5) == []


def test_usage_counters_add_up_per_subject_and_window(store: Store) -> None:
    assert store.usage("user:1", "day:2026-11-26") == 0
    assert store.add_usage("user:1", "day:2026-11-26") == 1
    assert store.add_usage("user:1", "day:2026-11-26", 3) == 4
    assert store.add_usage("user:2", "day:2026-11-26") == 1
    assert store.add_usage("user:1", "day:2026-11-27") == 1
    assert store.usage("user:1", "day:2026-11-26") == 4


def test_prune_usage_keeps_only_current_windows(store: Store) -> None:
    store.add_usage("user:1", "day:2026-11-25")
    store.add_usage("user:1", "day:2026-11-26")
    store.add_usage("user:1", "month:2026-11")
    store.prune_usage({"day:2026-11-26", "month:2026-11"})
    assert store.usage("user:1", "day:2026-11-25") == 0
    assert store.usage("user:1", "day:2026-11-26") == 1
    assert store.usage("user:1", "month:2026-11") == 1
    store.prune_usage(set())
    assert store.usage("user:1", "month:2026-11") == 0


def test_everything_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "musebot.sqlite3"
    first = Store(path)
    first.remember(1, "q1", "a1")
    first.remember(-5, "gq", "ga")
    first.receive_updates([(42, "{}")])
    first.add_usage("user:1", "day:2026-11-26", 2)
    first.close()

    again = Store(path)
    try:
        assert again.history(1, turns=6) == [Turn("user", "q1"), Turn("assistant", "a1")]
        assert again.history(-5, turns=6) == [Turn("user", "gq"), Turn("assistant", "ga")]
        assert [uid for uid, _, _ in again.unanswered_updates()] == [42]
        assert again.usage("user:1", "day:2026-11-26") == 2
        again.remember(1, "q2", "a2")
        assert [t.text for t in again.history(1, turns=6)] == ["q1", "a1", "q2", "a2"]
    finally:
        again.close()


def test_in_data_dir_uses_one_file_there(tmp_path: Path) -> None:
    store = Store.in_data_dir(tmp_path / "data")
    try:
        store.remember(1, "q", "a")
    finally:
        store.close()
    assert (tmp_path / "data" / "musebot.sqlite3").is_file()


def test_a_failed_write_leaves_the_store_usable(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    try:
        with pytest.raises(sqlite3.Error):
            store.remember(object(), "q", "a")  # type: ignore[arg-type]  # fails inside the transaction
        store.remember(1, "q", "a")
        assert store.history(1, turns=1) == [Turn("user", "q"), Turn("assistant", "a")]
    finally:
        store.close()


def test_an_old_history_without_languages_is_read_and_kept(tmp_path: Path) -> None:
    store = Store(
        _old_data_folder(
            tmp_path,
            "CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, "
            "thread_id INTEGER NOT NULL DEFAULT 0, role TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL)",
            "INSERT INTO turns (chat_id, role, text, at) VALUES (1, 'user', 'cuándo salió', 1.0)",
            "INSERT INTO turns (chat_id, role, text, at) VALUES (1, 'assistant', 'El 8 de abril', 1.0)",
        )
    )
    try:
        store.remember(1, "y quién lo hizo", "Meta Superintelligence Labs", language="es")
        history = store.history(1, turns=5)
        assert [(t.text, t.language) for t in history if t.role == "assistant"] == [
            ("El 8 de abril", None),
            ("Meta Superintelligence Labs", "es"),
        ]
    finally:
        store.close()


def _old_data_folder(tmp_path: Path, *statements: str) -> Path:
    """A state file as an older version left it: the tables and rows `statements` make."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path
