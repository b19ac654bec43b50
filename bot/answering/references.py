"""What a follow-up refers back to: the names a part leaves unsaid, whom "he" means, what "it" is.

A chat goes on from its last question. "and gemini?" keeps the benchmark and changes the model;
"when was it released?" after a score keeps the model and asks something new; "what mode was
that in" stays on the figure; "so who's best?" asks among every model; "how did he end up at
meta?" after an answer about Alexandr Wang is about Wang; "is it open source?" as a first
message is about the bot's subject. The parser (`bot.answering.parser`) reads each part on its
own, then hands the parts here; what is decided is written into the parts (`Part.borrowing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.answering.dictionary import is_common
from bot.answering.phrasing import Phrasing
from bot.answering.query import Intent, Part, Query
from bot.answering.vocabulary import (
    COMPARE_WORDS,
    CONNECTIVES,
    CONTINUING,
    DOMAIN_WORDS,
    MONTHS,
    PERSONAL,
    QUESTION_WORDS,
    RANK_WORDS,
    REFERRING,
    SCORE_WORDS,
    VERDICT_WORDS,
    YES_NO,
)
from bot.knowledge import KnowledgeBase

__all__ = ["References", "asks_leader"]

#: Words that go on with the earlier question rather than ask something of their own.
_FOLLOW_WORDS = (
    QUESTION_WORDS
    | YES_NO
    | REFERRING
    | CONNECTIVES
    | SCORE_WORDS
    | RANK_WORDS
    | VERDICT_WORDS
    | COMPARE_WORDS
    | CONTINUING
)
# Pointing at the last answer rather than its subject: "what mode was that in" asks about the figure.
_THE_ANSWER = frozenset({"that", "this", "these", "those", "same"})
_FIGURE_INTENTS = frozenset({Intent.SCORE, Intent.RANK, Intent.COMPARE, Intent.VERDICT})
_THE_REST = frozenset({"compete", "others", "other", "rest", "everyone", "competitors", "rivals"})


def asks_leader(part: Part) -> bool:
    """ "who's best?", "qual modelo é o melhor", "which one should i use?": which model leads,
    among all of them."""
    return bool(part.asks & {"who", "which"}) and bool(set(part.words) & {"better", "first", "top", "should"})


class References:
    """Resolves the parts of one message against the chat's previous question. `intent` is the
    parser's rule, rerun on a part once it has borrowed names."""

    def __init__(
        self,
        kb: KnowledgeBase,
        phrasing: Phrasing,
        subject_words: frozenset[str],
        intent: Callable[[Part, tuple[str, ...]], Intent],
    ) -> None:
        self._kb = kb
        self._phrasing = phrasing
        self._subject_words = subject_words
        self._intent = intent
        self._places = frozenset(e.id for e in kb.entities.values() if e.kind == "surface")

    def resolve(
        self, parts: list[Part], previous: Query | None, referents: tuple[str, ...], language: str
    ) -> list[Part]:
        """The parts with what they refer to filled in; `referents` are the people the bot's
        last answer named (entity ids)."""
        parts = self._borrowing(parts, previous, language)
        parts = [self._on_mode(p, previous, language) for p in parts]
        asked_who = previous is not None and any("who" in p.asks for p in previous.parts)
        parts = [self._resolve_people(p, referents, dropped=asked_who and language != "en") for p in parts]
        parts = [self._default_subject(p, previous, language) for p in parts]
        # "1) who built it 2) when", "need 3 things: release date, aa index score, and is it
        # open": a bare question in a list asks about the subject the others are about
        about = [p.models[:1] for p in parts if p.models]
        for i, part in enumerate(parts):
            asks = part.asks or set(part.words) & {"released", "made"}
            strange = [w for w in part.unknown_names if not is_common(w, language)]  # "deck" is a word
            if about and asks and not (part.named or strange) and (i or part.fragment or len(parts) > 1):
                part = replace(part, models=(parts[i - 1].models or about[0])[:1] if i else about[0])
                parts[i] = replace(part, intent=self._intent(part, part.words))
        return parts

    def _borrowing(self, parts: list[Part], previous: Query | None, language: str) -> list[Part]:
        out: list[Part] = []
        for i, part in enumerate(parts):
            earlier = out[i - 1] if i else (previous.parts[-1] if previous is not None else None)
            if part.intent in (Intent.GREETING, Intent.THANKS):
                pass  # "thanks!" after a figure is no question about it
            elif self._new_subject(part, language):
                pass  # "what about the weather" after a figure asks about the weather
            elif earlier is not None and earlier.benchmarks and self._asks_the_rest(part, language):
                # "and the competition?", "y los demás?" after a figure: the whole ranking
                part = replace(part, benchmarks=earlier.benchmarks, topics=earlier.topics, intent=Intent.RANK)
            elif earlier is not None and (part.fragment or (i and not part.models)):
                # "… and how did they do that?": "that" is what the part before said ("… e quem
                # construiu esse modelo?": "this model" is the subject, not what was said)
                words = not i or bool(set(part.words) & _THE_ANSWER and "model" not in part.words)
                part = part.borrowing(
                    earlier,
                    words=words,
                    topic=not self._asks_its_own(part, language),
                    models=not asks_leader(part),
                    places=self._places,
                )
                part = replace(part, intent=self._intent(part, part.words))
            elif earlier is not None and self._keeps_benchmark(part, i):
                # "spark is #1 on vision right? heard it beats gemini": still about vision;
                # "so gpt-5.4 scored 20.6 there?" after a HealthBench figure: there is HealthBench
                part = replace(part, benchmarks=earlier.benchmarks)
                part = replace(part, intent=self._intent(part, part.words))
            out.append(part)
        return out

    def _asks_the_rest(self, part: Part, language: str) -> bool:
        """Whether a fragment names no one but "the others", "the competition", "the rivals"."""
        if not part.fragment or part.named:
            return False
        stop = self._phrasing.stopwords(language) | CONNECTIVES | QUESTION_WORDS
        own = {w for w in part.words if w not in stop}
        return bool(own) and own <= _THE_REST

    def _new_subject(self, part: Part, language: str) -> bool:
        """Whether the part's only words of its own are everyday words the knowledge base does
        not know ("what about bitcoin", "and the weather?"): a new subject, not the earlier one.
        A rare one is a thing the source leaves out, asked the same way ("what about deepseek":
        the source gives no figure for it)."""
        about = part.words[:1] == ("and",) or part.words[:2] in (("what", "about"), ("how", "about"))
        if not about or part.named or not part.unknown_names:
            return False
        if any(not is_common(w, language) for w in part.unknown_names):
            return False
        stop = self._phrasing.stopwords(language)
        own = {w for w in part.words if w not in stop and w not in _FOLLOW_WORDS}
        return own <= set(part.unknown_names)

    def _on_mode(self, part: Part, previous: Query | None, language: str) -> Part:
        """ "what is contemplating mode" → "what's it up against from google and openai?": "it"
        is still the mode, and the makers' names mean their own reasoning modes (Gemini Deep
        Think, GPT-5.4 Pro), not their base models."""
        if previous is None or part.entities or part.benchmarks:
            return part
        modes = tuple(e for p in previous.parts for e in p.entities if self._is_mode(e))
        pointing = set(part.words) & (REFERRING | self._phrasing.pointers(language))
        rivals = part.models or set(part.words) & COMPARE_WORDS
        aside = not part.asks and not set(part.words) & COMPARE_WORDS  # "… I mean google and openai"
        if not modes or not (pointing or part.fragment or aside) or not rivals:
            return part
        models = tuple(dict.fromkeys(self._mode_of(m) for m in part.models))
        part = replace(part, entities=modes[:1], models=models)
        part = replace(part, intent=self._intent(part, part.words))
        if part.intent in (Intent.VERDICT, Intent.COMPARE) and self._kb.subject not in models:
            part = replace(part, models=(self._kb.subject, *models))  # "is it better than …": it too
        return part

    def _is_mode(self, entity: str) -> bool:
        found = self._kb.entities.get(entity)
        return found is not None and found.kind == "mode"

    def _mode_of(self, model: str) -> str:
        """A model's variant that the source scores in a reasoning mode, or the model itself."""
        for variant in self._kb.models.values():
            if variant.variant_of == model and any(
                s.model == variant.id and s.mode for b in self._kb.benchmarks.values() for s in b.scores
            ):
                return variant.id
        return model

    @staticmethod
    def _keeps_benchmark(part: Part, i: int) -> bool:
        """Whether a figure question that names no benchmark stays on the one before it: a
        later part of the message, or a follow-up that points back or claims a figure."""
        # "so gpt 5.4 and gemini are literally tied??": a claim about the figures just given
        points = bool(set(part.words) & (REFERRING | {"tied"})) or any(c.value for c in part.claims)
        return part.intent in _FIGURE_INTENTS and not part.benchmarks and bool(i or points)

    def _asks_its_own(self, part: Part, language: str) -> bool:
        """ "when was it released?" after a figure asks about *it* (the model), not the
        benchmark: a word of its own besides pointers, question and figure words. "why?",
        "and gemini?", "is it better?" have none and continue the earlier question."""
        if self._where(part):
            return True  # "… and is it on insta?" after a verdict asks where it is, not a score
        if part.named or set(part.words) & _THE_ANSWER:
            return False
        ignore = self._phrasing.stopwords(language) | self._phrasing.stopwords("en") | _FOLLOW_WORDS
        return any(w not in ignore and not w.isdigit() for w in part.words)

    def _where(self, part: Part) -> bool:
        """Whether the part names only an app or device it may be on ("is it on insta?"), or a
        mode it asks about ("… + how does contemplating mode work"): a topic of its own."""
        kinds = {self._kb.entities[e].kind for e in part.entities if e in self._kb.entities}
        pointing = set(part.words) & (REFERRING | _THE_ANSWER)  # "y eso fue en qué modo?" asks of the figure
        asked = kinds == {"surface"} or (kinds == {"mode"} and bool(part.asks) and not pointing)
        return asked and not part.benchmarks and not part.models

    def _resolve_people(self, part: Part, referents: tuple[str, ...], *, dropped: bool = False) -> Part:
        """ "how did he end up at meta?" after an answer about Alexandr Wang: he is Wang. With
        `dropped` (the chat just asked who, in a language that leaves the subject out), a part
        that names no one is about that person too: "y cómo llegó a meta?", "e ele tá lá faz
        quanto tempo?"."""
        people = [
            e for e in part.entities if e in self._kb.entities and self._kb.entities[e].kind == "person"
        ]
        unsaid = dropped and not part.models and not part.benchmarks and not people
        if not referents or not (set(part.words) & PERSONAL or unsaid) or people:
            return part
        return replace(part, entities=referents)

    def _default_subject(self, part: Part, previous: Query | None, language: str) -> Part:
        """ "is it open source?" as a first message: "it" is Muse Spark, the bot's subject —
        when the rest of the question is something the knowledge base talks about ("why is it
        blue" is not). With no "it", a claim whose every word is the knowledge base's: "released
        march 2026 yeah?" is about Muse Spark, "when was the iphone released" is not."""
        pointing = set(part.words) & (
            {"it", "its", "this"} | self._phrasing.pointers(language)
        )  # "ele ta em primeiro"
        if part.benchmarks and not part.models and part.claims and pointing:
            # "it's number 1 on vision innit": a claim about it, on a benchmark, is about the subject
            part = replace(part, models=(self._kb.subject,))
            return replace(part, intent=self._intent(part, part.words))
        if previous is not None or part.named:
            return part
        stop = self._phrasing.stopwords("en") | self._phrasing.stopwords(language) | QUESTION_WORDS
        if part.only_numbers(stop):  # "what is 5 times 7" is a sum, not a claim about "10 times less"
            return part
        content = [w for w in part.words if w not in stop and not w.isdigit() and w not in MONTHS]
        known = [w in self._subject_words for w in content]
        others = set(part.unknown_names) - MONTHS
        pointers = self._phrasing.pointers(language)  # Hindi "ye open source hai kya": "ye" is it
        if set(part.words) & pointers:  # "what time is it in manila": not about it
            # "so sam altman's team built it?": whoever is credited, "it" is the subject
            held = set(part.words) & (DOMAIN_WORDS | {"made"})
            about = any(known) and not (others and not held)
        elif set(part.words) & {"this", "that"}:  # "pra quantas pessoas isso vai chegar?": the subject
            about = bool(known) and all(known) and not others
        else:  # a claim with no subject: every word the knowledge base's, no other name in it
            about = bool(part.claims) and bool(known) and all(known) and not others
        if not about:
            return part
        part = replace(part, models=(self._kb.subject,))
        return replace(part, intent=self._intent(part, part.words)) if "first" in part.words else part
