"""Makers: the labs behind the models, and what a question credits to them.

"did openai make it?", "muse spark es de google?", "गूगल ने बनाया है ना?" name a lab, not a
model: the question is who made the subject, and the lab's own model named beside it ("…
जेमिनी वाली टीम ने", "the gemini team") is that lab's team, not a model to compare. The labs'
names come from the knowledge base (`Model.vendor` and `Model.vendor_aliases` in other scripts).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.answering.clauses import Token
from bot.knowledge import KnowledgeBase

__all__ = ["Makers"]

_OF = frozenset({"of", "from", "by", "de", "do", "da", "del", "dari", "oleh", "punya"})
_OF_AFTER = frozenset({"ka", "ki", "ke", "का", "की", "के"})  # Hindi: "google ka" is "of google"


class Makers:
    """The vendors of one knowledge base's models, by every name people write them in."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self.names = {  # a maker's name, in any script, to the name it goes by: "गूगल" is google
            n.lower(): m.vendor.lower() for m in kb.models.values() for n in (m.vendor, *m.vendor_aliases)
        }

    def of(self, tok: Token) -> str:
        """The maker a token names ("openai", "googles"), or "" when it names none."""
        return self.names.get(tok.surface) or self.names.get(tok.surface.removesuffix("s"), "")

    def belongs(self, toks: Sequence[Token], i: int) -> bool:
        """ "muse spark es de openai?", "is spark from google?": a maker's name after "of" or
        "from", with the bot's subject named before it, asks who made the subject."""
        subject_before = any(t.ident == self._kb.subject for t in toks[:i])
        of = (i > 0 and toks[i - 1].word in _OF) or (i + 1 < len(toks) and toks[i + 1].word in _OF_AFTER)
        return subject_before and of and not qualifies(toks, i)

    def credited(self, toks: Sequence[Token]) -> tuple[str, ...]:
        """The makers a question that asks or claims who made something names, as `org:` ids."""
        return tuple(dict.fromkeys(f"org:{self.of(t)}" for t in toks if t.kind == "model" and self.of(t)))

    def without_their_models(
        self, models: tuple[str, ...], credited: tuple[str, ...], *, pointed: bool
    ) -> tuple[str, ...]:
        """`models` less the credited makers' own, when the question is about another model
        (one more is named, or `pointed` at with "it"): "google made it, the gemini team?".
        "did google make gemini" keeps Gemini: it is what the question is about."""
        theirs = [m for m in models if f"org:{self._kb.models[m].vendor.lower()}" in credited]
        if theirs and (len(theirs) < len(models) or pointed):
            return tuple(m for m in models if m not in theirs)
        return models


def qualifies(toks: Sequence[Token], i: int) -> bool:
    """ "openai's gpt-5.4 pro": a maker's name just before one of its models only says whose."""
    return i + 1 < len(toks) and toks[i + 1].kind == "model"
