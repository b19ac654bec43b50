"""The knowledge base: the bundled folder loads and agrees with its source; a broken folder
fails with the file and the reason, the way an operator editing `KNOWLEDGE_DIR` would see it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.knowledge.translated import figures_in
from tests.eval.figures import figures
from tests.knowledge.folder import BENCHMARKS, ENTRIES, MODELS, write_kb
from tests.seed import REPO, seed_text

KNOWLEDGE_DIR = REPO / "knowledge"

# ------------------------------------------------------------------------------ bundled knowledge


def test_bundled_knowledge_loads_with_everything_the_bot_talks_about(kb: KnowledgeBase) -> None:
    counts = kb.counts()
    assert counts["models"] >= 5 and counts["benchmarks"] >= 5 and counts["entries"] >= 30
    assert counts["scores"] == sum(len(b.scores) for b in kb.benchmarks.values())
    assert {"muse-spark", "gpt-5.4", "gpt-5.4-pro", "gemini-3.1-pro", "claude-opus-4.6"} <= set(kb.models)
    assert {"hle", "healthbench-hard", "arc-agi-2", "terminal-bench-2"} <= set(kb.benchmarks)
    assert kb.as_of == dt.date(2026, 4, 8)


def test_every_score_names_a_known_model_and_source(kb: KnowledgeBase) -> None:
    for bench in kb.benchmarks.values():
        assert bench.source in kb.sources, bench.id
        assert bench.scores, f"{bench.id} has no scores"
        for score in bench.scores:
            assert score.model in kb.models, f"{bench.id}: {score.model}"
            assert score.source in kb.sources, f"{bench.id}/{score.model}: {score.source}"


def test_every_model_entry_and_unknown_names_a_known_source(kb: KnowledgeBase) -> None:
    items = [*kb.models.values(), *kb.entries.values(), *kb.unknowns.values()]
    missing = [f"{i.id} → {i.source}" for i in items if i.source not in kb.sources]
    assert not missing


def _strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every text value in a parsed YAML document, with a dotted path to find it."""
    if isinstance(node, str):
        return [(path, node)]
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _strings(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [pair for i, v in enumerate(node) for pair in _strings(v, f"{path}.{i}")]
    return []


@pytest.mark.needs_seed
def test_every_figure_in_the_knowledge_files_is_in_the_seed_article(kb: KnowledgeBase) -> None:
    known = figures(seed_text())
    stray = []
    for path in sorted(KNOWLEDGE_DIR.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = path.stem if path.parent.name == "translations" else None
        for where, text in _strings(data):
            if where.endswith(".from"):
                continue  # a translation's fingerprint, not a figure
            # Translations: digits only, in the language's decimals (number words are English-only).
            found = set(figures_in(text, language)) if language else figures(text)
            extra = found - known
            if extra:
                stray.append(f"{path.name}{where}: {sorted(extra)} in {text[:80]!r}")
    for bench in kb.benchmarks.values():
        for s in bench.scores:
            shown = bench.format_value(s.value).lstrip("#")
            if shown not in known:
                stray.append(f"{bench.id}/{s.model}: {shown}")
    assert not stray, "figures the seed article does not give:\n" + "\n".join(stray)


@pytest.mark.needs_seed
def test_every_as_of_date_is_the_date_the_seed_article_gives(kb: KnowledgeBase) -> None:
    text = seed_text()
    dates = {s.as_of for s in kb.sources.values()} | {e.as_of for e in kb.entries.values()}
    for d in dates:
        assert f"{d:%B} {d.day}, {d.year}" in text, d


# ------------------------------------------------------------------------------- broken folders


def test_the_small_valid_folder_loads(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path))
    assert kb.counts() == {
        "sources": 1,
        "models": 2,
        "benchmarks": 1,
        "scores": 2,
        "entries": 1,
        "unknowns": 0,
        "entities": 0,
    }


def _error(root: Path) -> str:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    return str(info.value)


def test_missing_required_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    broken = MODELS.replace("    vendor: OpenAI\n", "")
    message = _error(write_kb(tmp_path, models=broken))
    assert str(tmp_path / "models.yaml") in message
    assert "models.1.vendor" in message and "required" in message.lower()


def test_wrong_type_names_the_file_the_field_and_the_expected_type(tmp_path: Path) -> None:
    broken = BENCHMARKS.replace("value: 43.9", "value: high")
    message = _error(write_kb(tmp_path, benchmarks=broken))
    assert str(tmp_path / "benchmarks.yaml") in message
    assert "benchmarks.0.scores.1.value" in message and "number" in message


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    message = _error(write_kb(tmp_path, entries__release="entries:\n  - id: [unclosed\n"))
    assert str(tmp_path / "entries" / "release.yaml") in message
    assert "YAML" in message


def test_unexpected_top_level_key_names_the_file_and_the_allowed_keys(tmp_path: Path) -> None:
    message = _error(write_kb(tmp_path, models=MODELS.replace("models:", "modles:", 1)))
    assert str(tmp_path / "models.yaml") in message
    assert "models" in message and "benchmarks" in message


def test_unknown_field_is_rejected_not_ignored(tmp_path: Path) -> None:
    broken = MODELS.replace("    family: GPT\n", "    family: GPT\n    vendr: OpenAI\n")
    message = _error(write_kb(tmp_path, models=broken))
    assert str(tmp_path / "models.yaml") in message and "vendr" in message


def test_duplicate_id_in_one_file_names_the_file_and_the_id(tmp_path: Path) -> None:
    broken = MODELS.replace("id: gpt", "id: spark")
    message = _error(write_kb(tmp_path, models=broken))
    assert str(tmp_path / "models.yaml") in message
    assert "duplicate" in message and "'spark'" in message


def test_duplicate_id_across_files_names_the_second_file(tmp_path: Path) -> None:
    message = _error(write_kb(tmp_path, entries__zz_again=ENTRIES))
    assert str(tmp_path / "entries" / "zz_again.yaml") in message
    assert "duplicate" in message and "'release'" in message


def test_duplicate_entry_message_is_plain_english(tmp_path: Path) -> None:
    message = _error(write_kb(tmp_path, entries__zz_again=ENTRIES))
    assert "duplicate entry id 'release'" in message


def test_two_scores_for_one_model_are_rejected(tmp_path: Path) -> None:
    broken = BENCHMARKS.replace("model: gpt", "model: spark")
    message = _error(write_kb(tmp_path, benchmarks=broken))
    assert str(tmp_path / "benchmarks.yaml") in message and "more than one score for spark" in message


def test_score_for_an_unknown_model_says_which_benchmark_and_model(tmp_path: Path) -> None:
    broken = BENCHMARKS.replace("model: gpt", "model: gpt-9")
    message = _error(write_kb(tmp_path, benchmarks=broken))
    assert "benchmark 'hle' refers to unknown model 'gpt-9'" in message


def test_alias_naming_two_models_says_which_alias_and_models(tmp_path: Path) -> None:
    broken = MODELS.replace("    family: GPT\n", '    family: GPT\n    aliases: ["Muse"]\n')
    message = _error(write_kb(tmp_path, models=broken))
    assert "alias 'muse' names both 'spark' and 'gpt'" in message


@pytest.mark.parametrize(
    ("name", "old", "new", "file"),
    [
        ("benchmarks", "model: gpt", "model: gpt-9", "benchmarks.yaml"),
        ("models", "    family: GPT\n", '    family: GPT\n    aliases: ["Muse"]\n', "models.yaml"),
        ("entries__release", "source: seed", "source: nowhere", "entries/release.yaml"),
    ],
    ids=["score-for-unknown-model", "alias-for-two-models", "entry-with-unknown-source"],
)
def test_reference_errors_name_the_file(tmp_path: Path, name: str, old: str, new: str, file: str) -> None:
    originals = {"benchmarks": BENCHMARKS, "models": MODELS, "entries__release": ENTRIES}
    message = _error(write_kb(tmp_path, **{name: originals[name].replace(old, new)}))
    assert str(tmp_path / file) in message


def test_missing_folder_and_empty_folder_are_reported(tmp_path: Path) -> None:
    assert "not found" in _error(tmp_path / "nope")
    assert "no .yaml files" in _error(tmp_path)
