"""Curated translations of the knowledge base: data beside the English entries, checked like them.

`knowledge/translations/<lang>.yaml` holds, per language, the prose of entries, unknowns, model
descriptions and benchmark descriptions, each with `from`: the fingerprint of the English text it
was translated from. So:

- a translation whose English has changed since is *stale*, and one never written is *missing*:
  both fall back to English, and `musebot knowledge check` lists them;
- every figure a translation states must be the English item's figure, with the language's
  decimal sign (42,8 in Spanish, Portuguese and Indonesian): a translation that says anything
  else fails to load, naming the file, the item and the figures.

Why fingerprints rather than version numbers: nobody has to remember to bump them, and a
translator's tool (`musebot knowledge translations LANG`) can print exactly what needs work.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Kind = Literal["entries", "unknowns", "models", "benchmarks"]
LanguageCode = Literal["es", "pt", "id", "hi"]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")
# Version numbers are part of names ("GPT-5.4", "Gemini 3.1", "Index v4.0"), not figures.
_VERSIONED = re.compile(
    r"(?i)\b(?:gpt|gemini|opus|llama|arc-agi|terminal-bench|bench|spark|muse|v)[\s-]*\d(?:\.\d+)*(?!\d|,\d)"
)  # one digit before the dot: "Muse Spark 52" is Muse Spark's figure, not a version
#: The decimal sign each language writes (Babel's CLDR data agrees).
DECIMAL_SIGN: dict[str, str] = {"en": ".", "es": ",", "pt": ",", "id": ",", "hi": "."}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Translated(_Strict):
    id: str
    source: str = Field(alias="from", min_length=1)


class EntryText(_Translated):
    title: _Text
    answer: _Text
    detail: str = ""
    questions: list[_Text] = Field(default_factory=list)
    keywords: list[_Text] = Field(default_factory=list)


class UnknownText(_Translated):
    answer: _Text
    triggers: list[_Text] = Field(default_factory=list)


class ModelText(_Translated):
    description: _Text


class BenchmarkText(_Translated):
    measures: _Text
    notes: dict[str, _Text] = Field(default_factory=dict)  # model id → the source's remark on its figure


class TranslationFile(_Strict):
    """One language's translations (the file's single top-level key is `translations`)."""

    language: LanguageCode
    entries: list[EntryText] = Field(default_factory=list)
    unknowns: list[UnknownText] = Field(default_factory=list)
    models: list[ModelText] = Field(default_factory=list)
    benchmarks: list[BenchmarkText] = Field(default_factory=list)


Item = EntryText | UnknownText | ModelText | BenchmarkText


def fingerprint(*texts: str) -> str:
    """Ten hex digits of SHA-256 over the English texts a translation renders."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:10]


def figures_in(text: str, language: str = "en") -> list[str]:
    """The numbers a text states, written the English way ("42,8" in Spanish → "42.8")."""
    sign = DECIMAL_SIGN.get(language, ".")
    found = _NUMBER.findall(_VERSIONED.sub(" ", text))
    if sign == ",":
        return [f.replace(",", ".") for f in found if "." not in f]
    return [f for f in found if "," not in f]


@dataclass
class Translations:
    """Every language's current translations, by kind and id; and what is stale or missing."""

    by_language: dict[str, dict[Kind, dict[str, Item]]] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def get(self, language: str, kind: Kind, ident: str) -> Item | None:
        """The current translation, or None (then the English text is shown)."""
        return self.by_language.get(language, {}).get(kind, {}).get(ident)

    def languages(self) -> list[str]:
        return sorted(self.by_language)

    def items(self, language: str, kind: Kind) -> Iterable[Item]:
        return self.by_language.get(language, {}).get(kind, {}).values()
