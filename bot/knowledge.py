"""The curated knowledge base: pydantic models for the files in `knowledge/` and their loader.

The files are data, not code: operators may edit or mount their own folder (`KNOWLEDGE_DIR`).
So loading validates everything up front and fails with the file, the field and the reason,
instead of surfacing a confusing error later, in the middle of a chat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.\-]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class KnowledgeError(Exception):
    """A knowledge file is missing, unreadable or invalid; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where facts come from. Every model, score and entry points at one of these by id."""

    id: Slug
    title: Text
    publisher: str = ""
    location: str = ""
    as_of: dt.date
    note: str = ""


class Model(_Strict):
    """An AI model the source names. Variants (GPT-5.4 Pro, Gemini 3.1 Deep Think) are their own models."""

    id: Slug
    name: Text
    short_name: str = ""
    vendor: Text
    family: Text
    variant_of: Slug | None = None
    aliases: list[Text] = Field(default_factory=list)
    description: str = ""
    source: Slug

    @property
    def label(self) -> str:
        """A name short enough for a table column on a phone."""
        return self.short_name or self.name


class Score(_Strict):
    """One figure: a model's result on a benchmark, in a mode, as the source reports it."""

    model: Slug
    value: float
    mode: str | None = None
    source: Slug
    note: str = ""


class Benchmark(_Strict):
    """A benchmark with per-model scores; `unit: rank` means a placing (1 is best)."""

    id: Slug
    name: Text
    short_name: str = ""
    aliases: list[Text] = Field(default_factory=list)
    topic_words: list[Text] = Field(default_factory=list)
    measures: Text
    higher_is_better: bool = True
    unit: str = "score"
    decimals: int = Field(default=1, ge=0, le=3)
    scores: list[Score]
    source: Slug

    @model_validator(mode="after")
    def _one_score_per_model(self) -> Benchmark:
        seen = [s.model for s in self.scores]
        dupes = sorted({m for m in seen if seen.count(m) > 1})
        if dupes:
            raise ValueError(f"more than one score for {', '.join(dupes)}")
        return self

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def score_for(self, model_id: str) -> Score | None:
        return next((s for s in self.scores if s.model == model_id), None)

    def ranked(self) -> list[Score]:
        """Best first, whatever the direction of the benchmark."""
        return sorted(self.scores, key=lambda s: s.value, reverse=self.higher_is_better)

    def format_value(self, value: float) -> str:
        """As the source writes it ("59.0", "52"); ranks as "#2"."""
        if self.unit == "rank":
            return f"#{value:.0f}"
        return f"{value:.{self.decimals}f}"


class Entry(_Strict):
    """A prose fact. `answer` is the short reply (a sentence or three); `detail` adds context."""

    id: Slug
    topic: Slug
    title: Text
    answer: Text
    detail: str = ""
    questions: list[Text] = Field(default_factory=list)
    keywords: list[Text] = Field(default_factory=list)
    related: list[Slug] = Field(default_factory=list)
    source: Slug
    as_of: dt.date


class Unknown(_Strict):
    """Something people ask about that the source does not give; answered plainly, never guessed."""

    id: Slug
    subject: Text
    triggers: list[Text]
    answer: Text
    source: Slug


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


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in one knowledge folder, cross-checked; immutable so it can be swapped on reload."""

    root: Path
    sources: dict[str, Source]
    models: dict[str, Model]
    benchmarks: dict[str, Benchmark]
    entries: dict[str, Entry]
    unknowns: dict[str, Unknown] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        """The newest as-of date of any source: what the bot can claim to know up to."""
        return max(s.as_of for s in self.sources.values())

    def counts(self) -> dict[str, int]:
        scores = sum(len(b.scores) for b in self.benchmarks.values())
        return {
            "sources": len(self.sources),
            "models": len(self.models),
            "benchmarks": len(self.benchmarks),
            "scores": scores,
            "entries": len(self.entries),
            "unknowns": len(self.unknowns),
        }


def default_knowledge_dir() -> Path:
    """The bundled folder: `bot/_knowledge` in a wheel, `knowledge/` beside `bot/` in a checkout."""
    here = Path(__file__).resolve().parent
    bundled = here / "_knowledge"
    return bundled if bundled.is_dir() else here.parent / "knowledge"


_SINGULAR = {
    "sources": "source",
    "models": "model",
    "benchmarks": "benchmark",
    "entries": "entry",
    "unknowns": "unknown",
}
_FILE_KINDS: dict[str, tuple[type[_Strict], str]] = {
    "sources": (_SourcesFile, "sources"),
    "models": (_ModelsFile, "models"),
    "benchmarks": (_BenchmarksFile, "benchmarks"),
    "entries": (_EntriesFile, "entries"),
    "unknowns": (_UnknownsFile, "unknowns"),
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
    for path in files:
        kind, objects = _parse_file(path)
        for obj in objects:
            if obj.id in items[kind]:
                raise KnowledgeError(f"{path}: duplicate {_SINGULAR[kind]} id '{obj.id}'")
            items[kind][obj.id] = obj
            origin[(_SINGULAR[kind], obj.id)] = path
    kb = KnowledgeBase(root=root, **items)
    problems = list(_reference_problems(kb))
    if problems:
        raise KnowledgeError("; ".join(f"{origin[(kind, ident)]}: {msg}" for kind, ident, msg in problems))
    return kb


def _parse_file(path: Path) -> tuple[str, list[Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read YAML: {exc}") from None
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in _FILE_KINDS:
        kinds = ", ".join(_FILE_KINDS)
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
    for e in kb.entries.values():
        if e.source not in kb.sources:
            yield "entry", e.id, f"entry '{e.id}' refers to unknown source '{e.source}'"
        for r in e.related:
            if r not in kb.entries:
                yield "entry", e.id, f"entry '{e.id}' refers to unknown entry '{r}'"
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
