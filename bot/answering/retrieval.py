"""Finding the knowledge entry a question is about.

Two retrievers share one interface so the choice between them rests on the evaluation set
(`bench/retrieval.py` prints the comparison):

- `PlainRetriever`: SQLite FTS5's BM25 over each entry's own prose — the obvious baseline.
- `CuratedRetriever`: the same FTS5 index over prose *plus* the curated question variants and
  keywords of each entry, queried with typo-mended words, and blended with a fuzzy match of
  the question against those variants. People type "when did it come out", not "release".

FTS5 ships with Python's sqlite3, so neither costs a dependency; the index lives in memory and
is built in milliseconds.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.answering.dictionary import is_common
from bot.answering.words import Speller, content_tokens, tokens
from bot.knowledge import Entry, KnowledgeBase
from bot.knowledge.translated import EntryText

_COLUMNS = ("title", "questions", "keywords", "answer", "detail")


@dataclass(frozen=True)
class Hit:
    """A candidate entry with how well it fits: `confidence` is 0..1, comparable across questions."""

    entry: Entry
    confidence: float


class Retriever(Protocol):
    def search(
        self, question: str, *, limit: int = 3, among: Sequence[str] = (), language: str | None = None
    ) -> list[Hit]: ...


class _Fts5Index:
    """An in-memory FTS5 table of entries, one row each, columns weighted by `weights`."""

    def __init__(
        self, entries: Sequence[Entry], texts: Sequence[Sequence[str]], weights: Sequence[float]
    ) -> None:
        self._entries = list(entries)
        self._weights = ", ".join(str(w) for w in weights)
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        cols = ", ".join(_COLUMNS[: len(weights)])
        self._db.execute(f"CREATE VIRTUAL TABLE doc USING fts5({cols}, tokenize='porter unicode61')")
        marks = ", ".join("?" * len(weights))
        rows = [[" ".join(tokens(t)) for t in row] for row in texts]
        self._db.executemany(f"INSERT INTO doc VALUES ({marks})", rows)
        # Committed, so FTS5 writes its index pages: a serialized copy (the warm-start snapshot)
        # holds only what is written, and an uncommitted index reads back empty.
        self._db.commit()

    def query(self, words: Sequence[str], limit: int) -> list[tuple[Entry, float]]:
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        sql = f"SELECT rowid, bm25(doc, {self._weights}) FROM doc WHERE doc MATCH ? ORDER BY 2 LIMIT ?"
        found = self._db.execute(sql, (match, limit)).fetchall()
        return [(self._entries[rowid - 1], -score) for rowid, score in found]


class PlainRetriever:
    """Baseline: BM25 over an entry's title, answer and detail, with the words as typed."""

    def __init__(self, kb: KnowledgeBase) -> None:
        entries = list(kb.entries.values())
        texts = [(e.title, e.answer, e.detail) for e in entries]
        self._index = _Fts5Index(entries, texts, weights=(2.0, 1.0, 0.5))

    def search(
        self, question: str, *, limit: int = 3, among: Sequence[str] = (), language: str | None = None
    ) -> list[Hit]:
        words = content_tokens(question)
        hits = self._index.query(words, limit)
        if not hits:
            return []
        top = hits[0][1]
        return [Hit(e, min(1.0, s / max(top, 1e-9)) * min(1.0, top / 8.0)) for e, s in hits]


class CuratedRetriever:
    """BM25 over prose and curated phrasings, blended with fuzzy matching of the phrasings."""

    def __init__(self, kb: KnowledgeBase, speller: Speller) -> None:
        self._entries = list(kb.entries.values())
        self._speller = speller
        views = {e.id: _views(kb, e) for e in self._entries}
        # One index per reading (`_readings`): a Spanish question is matched against the Spanish
        # and English text of the entries, so a Portuguese or Hindi phrasing cannot pull it to
        # the wrong entry. A language's own reading is built the first time it is asked in (an
        # index holds every entry's text: about 2 MB each).
        self._views = views
        self._keep = _readings(kb)
        everything = self._build(self._keep[_ALL])
        self._readings = {code: everything for code, keep in self._keep.items() if keep == self._keep[_ALL]}
        # Each entry's phrasings by language: a question is matched against its own language's
        # and the English ones (the parser reads every language into English words).
        self._phrasings: dict[str, dict[str, list[str]]] = {}
        for e in self._entries:
            by_language = self._phrasings.setdefault(e.id, {})
            for language, v in views[e.id]:
                by_language.setdefault(language, []).extend(
                    " ".join(tokens(q)) for q in (v.title, *v.questions)
                )
        self._sorted = {
            p: " ".join(sorted(p.split()))
            for by_language in self._phrasings.values()
            for phrasings in by_language.values()
            for p in phrasings
        }

    def search(
        self, question: str, *, limit: int = 3, among: Sequence[str] = (), language: str | None = None
    ) -> list[Hit]:
        """The best entries for a question, most confident first; `among` (entry ids) limits the
        choice to those entries, all of them scored (a question about WhatsApp is answered
        from an entry about WhatsApp); `language` (the asker's) limits the phrasings matched to
        that language's and the English ones (None: all)."""
        words = [self._mended(w, language) for w in tokens(question)]
        meaningful = content_tokens(words)
        if not meaningful:
            return []
        text = " ".join(dict.fromkeys(words))  # repeated words weigh in BM25, not in the phrasing match
        reading = self._reading(language or _ALL)
        if among:
            candidates = [(e, 0.0) for e in self._entries if e.id in among]
        else:
            candidates = reading.index.query(meaningful, limit=max(limit, _CANDIDATES))
        entries = [e for e, _ in candidates]
        similar = self._similarity(text, entries, language)
        covered = reading.coverage(entries, meaningful)
        hits = [Hit(e, 0.5 * covered[e.id] + 0.5 * similar[e.id]) for e in entries]
        hits.sort(key=lambda h: h.confidence, reverse=True)
        return hits[:limit]

    def _mended(self, word: str, language: str | None) -> str:
        """The word with its typo mended, unless it is a word of the asker's language that the
        mend would make another word: Spanish "clima" is no typo of "cima", but "matters" is
        read as "matter" and Indonesian "pengembangan" as "pengembang"."""
        mended = self._speller.correct(word)
        if mended == word or language is None or word.startswith(mended):
            return mended
        return word if is_common(word, language) else mended

    def _reading(self, language: str) -> _Reading:
        found = self._readings.get(language)
        if found is None:
            keep = self._keep.get(language)
            found = self._readings[_ALL] if keep is None else self._build(keep)
            self._readings[language] = found
        return found

    def _build(self, keep: frozenset[str]) -> _Reading:
        return _Reading(
            self._entries, [[v for lang, v in self._views[e.id] if lang in keep] for e in self._entries]
        )

    def _similarity(self, text: str, entries: Sequence[Entry], language: str | None) -> dict[str, float]:
        """0..1 per entry: how close the question is to the nearest of its curated phrasings.
        rapidfuzz's token-set ratio alone scores "can i use spark in my app" as close to "should
        i use muse spark for my health app" (the shared words are all of one side); the
        token-sort ratio weighs what differs too. All phrasings at once (`process.extract`,
        in C, without numpy)."""
        chosen = {e.id: self._phrasings_in(e.id, language) for e in entries}
        flat = [p for e in entries for p in chosen[e.id]]
        if not flat:
            return dict.fromkeys((e.id for e in entries), 0.0)
        # The token-sort ratio is the plain ratio of the words sorted: the phrasings are sorted
        # once at start-up (`_sorted`), the question here, and nothing is ranked that is summed.
        ordered = " ".join(sorted(text.split()))
        sets = process.extract_iter(text, flat, scorer=fuzz.token_set_ratio)
        sorts = process.extract_iter(ordered, [self._sorted[p] for p in flat], scorer=fuzz.ratio)
        scores = [a[1] + b[1] for a, b in zip(sets, sorts, strict=True)]
        found: dict[str, float] = {}
        start = 0
        for e in entries:
            end = start + len(chosen[e.id])
            found[e.id] = max(scores[start:end]) / 200 if end > start else 0.0
            start = end
        return found

    def _phrasings_in(self, entry_id: str, language: str | None) -> list[str]:
        by_language = self._phrasings[entry_id]
        if language is None:
            return [p for phrasings in by_language.values() for p in phrasings]
        return [*by_language.get("en", []), *(by_language.get(language, []) if language != "en" else [])]


#: How many BM25 candidates the phrasing match re-ranks. 12 let an exact phrasing of an entry
#: whose prose says little of the question's words through, but cost 0.25 ms at p99 and
#: scored the same on the dev sets; 6 scores as 8 did (one dev item more right) for 5% less
#: time at p99.
_CANDIDATES = 6
_ALL = "*"  # the reading for a question of unknown language: every language's text


class _Reading:
    """The entries as one set of languages reads them: an FTS5 index, and each entry's words
    with their rarity, for `coverage`."""

    def __init__(self, entries: Sequence[Entry], views: Sequence[Sequence[Entry | EntryText]]) -> None:
        texts = [
            (
                " | ".join(v.title for v in vs),
                " | ".join(q for v in vs for q in v.questions),
                " ".join(k for v in vs for k in v.keywords),
                " ".join(v.answer for v in vs),
                " ".join(v.detail for v in vs),
            )
            for vs in views
        ]
        self.index = _Fts5Index(entries, texts, weights=(3.0, 3.0, 2.0, 1.0, 0.5))
        self._vocab = {e.id: set(tokens(" ".join(row))) for e, row in zip(entries, texts, strict=True)}
        self._idf = _inverse_document_frequency(self._vocab.values())
        self._idf_unseen = math.log(len(entries) + 1)

    def coverage(self, entries: Sequence[Entry], meaningful: Sequence[str]) -> dict[str, float]:
        """0..1 per entry id: how much of what the asker said the entry knows, words weighted by
        rarity, so "muse spark", which every entry mentions, cannot make an off-topic question
        look answered. (A hit's confidence is half this, half the phrasing similarity.)"""
        weights = [(w, self._idf.get(w, self._idf_unseen)) for w in meaningful]
        total = sum(wt for _, wt in weights)
        found = {}
        for entry in entries:
            vocab = self._vocab[entry.id]
            found[entry.id] = sum(wt for w, wt in weights if w in vocab) / total
        return found


def _readings(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """Which languages' text each reading holds: another language's question reads that
    language and English; an English one (or one of unknown language) reads all of them,
    since translations keep English terms of their own ("compresión del pensamiento
    (thought compression)") and English questions mix in other languages' words."""
    languages = list(kb.translations.languages())
    everything = frozenset({"en", *languages})
    found = {"en": everything, _ALL: everything}
    found.update({code: frozenset({"en", code}) for code in languages})
    return found


def _views(kb: KnowledgeBase, entry: Entry) -> list[tuple[str, Entry | EntryText]]:
    """The entry in English and in every language it is translated into, with the language:
    people ask in all of them."""
    found: list[tuple[str, Entry | EntryText]] = [("en", entry)]
    for language in kb.translations.languages():
        translated = kb.translations.get(language, "entries", entry.id)
        if isinstance(translated, EntryText):
            found.append((language, translated))
    return found


def _inverse_document_frequency(documents: Iterable[set[str]]) -> dict[str, float]:
    docs = list(documents)
    counts: dict[str, int] = {}
    for words in docs:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    return {w: math.log((len(docs) + 1) / (n + 0.5)) for w, n in counts.items()}
