"""The terminal commands' warm start: the engine from its snapshot while nothing it was built
from has changed, built afresh otherwise, and never a different answer."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
import yaml

from bot import warmstart
from bot.answering.engine import Engine
from bot.knowledge import default_knowledge_dir
from bot.warmstart import engine_for, snapshot_path

EVAL_SETS = Path(__file__).parent / "eval" / "sets"


def _questions() -> list[str]:
    """Every kind of question: figures, comparisons, prose found by full-text search (which a
    snapshot of an unwritten index would miss), in every language."""
    found = ["what did muse spark score on hle", "spark vs gpt 5.4", "how many users will get spark"]
    for name in ("en-dev", "es-dev", "pt-dev", "id-dev", "hi-dev"):
        data = yaml.safe_load((EVAL_SETS / f"{name}.yaml").read_text(encoding="utf-8"))
        found += [q["q"] for q in data["questions"]][:40]
    return found


QUESTIONS = _questions()


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), folder)
    return folder


def _answers(engine: Engine) -> list[str]:
    return [engine.lookup(q).markdown() for q in QUESTIONS]


def test_the_second_start_reads_the_snapshot_and_answers_the_same(
    knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "cache")
    built = engine_for(knowledge, cache)
    path = snapshot_path(knowledge, cache)
    assert path is not None and path.is_file()
    monkeypatch.setattr("bot.warmstart.load_knowledge", _must_not_build)
    warm = engine_for(knowledge, cache)
    assert warm is not built and _answers(warm) == _answers(built)


def test_a_changed_knowledge_file_means_a_new_build(knowledge: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    engine_for(knowledge, cache)
    first = snapshot_path(knowledge, cache)
    models = knowledge / "models.yaml"
    models.write_text(models.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stat = models.stat()
    os.utime(models, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = snapshot_path(knowledge, cache)
    assert second != first
    engine_for(knowledge, cache)
    assert second is not None and second.is_file()
    assert first is not None and not first.exists(), "the stale snapshot is removed"


def test_a_broken_snapshot_is_rebuilt(knowledge: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    path = snapshot_path(knowledge, cache)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    engine = engine_for(knowledge, cache)
    assert "50.2" in engine.lookup(QUESTIONS[0]).markdown()
    assert path.read_bytes() != b"not a pickle"


def test_a_snapshot_that_reads_back_but_cannot_answer_is_rebuilt(knowledge: Path, tmp_path: Path) -> None:
    """What a process that imported the old code leaves when the code is upgraded under it."""
    cache = str(tmp_path / "cache")
    path = snapshot_path(knowledge, cache)
    assert path is not None
    half_upgraded = engine_for(knowledge, cache)
    del half_upgraded.parser._references  # an attribute the new code expects
    buffer = io.BytesIO()
    warmstart._Pickler(buffer).dump(half_upgraded)  # as the snapshot writer does
    path.write_bytes(buffer.getvalue())
    engine = engine_for(knowledge, cache)
    assert "50.2" in engine.lookup(QUESTIONS[0]).markdown()


def test_off_builds_every_time_and_keeps_nothing(knowledge: Path) -> None:
    assert snapshot_path(knowledge, "off") is None
    assert "50.2" in engine_for(knowledge, "off").lookup(QUESTIONS[0]).markdown()


def _must_not_build(*_: object) -> None:
    raise AssertionError("built although a fresh snapshot was there")
