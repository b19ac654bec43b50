"""Parts of a message that need no answer of their own.

A chat message often says more than it asks: an aside after the question ("… — my editor
insists. can you confirm?"), the asker's guess at the answer ("how many users? like 1 billion?")
or more words about a thing the source does not give ("bisa bahasa indonesia gak? bagus gak
bahasanya"). Answering each as a question of its own would add a paragraph nobody asked for, so
the engine asks here first; a guess is still checked against the answer it follows.
"""

from __future__ import annotations

from bot.answering.answers import Piece
from bot.answering.parser import Parser
from bot.answering.query import Intent, Part, Query
from bot.answering.vocabulary import REFERRING
from bot.knowledge import KnowledgeBase

__all__ = ["Redundancy"]

#: Words too common to make two parts about the same thing.
_VAGUE = frozenset(
    {"what", "how", "is", "it", "its", "good", "better", "when", "who", "why", "which", "where"}
)


#: Words that ask a fact of their own, whatever came before: a date, a maker, a price.
_OWN_FACTS = frozenset({"released", "made", "price", "available"})


class Redundancy:
    """The rules, read with one parser's words (its stopwords, names and vocabulary)."""

    def __init__(self, parser: Parser, kb: KnowledgeBase) -> None:
        self.parser = parser
        self.kb = kb

    def bare(self, part: Part, language: str) -> bool:
        """Whether a part names nothing itself ("why?", "like 1 billion?"), whatever it borrowed."""
        return not self.parser.names_in(" ".join(part.said), language)

    def guess(self, part: Part, language: str) -> bool:
        """ "like 1 billion?" after a question: the asker's guess at its answer, checked against
        that answer rather than answered on its own."""
        meaning = [w for w in part.content(self.parser.stopwords(language)) if w != "like"]
        return "like" in part.words[:2] and not part.asks and len(meaning) <= 2 and self.bare(part, language)

    def aside(self, part: Part, language: str) -> bool:
        """Whether a part after a question asks nothing the knowledge base could answer: no name,
        no question word, and no word the knowledge base speaks of ("my editor insists")."""
        if part.said == ("what",) and language == "hi":
            return True  # "sahi hai kya?": Hindi's "kya" closing a yes-no question asks nothing more
        if part.intent is not Intent.FACT or part.asks or part.topics or not self.bare(part, language):
            return False
        return not any(self.parser.knows(w, language) for w in part.content(self.parser.stopwords(language)))

    @staticmethod
    def echo(part: Part, before: Part) -> bool:
        """ "es el número 1 en visión, verdad? le gana a todos": a bare sweep after a claim on a
        benchmark says the claim again; the correction before it answers both."""
        return part.fragment and part.intent is Intent.VERDICT and bool(before.claims and before.benchmarks)

    @staticmethod
    def maker(part: Part, before: Part) -> bool:
        """ "made by google right? the gemini team": after a part that credits a maker, one that
        only names a model, asking nothing, says which maker was meant."""
        named_only = part.models and not (part.asks or part.benchmarks or part.entities or part.topics)
        credited = "made" in before.words and any(e.startswith("org:") for e in before.entities)
        return credited and bool(named_only)

    @staticmethod
    def elsewhere(part: Part, before: Part, query: Query) -> bool:
        """ "who won the ipl match yesterday? tell me the score": in a first message about
        something else, a fragment that names nothing goes on about that other thing, not about
        figures (after an answer, "… tipo, q empresa ele tinha antes" is still about its subject)."""
        unnamed = part.fragment and not (part.named or set(part.words) & REFERRING)
        return not query.on_topic and not query.follows and unnamed and bool(before.unknown_names)

    def margin(self, part: Part, before: Piece, language: str) -> bool:
        """ "e o claude ficou na frente? por quanto?": "by how much" after figures asks nothing
        they do not already say (a part of question words only, "how" at most)."""
        figures = before.comparison is not None or any(
            s in self.kb.benchmarks for s in before.subject.split(",")
        )
        stop = self.parser.stopwords(language) | {"by", "much", "many", "por"}
        meaning = [w for w in part.content(stop) if w != "how"]
        return figures and part.asks <= {"how"} and not meaning and self.bare(part, language)

    def continues(self, part: Part, before: Part, language: str) -> bool:
        """Whether a part only goes on about the one before it: a fact with no benchmark, no
        question word of its own and at most two words that mean anything ("é 1M tipo o gemini?");
        or a part that names nothing and speaks of the same thing ("bisa bahasa indonesia gak?
        bagus gak bahasanya": its language); or a comparison of the missing figure before it."""
        if part.benchmarks or part.entities or set(part.words) & _OWN_FACTS:
            return False  # "…, how many params, and is it on instagram?": a question of its own
        if part.intent is Intent.COMPARE and before.intent is Intent.SCORE and not before.benchmarks:
            return True  # "swe-bench score? i need to compare it with claude": the missing figure
        own_question = part.asks - {"how"}  # "como" is also "like": "1M como gemini?"
        stop = self.parser.stopwords(language)
        meaning = part.content(stop)
        if self.bare(part, language) and set(meaning) & set(before.content(stop)) - _VAGUE:
            return True
        return part.intent is Intent.FACT and not own_question and len(meaning) <= 2
