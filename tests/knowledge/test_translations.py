"""Translations of the knowledge base: a Spanish asker reads the curated Spanish text; a
translation that states another figure never loads; one whose English changed since shows the
English until it is redone, and `musebot knowledge check` says so."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.conversation import Asker, Conversation, Question
from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.loader import default_knowledge_dir
from bot.knowledge.translated import fingerprint
from bot.state.store import Store
from tests.knowledge.folder import ENTRIES, write_kb

ASKED = ENTRIES + '    questions: ["when was muse released"]\n'
CURRENT = fingerprint("Release date", "Released on April 8, 2026.", "")


def _spanish(
    answer: str = "Salió el 8 de abril de 2026.", source: str = CURRENT, ident: str = "release"
) -> str:
    return f"""
translations:
  language: es
  entries:
    - id: {ident}
      from: {source}
      title: Fecha de lanzamiento
      answer: {answer}
      questions: ["cuando salio muse"]
"""


def _ask(root: Path, text: str) -> str:
    async def run() -> str:
        conversation = Conversation(Engine(load_knowledge(root)), Store(":memory:"))
        asker = Asker(chat_id=1, user_id=1, channel="test")
        return await (await conversation.turn(Question(text, asker))).text()

    return asyncio.run(run())


def test_a_spanish_question_gets_the_curated_spanish_text(tmp_path: Path) -> None:
    root = write_kb(tmp_path, entries__release=ASKED, translations__es=_spanish())
    assert "Salió el 8 de abril de 2026" in _ask(root, "cuando salio muse")
    assert "Released on April 8, 2026" in _ask(root, "when was muse released")


def test_a_translation_stating_another_figure_does_not_load(tmp_path: Path) -> None:
    root = write_kb(
        tmp_path, entries__release=ASKED, translations__es=_spanish(answer="Salió el 9 de abril de 2026.")
    )
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    assert "es.yaml" in str(info.value) and "'release'" in str(info.value)


def test_a_translation_of_an_entry_that_does_not_exist_does_not_load(tmp_path: Path) -> None:
    root = write_kb(tmp_path, entries__release=ASKED, translations__es=_spanish(ident="relase"))
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    assert "'relase'" in str(info.value)


def test_a_stale_translation_shows_the_english_and_is_reported(tmp_path: Path) -> None:
    root = write_kb(tmp_path, entries__release=ASKED, translations__es=_spanish(source="0123456789"))
    reply = _ask(root, "cuando salio muse")
    assert "Released on April 8, 2026" in reply and "Salió" not in reply
    done = subprocess.run(
        [sys.executable, "-m", "bot", "knowledge", "check"],
        env={"KNOWLEDGE_DIR": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "es: 0/2 translated" in done.stdout  # the stale entry and the untranslated benchmark
    assert "shown in English until translated: 2" in done.stdout


def test_a_figure_right_after_a_model_name_is_a_figure_not_a_version() -> None:
    from bot.knowledge.translated import figures_in

    text = "Muse Spark 52 frente a Claude Opus 4.6 53 en el Index v4.0; GPT-5.4 57; ARC-AGI 2 42,8"
    assert figures_in(text, "es") == ["52", "53", "57", "42.8"]


def test_a_translated_note_stating_another_figure_does_not_load(tmp_path: Path) -> None:
    """A benchmark's translated remark ("top 5") is checked like every other translated figure."""
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    spanish = root / "translations" / "es.yaml"
    text = spanish.read_text(encoding="utf-8")
    assert "en el top 5 mundial" in text
    spanish.write_text(text.replace("en el top 5 mundial", "en el top 3 mundial"), encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    assert "es.yaml" in str(info.value) and "'aa-index-v4'" in str(info.value)
