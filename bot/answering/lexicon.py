"""Which models and benchmarks a piece of text names, by the aliases people actually type.

Matching is on token sequences, longest first, so "gpt 5.4 pro" names GPT-5.4 Pro and not
GPT-5.4, and "gemini 3.1 pro preview" is not read as plain Gemini. A name that matches no
alias gets a fuzzy suggestion so `/compare` can say "did you mean …" instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.answering.language import packs
from bot.answering.words import tokens
from bot.knowledge import Benchmark, KnowledgeBase, Model


@dataclass(frozen=True)
class Mentions:
    """Models and benchmarks found in a text, in the order they appear, without repeats."""

    models: tuple[str, ...] = ()
    benchmarks: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    consumed: frozenset[int] = frozenset()
    entities: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.models and not self.benchmarks and not self.topics and not self.entities


@dataclass(frozen=True)
class Span:
    """A name found in a word list: where (`start`, `length`), what kind, and which one."""

    start: int
    length: int
    kind: str  # model, benchmark, topic, entity
    ident: str


def _alias_keys(names: Iterable[str], *, possessive: bool = True) -> set[tuple[str, ...]]:
    """Each name's tokens, and (`possessive`) the English possessive: "deep think's" reads as
    "deep thinks" (the apostrophe dropped), which must still name Deep Think. Not of short
    names ("wa", WhatsApp, + s is "was") nor of topic words ("codes" is no possessive)."""
    keys = {key for key in (tuple(tokens(n)) for n in names) if key}
    if not possessive:
        return keys
    owned = {
        (*k[:-1], k[-1] + "s")
        for k in keys
        if k[-1].isascii() and k[-1].isalpha() and len(k[-1]) > 3 and not k[-1].endswith("s")
    }
    return keys | owned


#: How close (rapidfuzz WRatio, 0..100) a name must be to be suggested: "llama" → Llama 4
#: Maverick (90) is, "foo" → Google (60) is not.
_SUGGEST_AT = 75


class MentionIndex:
    """Alias lookup built once per knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._by_key: dict[tuple[str, ...], tuple[str, str]] = {}
        vendors = {m.vendor.lower() for m in kb.models.values()}
        for m in kb.models.values():
            # "google's approach" is about Google, not Gemini: no possessive of a maker's name
            self._add("model", m.id, [a for a in [m.id, m.name, *m.aliases] if a.lower() not in vendors])
            self._add("model", m.id, [a for a in m.aliases if a.lower() in vendors], possessive=False)
        for b in kb.benchmarks.values():
            self._add("benchmark", b.id, [b.id, b.name, *b.aliases])
        for b in kb.benchmarks.values():
            self._add("topic", b.id, b.topic_words)
        for n in kb.entities.values():
            self._add("entity", n.id, [n.name, *n.aliases])
        self._reach: dict[str, int] = {}  # per first word, its longest alias (see `_longest_at`)
        for k in self._by_key:
            self._reach[k[0]] = max(self._reach.get(k[0], 0), len(k))
        self._labels = {" ".join(k): v for k, v in self._by_key.items()}

    def _add(self, kind: str, ident: str, names: Sequence[str], *, possessive: bool = True) -> None:
        for key in _alias_keys(names, possessive=possessive and kind != "topic"):
            self._by_key.setdefault(key, (kind, ident))

    @property
    def vocabulary(self) -> set[str]:
        return {t for key in self._by_key for t in key}

    def spans(self, words: Sequence[str], *, kinds: frozenset[str] | None = None) -> list[Span]:
        """Every name in `words`, left to right, the longest alias at each position."""
        found: list[Span] = []
        i = 0
        while i < len(words):
            hit = self._longest_at(words, i, kinds) if words[i] in self._reach else None
            if hit is None:
                i += 1
                continue
            length, (kind, ident) = hit
            found.append(Span(i, length, kind, ident))
            i += length
        return found

    def find(self, words: Sequence[str]) -> Mentions:
        """Scan left to right, taking the longest alias that starts at each position."""
        found: dict[str, list[str]] = {"model": [], "benchmark": [], "topic": [], "entity": []}
        consumed: set[int] = set()
        for span in self.spans(words):
            target = found[span.kind]
            if span.ident not in target:
                target.append(span.ident)
            consumed.update(range(span.start, span.start + span.length))
        return Mentions(
            tuple(found["model"]),
            tuple(found["benchmark"]),
            tuple(found["topic"]),
            frozenset(consumed),
            tuple(found["entity"]),
        )

    def _longest_at(
        self, words: Sequence[str], i: int, kinds: frozenset[str] | None = None
    ) -> tuple[int, tuple[str, str]] | None:
        for length in range(min(self._reach.get(words[i], 0), len(words) - i), 0, -1):
            found = self._by_key.get(tuple(words[i : i + length]))
            if found and (kinds is None or found[0] in kinds):
                return length, found
        return None

    def resolve_model(self, name: str) -> Model | None:
        """Exactly one model for a name as typed ("gpt5.4", "Opus"), or None."""
        found = self.find(tokens(name))
        alone = not found.benchmarks and not found.entities  # "opus llama" names more than Opus
        if len(found.models) == 1 and alone and len(found.consumed) == len(tokens(name)):
            return self._kb.models[found.models[0]]
        return None

    def resolve_benchmark(self, name: str) -> Benchmark | None:
        found = self.find(tokens(name))
        named = found.benchmarks or found.topics
        if len(named) == 1 and not found.models and len(found.consumed) == len(tokens(name)):
            return self._kb.benchmarks[named[0]]
        return None

    def suggest(
        self, name: str, *, limit: int = 3, kinds: frozenset[str] = frozenset({"model", "benchmark"})
    ) -> list[str]:
        """Display names of the closest models or benchmarks, for a "did you mean" line."""
        query = " ".join(tokens(name))
        matches = process.extract(query, list(self._labels), scorer=fuzz.WRatio, limit=12)
        names: list[str] = []
        for label, score, _ in matches:
            if score < _SUGGEST_AT:
                continue
            kind, ident = self._labels[label]
            if kind not in kinds:
                continue
            display = self._kb.models[ident].name if kind == "model" else self._kb.benchmarks[ident].name
            if display not in names:
                names.append(display)
        return names[:limit]


def knowledge_vocabulary(kb: KnowledgeBase, mentions: MentionIndex, language: str | None = None) -> set[str]:
    """The words typos are mended toward: the names, and the knowledge base's and language
    pack's words in `language` (every language when None). One language at a time, so an
    English "saying" is not mended into the Indonesian "saing"."""
    words = set(mentions.vocabulary)
    if language in (None, "en"):
        for e in kb.entries.values():
            words.update(tokens(" ".join((e.title, e.answer, e.detail, *e.questions, *e.keywords))))
        for u in kb.unknowns.values():
            words.update(tokens(" ".join(u.triggers)))
    for code, pack in packs().items():
        if language in (None, code):
            words.update(w for phrases in pack.concepts.values() for p in phrases for w in tokens(p))
    for code in kb.translations.languages():
        if language in (None, code):
            for kind in ("entries", "unknowns"):
                for item in kb.translations.items(code, kind):
                    words.update(tokens(" ".join(str(v) for v in item.model_dump().values())))
    return words
