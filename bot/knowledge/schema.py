"""The shape of the curated knowledge base: one pydantic model per kind of item in `knowledge/`.

Models are strict (unknown fields are errors) and frozen, so a typo in a data file is caught at
load and a loaded knowledge base can be shared by every chat and swapped whole on `/reload`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.knowledge.translated import Translations

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
    #: The vendor's name as written in other scripts ("गूगल"): "गूगल ने बनाया" credits a maker.
    vendor_aliases: list[Text] = Field(default_factory=list)
    family: Text
    variant_of: Slug | None = None
    aliases: list[Text] = Field(default_factory=list)
    description: str = ""
    source: Slug
    #: The model the knowledge base is about: "it" in a question, and the other side of a
    #: comparison that names one model. One model at most; the first one when none is marked.
    subject: bool = False

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
    #: The entry that tells this result's story: "tell me more" or "why?" after a figure reads it.
    entry: Slug | None = None
    #: An across-the-board index ("overall"): "which is better overall" weighs every benchmark.
    general: bool = False

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


class Entity(_Strict):
    """Something the source names besides models and benchmarks (a person, an organisation, a
    product, a surface such as WhatsApp, a reasoning mode), with the names people use for it and
    the entries that are about it."""

    id: Slug
    kind: Literal["person", "org", "product", "surface", "mode", "series"]
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    entries: list[Slug] = Field(default_factory=list)
    source: Slug


class Unknown(_Strict):
    """Something people ask about that the source does not give; answered plainly, never guessed."""

    id: Slug
    subject: Text
    triggers: list[Text]
    answer: Text
    source: Slug
    #: The triggers are names of what a question is about (another company's model): "grok 4
    #: hle" asks for Grok's figure, which the source lacks, not for Muse Spark's.
    names_a_subject: bool = False
    #: The triggers are everyday context (a country, another app): they count only in a
    #: question about the bot's subject ("is it out in mexico?", not "dollar rate in mexico").
    needs_subject: bool = False


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in one knowledge folder, cross-checked; immutable so it can be swapped on reload."""

    root: Path
    sources: dict[str, Source]
    models: dict[str, Model]
    benchmarks: dict[str, Benchmark]
    entries: dict[str, Entry]
    unknowns: dict[str, Unknown] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    translations: Translations = field(default_factory=Translations)

    @property
    def subject(self) -> str:
        """The id of the model the knowledge base is about (see `Model.subject`)."""
        return next((m.id for m in self.models.values() if m.subject), next(iter(self.models)))

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
            "entities": len(self.entities),
        }
