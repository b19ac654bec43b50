"""Follow-ups on what the bot just said: "tell me more", "why?", "how much was that deal".

A chat goes on from the last answer. When that answer was a knowledge entry, a short follow-up
is read against it first: a request for more gets the entry's `detail` (written for exactly
this, and shown nowhere else), a bare "why?" its first `related` entry (the knowledge base lists
the one that explains first: "why?" after "Muse Spark is closed" is the entry on why it is
closed), and a question the entry among its related ones that answers it best. After a figure,
the entry is the benchmark's `entry`, the story of that result.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.answering.answer import Turn
from bot.answering.answers import Answerers, Piece
from bot.answering.query import Part
from bot.answering.retrieval import Retriever
from bot.answering.vocabulary import CONTINUING
from bot.answering.words import tokens
from bot.i18n import Speaker
from bot.knowledge import Entry, KnowledgeBase
from bot.knowledge.translated import EntryText

DETAIL = "#detail"  # marks, in `said()`, that the bot's last answer was an entry's detail
#: Canonical words that ask for more of the same ("tell me more", "details pls", "go on").
MORE_WORDS = frozenset({"more", "details", "detail", "elaborate", "continue", "explain", "else"})
#: Words a bare follow-up is made of besides "more": "and why?", "why not", "how so", "tell me".
_BARE = frozenset(
    {
        "and",
        "why",
        "how",
        "what",
        "not",
        "so",
        "then",
        "tell",
        "me",
        "us",
        "a",
        "bit",
        "the",
        "is",
        "it",
        "that",
        "about",
        "any",
        "pls",
        "please",
        "some",
        "come",
    }
)
_RELATED_THRESHOLD = 0.3  # among a handful of related entries, a loose match is enough
_OPENING_WORDS = 8  # an earlier answer is recognised by its first words


class FollowUps:
    """Reads the bot's previous answer and answers short follow-ups from it."""

    def __init__(self, kb: KnowledgeBase, retriever: Retriever, answerers: Answerers) -> None:
        self.kb = kb
        self.retriever = retriever
        self.answerers = answerers
        self._openings = self._index_openings()
        self._results = [  # each benchmark's names as tokens, with the entry telling its result
            (name, b.entry)
            for b in kb.benchmarks.values()
            if b.entry
            for name in {" ".join(tokens(b.name)), " ".join(tokens(b.short_name))} - {""}
        ]

    def said(self, history: Sequence[Turn]) -> str:
        """The entry the bot's last answer gave, in any language: its id, with `DETAIL` after it
        when the answer was the entry's detail; "" for none."""
        last = next((t.text for t in reversed(history) if t.role == "assistant"), "")
        words = " ".join(tokens(last))
        found = next((ident for opening, ident in self._openings if opening in words), "")
        return found or self._result_entry(f" {words} ")

    def _result_entry(self, words: str) -> str:
        """After a figure ("Muse Spark scores 50.2 on Humanity's Last Exam…"), the entry about
        the first benchmark it names: what "why?" and "tell me more" go on from."""
        named = [(words.find(f" {name} "), entry) for name, entry in self._results if f" {name} " in words]
        return min(named)[1] if named else ""

    def more(self, part: Part, follows: str, say: Speaker, stopwords: frozenset[str]) -> Piece | None:
        """For "tell me more" or a bare "why?" after an entry (`follows`): its detail, or its
        first related entry (the one that explains); None for any other follow-up."""
        ident, shown, _ = follows.partition(DETAIL)
        entry = self.kb.entries.get(ident)
        if entry is None or (not part.fragment and not set(part.words) & MORE_WORDS):
            return None
        if set(part.words) - MORE_WORDS - _BARE - CONTINUING - stopwords:
            return None  # "why so low?" is bare; "why is it closed?" asks something of its own
        if part.asks & {"why", "how"}:
            return self._more(entry, say, detail_shown=True)
        return self._more(entry, say, detail_shown=bool(shown)) if set(part.words) & MORE_WORDS else None

    def related(self, part: Part, follows: str, say: Speaker) -> Piece | None:
        """A follow-up nothing else answers, read among the entries related to the one the
        bot just gave: "how much was that deal" after the entry on Alexandr Wang."""
        entry = self.kb.entries.get(follows.partition(DETAIL)[0])
        if entry is None or not entry.related:
            return None
        text = " ".join([*part.words, *part.context, entry.title])
        hits = self.retriever.search(text, limit=1, among=entry.related)
        return (
            self.answerers.entry(hits[0].entry, say)
            if hits and hits[0].confidence >= _RELATED_THRESHOLD
            else None
        )

    def _more(self, entry: Entry, say: Speaker, *, detail_shown: bool) -> Piece | None:
        """The entry's detail, or else the first related entry: never the same answer twice."""
        found = self.kb.translations.get(say.language, "entries", entry.id)
        detail = found.detail if isinstance(found, EntryText) and found.detail else entry.detail
        if detail and not detail_shown:
            return Piece(detail, sources=[entry.source], subject=entry.id, title=entry.title)
        related = [self.kb.entries[r] for r in entry.related if r in self.kb.entries]
        return self.answerers.entry(related[0], say) if related else None

    def _index_openings(self) -> list[tuple[str, str]]:
        """Each entry's answer opening, in English and every translation, longest first."""
        found: list[tuple[str, str]] = []
        for entry in self.kb.entries.values():
            texts = [(entry.answer, entry.id), (entry.detail, entry.id + DETAIL)]
            for language in self.kb.translations.languages():
                item = self.kb.translations.get(language, "entries", entry.id)
                if isinstance(item, EntryText):
                    texts += [(item.answer, entry.id), (item.detail, entry.id + DETAIL)]
            for text, ident in texts:
                opening = " ".join(tokens(text)[:_OPENING_WORDS])
                if len(opening) > 20:
                    found.append((opening, ident))
        return sorted(found, key=lambda o: -len(o[0]))


def asked_and_answered(history: Sequence[Turn]) -> list[tuple[str, str | None]]:
    """Each earlier question with the language the bot answered it in (None: not known)."""
    found: list[tuple[str, str | None]] = []
    for i, turn in enumerate(history):
        if turn.role != "user":
            continue
        reply = history[i + 1] if i + 1 < len(history) and history[i + 1].role == "assistant" else None
        found.append((turn.text, reply.language if reply is not None else None))
    return found
