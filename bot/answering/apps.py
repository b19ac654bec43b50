"""Where Muse Spark is: questions about Meta's apps that have an answer of their own.

"is it on instagram?" gets a plain yes with when (the article: every app, over the coming
weeks) before what it does there; "its only on whatsapp for now" and "already on all whatsapp
accounts?" get "No — gradually, every app". The apps are the knowledge base's `surface`
entities; the rollout entry is `ROLLOUT_ENTRY`.
"""

from __future__ import annotations

from bot.answering.parser import Parser
from bot.answering.query import Intent, Part
from bot.answering.vocabulary import QUESTION_WORDS, REFERRING
from bot.knowledge import Entity, KnowledgeBase

__all__ = ["ROLLOUT_ENTRY", "Apps"]

ROLLOUT_ENTRY = "rollout-timing"  # where it comes: every app, over the coming weeks
#: The words of "is it on whatsapp yet?" beside the app's name (canonical English, any language).
_ON_AN_APP = frozenset(
    {
        "is",
        "on",
        "in",
        "available",
        "yet",
        "now",
        "already",
        "every",
        "there",
        "coming",
        "live",
        "accounts",
        "users",
    }
    | {"udah", "udh", "sudah", "belum", "blm"}  # Indonesian "udah ada di IG belum?"
)
_WHERE = frozenset({"on", "available", "in", "en", "di", "pe", "par"})  # "on", as the languages write it


class Apps:
    """The app questions of one knowledge base, read with one parser's stopwords."""

    def __init__(self, kb: KnowledgeBase, parser: Parser) -> None:
        self.kb = kb
        self.parser = parser
        self._fillers: dict[str, frozenset[str]] = {}

    def asked_on(self, part: Part, language: str) -> Entity | None:
        """The app a yes-no question asks whether it is on ("is it on instagram?", "tá no
        whatsapp?", "whatsapp pe hai kya?"): one Meta app named, nothing else asked or claimed;
        None otherwise (the glasses are a device: they have their own entries)."""
        apps = [self.kb.entities[e] for e in part.entities if e in self.kb.entities]
        app = apps[0] if len(apps) == 1 and apps[0].kind == "surface" and apps[0].entries else None
        if app is None or app.id == "ai-glasses" or not {*part.words, *part.said} & _WHERE:
            return None
        asks = part.asks - ({"what"} if language == "hi" else set())  # Hindi "kya" closes a yes-no question
        rest = {w for w in part.words if w not in self._filler(language)} - _ON_AN_APP  # "is it good on…"
        claims = part.claims and "every" not in part.words  # "on all whatsapp accounts?" is corrected
        plain = not (asks or rest or claims or part.benchmarks or part.intent is not Intent.FACT)
        return app if plain else None

    def exclusive(self, part: Part) -> bool:
        """Whether a part says it is on one surface only ("whatsapp-only?", "only through the api")."""
        kinds = {self.kb.entities[e].kind for e in part.entities if e in self.kb.entities}
        only = "only" in part.words or any(w.endswith("only") for w in part.said)
        where = "surface" in kinds or "api" in part.words
        return only and where and not part.benchmarks and ROLLOUT_ENTRY in self.kb.entries

    def _filler(self, language: str) -> frozenset[str]:
        """Words that ask nothing of their own in `language`: stopwords (its and English's),
        pointers and question words. Built once per language."""
        found = self._fillers.get(language)
        if found is None:
            stop = self.parser.stopwords(language) | self.parser.stopwords("en")
            found = self._fillers[language] = stop | REFERRING | QUESTION_WORDS
        return found
