"""Checking translations against the English knowledge base: fingerprints (current, stale,
missing) and figures (a translation must state exactly the English item's figures)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.knowledge.schema import Benchmark, Entry, KnowledgeBase, KnowledgeError, Model, Unknown
from bot.knowledge.translated import (
    EntryText,
    Item,
    Kind,
    ModelText,
    TranslationFile,
    Translations,
    UnknownText,
    figures_in,
    fingerprint,
)

__all__ = ["KINDS", "check_translations", "english_fields", "figure_problem", "originals", "skeleton"]


def item_fields(item: Item) -> list[str]:
    """The prose fields of a translated item whose figures must match the English ones."""
    if isinstance(item, EntryText):
        return [item.title, item.answer, item.detail]
    if isinstance(item, UnknownText):
        return [item.answer]
    if isinstance(item, ModelText):
        return [item.description]
    return [item.measures, *item.notes.values()]


def figure_problem(english: Iterable[str], item: Item, language: str) -> str | None:
    """Why a translation's figures differ from its English item's, or None when they agree."""
    wanted = sorted(f for text in english for f in figures_in(text))
    found = sorted(f for text in item_fields(item) for f in figures_in(text, language))
    if set(wanted) == set(found):
        return None
    return f"figures {sorted(set(found))} differ from the English {sorted(set(wanted))}"


def english_fields(original: Entry | Unknown | Model | Benchmark) -> list[str]:
    """The English texts a translation of `original` renders (what its fingerprint covers)."""
    if isinstance(original, Entry):
        return [original.title, original.answer, original.detail]
    if isinstance(original, Unknown):
        return [original.answer]
    if isinstance(original, Model):
        return [original.description]
    return [original.measures, *(score.note for score in original.scores if score.note)]


Original = Entry | Unknown | Model | Benchmark
KINDS: tuple[Kind, ...] = ("entries", "unknowns", "models", "benchmarks")


def originals(kb: KnowledgeBase, kind: Kind) -> Mapping[str, Original]:
    """The English items of one kind that have text to translate, by id (a model without a
    description has nothing to translate)."""
    table: dict[Kind, Mapping[str, Original]] = {
        "entries": kb.entries,
        "unknowns": kb.unknowns,
        "models": kb.models,
        "benchmarks": kb.benchmarks,
    }
    return {i: o for i, o in table[kind].items() if any(english_fields(o))}


def check_translations(kb: KnowledgeBase, files: Mapping[str, TranslationFile]) -> Translations:
    """Sort each file's items into current, stale and missing; raise `KnowledgeError` for an
    unknown id or a figure that differs from the English (naming the file and the item).

    `files` maps a file's path (for messages) to its parsed content."""
    result = Translations()
    for path, translated in files.items():
        by_kind = result.by_language.setdefault(translated.language, {})
        for kind in KINDS:
            english = originals(kb, kind)
            current = by_kind.setdefault(kind, {})
            items: list[Item] = getattr(translated, kind)
            for item in items:
                _check_one(path, kind, item, english, translated.language)
                if item.source == fingerprint(*english_fields(english[item.id])):
                    current[item.id] = item
                else:
                    result.stale.append(f"{translated.language} {kind[:-1]} '{item.id}'")
    for language in result.by_language:
        for kind in KINDS:
            seen = {i.id for f in files.values() if f.language == language for i in getattr(f, kind)}
            result.missing += [f"{language} {kind[:-1]} '{i}'" for i in originals(kb, kind) if i not in seen]
    return result


def _check_one(path: str, kind: Kind, item: Item, english: Mapping[str, Original], language: str) -> None:
    if item.id not in english:
        raise KnowledgeError(f"{path}: {kind[:-1]} '{item.id}' is not in the English knowledge base")
    problem = figure_problem(english_fields(english[item.id]), item, language)
    if problem:
        raise KnowledgeError(f"{path}: {kind[:-1]} '{item.id}': {problem}")


def skeleton(kb: KnowledgeBase, language: str) -> dict[str, object]:
    """What a translator of `language` has to do: every missing or stale item, with its English
    text in place and its fingerprint filled in (the `translations` file shape, ready to edit)."""
    out: dict[str, object] = {"language": language}
    for kind in KINDS:
        todo = []
        for ident, original in originals(kb, kind).items():
            current = kb.translations.get(language, kind, ident)
            if current is None:
                todo.append(_blank(ident, original))
        out[kind] = todo
    return {"translations": out}


def _blank(ident: str, original: Original) -> dict[str, object]:
    item: dict[str, object] = {"id": ident, "from": fingerprint(*english_fields(original))}
    if isinstance(original, Entry):
        item.update(
            title=original.title,
            answer=original.answer,
            detail=original.detail,
            questions=list(original.questions),
            keywords=list(original.keywords),
        )
    elif isinstance(original, Unknown):
        item.update(answer=original.answer, triggers=list(original.triggers))
    elif isinstance(original, Model):
        item.update(description=original.description)
    else:
        notes = {score.model: score.note for score in original.scores if score.note}
        item.update(measures=original.measures, **({"notes": notes} if notes else {}))
    return item
