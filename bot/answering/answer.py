"""What the engine gives back, whatever asked: Telegram, the terminal or `musebot ask --json`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from bot import texts
from bot.answering.compare import Comparison, Ranking
from bot.i18n import Speaker, speaker
from bot.knowledge import KnowledgeBase

Route = Literal["knowledge", "compare", "llm", "fallback"]


@dataclass(frozen=True)
class SourceRef:
    """A source as shown to people: title and as-of date, plus where to find it."""

    id: str
    title: str
    location: str
    as_of: str

    @classmethod
    def lookup(cls, kb: KnowledgeBase, ids: list[str]) -> list[SourceRef]:
        refs = []
        for ident in dict.fromkeys(ids):
            s = kb.sources[ident]
            refs.append(cls(s.id, s.title, s.location, s.as_of.isoformat()))
        return refs


@dataclass(frozen=True)
class Turn:
    """One earlier message in a chat, for follow-ups ("and gemini?") and the LLM's context."""

    role: Literal["user", "assistant"]
    text: str
    language: str | None = None  # an answer's: the language its question was read in


#: Subjects of a courtesy (hello, thanks): answered, but no question for history or the model.
COURTESY = frozenset({"greeting", "thanks"})


@dataclass
class Answer:
    """An answer as every channel shows it: Markdown `text`, the `route` it took (`knowledge`,
    `compare`, `llm`, `fallback`), its sources, and for comparisons the data a chart is drawn from.
    `subject` names what it is about (an entry, a benchmark id, "greeting"); `error` is set when a
    model answer failed or broke off (`interrupted`, `misconfigured`, `timeout`, `unavailable`)."""

    text: str
    route: Route
    sources: list[SourceRef] = field(default_factory=list)
    comparison: Comparison | Ranking | None = None
    subject: str = ""
    title: str = ""
    error: str = ""
    language: str = "en"

    def footer(self) -> str:
        """One italic line naming the sources and their as-of dates, in the answer's language;
        empty if there are none."""
        if not self.sources:
            return ""
        say = speaker(self.language)
        names = "; ".join(say(texts.AS_OF, title=s.title, date=_day(s.as_of, say)) for s in self.sources)
        return say(texts.SOURCE_FOOTER, names=names)

    @property
    def courtesy(self) -> bool:
        """A hello or a thanks: kept out of history, never sent on to a model."""
        return self.subject in COURTESY

    def markdown(self) -> str:
        """The answer with its source line, as channels show it."""
        foot = self.footer()
        return f"{self.text}\n\n{foot}" if foot else self.text

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "route": self.route,
            "sources": [s.__dict__ for s in self.sources],
            "subject": self.subject,
            "language": self.language,
        }


def _day(as_of: str, say: Speaker) -> str:
    """An as-of date as the reader writes dates, briefly ("Apr 8, 2026", "8 abr 2026")."""
    try:
        return say.date(dt.date.fromisoformat(as_of), brief=True)
    except ValueError:
        return as_of
