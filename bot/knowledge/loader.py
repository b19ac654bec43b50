"""Loading `knowledge/`: every YAML file validated, every reference cross-checked.

The files are data, not code: operators may edit or mount their own folder (`KNOWLEDGE_DIR`).
So loading validates everything up front and fails with the file, the field and the reason,
instead of surfacing a confusing error later, in the middle of a chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.knowledge.schema import (
    Benchmark,
    Entity,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Model,
    Source,
    Unknown,
    _Strict,
)
from bot.knowledge.translated import TranslationFile
from bot.knowledge.translations import check_translations


class _SourcesFile(_Strict):
    sources: list[Source]


class _ModelsFile(_Strict):
    models: list[Model]


class _BenchmarksFile(_Strict):
    benchmarks: list[Benchmark]


class _EntriesFile(_Strict):
    entries: list[Entry]


class _UnknownsFile(_Strict):
    unknowns: list[Unknown]


class _EntitiesFile(_Strict):
    entities: list[Entity]


def default_knowledge_dir() -> Path:
    """The bundled folder: `bot/_knowledge` in a wheel, `knowledge/` beside `bot/` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    bundled = package / "_knowledge"
    return bundled if bundled.is_dir() else package.parent / "knowledge"


_SINGULAR = {
    "sources": "source",
    "models": "model",
    "benchmarks": "benchmark",
    "entries": "entry",
    "unknowns": "unknown",
    "entities": "entity",
}
_FILE_KINDS: dict[str, tuple[type[_Strict], str]] = {
    "sources": (_SourcesFile, "sources"),
    "models": (_ModelsFile, "models"),
    "benchmarks": (_BenchmarksFile, "benchmarks"),
    "entries": (_EntriesFile, "entries"),
    "unknowns": (_UnknownsFile, "unknowns"),
    "entities": (_EntitiesFile, "entities"),
}


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    """Load and validate every YAML file under `root`; raise KnowledgeError naming what is wrong."""
    root = Path(root) if root is not None else default_knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError(f"{root}: knowledge folder not found")
    items: dict[str, dict[str, Any]] = {kind: {} for kind in _FILE_KINDS}
    origin: dict[tuple[str, str], Path] = {}
    files = sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"})
    if not files:
        raise KnowledgeError(f"{root}: no .yaml files in the knowledge folder")
    translated: dict[str, TranslationFile] = {}
    for path in files:
        data = _read(path)
        if isinstance(data, dict) and list(data) == ["translations"]:
            translated[str(path)] = _parse_translations(path, data["translations"])
            continue
        kind, objects = _parse_file(path, data)
        for obj in objects:
            if obj.id in items[kind]:
                raise KnowledgeError(f"{path}: duplicate {_SINGULAR[kind]} id '{obj.id}'")
            items[kind][obj.id] = obj
            origin[(_SINGULAR[kind], obj.id)] = path
    kb = KnowledgeBase(
        root=root,
        sources=items["sources"],
        models=items["models"],
        benchmarks=items["benchmarks"],
        entries=items["entries"],
        unknowns=items["unknowns"],
        entities=items["entities"],
    )
    problems = list(_reference_problems(kb))
    if problems:
        raise KnowledgeError("; ".join(f"{origin[(kind, ident)]}: {msg}" for kind, ident, msg in problems))
    return replace(kb, translations=check_translations(kb, translated))


def load_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml's C parser when PyYAML has it (ten times faster: the
    knowledge base is read at every start, `musebot ask` included)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader: plain data only


_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read YAML: {exc}") from None


def _parse_translations(path: Path, data: Any) -> TranslationFile:
    try:
        return TranslationFile.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {_describe(exc)}") from None


def _parse_file(path: Path, data: Any) -> tuple[str, list[Any]]:
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in _FILE_KINDS:
        kinds = ", ".join([*_FILE_KINDS, "translations"])
        raise KnowledgeError(f"{path}: expected one top-level key, one of: {kinds}")
    kind = next(iter(data))
    schema, key = _FILE_KINDS[kind]
    try:
        parsed = schema.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {_describe(exc)}") from None
    return kind, list(getattr(parsed, key))


def _describe(exc: ValidationError) -> str:
    """One line per problem, with a dotted path a human can find in the file."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


Problem = tuple[str, str, str]  # (kind, id) of the object at fault, and what is wrong


def _reference_problems(kb: KnowledgeBase) -> Iterable[Problem]:
    """Every id that points nowhere, attributed to the object (and so the file) that holds it."""
    subjects = [m.id for m in kb.models.values() if m.subject]
    if len(subjects) > 1:
        yield "model", subjects[1], f"models {', '.join(subjects)} are all marked subject: mark one"
    for m in kb.models.values():
        if m.source not in kb.sources:
            yield "model", m.id, f"model '{m.id}' refers to unknown source '{m.source}'"
        if m.variant_of and m.variant_of not in kb.models:
            yield "model", m.id, f"model '{m.id}' refers to unknown model '{m.variant_of}'"
    for b in kb.benchmarks.values():
        if b.source not in kb.sources:
            yield "benchmark", b.id, f"benchmark '{b.id}' refers to unknown source '{b.source}'"
        for s in b.scores:
            if s.model not in kb.models:
                yield "benchmark", b.id, f"benchmark '{b.id}' refers to unknown model '{s.model}'"
            if s.source not in kb.sources:
                yield (
                    "benchmark",
                    b.id,
                    f"benchmark '{b.id}' score for '{s.model}' refers to unknown source '{s.source}'",
                )
    for b in kb.benchmarks.values():
        if b.entry is not None and b.entry not in kb.entries:
            yield "benchmark", b.id, f"benchmark '{b.id}' refers to unknown entry '{b.entry}'"
    for e in kb.entries.values():
        if e.source not in kb.sources:
            yield "entry", e.id, f"entry '{e.id}' refers to unknown source '{e.source}'"
        for r in e.related:
            if r not in kb.entries:
                yield "entry", e.id, f"entry '{e.id}' refers to unknown entry '{r}'"
    for n in kb.entities.values():
        if n.source not in kb.sources:
            yield "entity", n.id, f"entity '{n.id}' refers to unknown source '{n.source}'"
        for r in n.entries:
            if r not in kb.entries:
                yield "entity", n.id, f"entity '{n.id}' refers to unknown entry '{r}'"
    for u in kb.unknowns.values():
        if u.source not in kb.sources:
            yield "unknown", u.id, f"unknown '{u.id}' refers to unknown source '{u.source}'"
    yield from _alias_clashes(kb)


def _alias_clashes(kb: KnowledgeBase) -> Iterable[Problem]:
    """An alias that names two models would make /compare pick one silently."""
    owner: dict[str, str] = {}
    for m in kb.models.values():
        for alias in sorted({m.id, m.name.lower(), *(a.lower() for a in m.aliases)}):
            if owner.setdefault(alias, m.id) != m.id:
                yield "model", m.id, f"alias '{alias}' names both '{owner[alias]}' and '{m.id}'"
