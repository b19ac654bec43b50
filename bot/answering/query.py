"""A question as the engine understands it: a typed `Query` of one or more `Part`s.

Each part has one intent and the things it names (models, benchmarks, entities such as a person
or WhatsApp), what it asks (when, who, why…), what it names that the knowledge base does not hold
(a benchmark the source never reports, another company's model), and the claims it makes
("spark got 76.5 on arc agi 2 right?"), so a false premise can be corrected before it is answered.
The parser (`bot.answering.parser`) builds queries; the answerers (`bot.answering.answers`) read
them; neither knows about channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.answering.vocabulary import DOMAIN_WORDS


class Intent(StrEnum):
    """What a part asks for."""

    SCORE = "score"  # a figure: "spark hle", "what did it get on healthbench"
    RANK = "rank"  # who leads a benchmark: "who's #1 on arc agi"
    COMPARE = "compare"  # models side by side: "spark vs gpt 5.4"
    VERDICT = "verdict"  # which is better: "spark or opus, which is smarter"
    MODEL = "model"  # what the source says about one model: "tell me about opus"
    FACT = "fact"  # anything the prose answers: what, when, who, why, how, where
    GREETING = "greeting"
    THANKS = "thanks"


@dataclass(frozen=True)
class Claim:
    """Something a question asserts. `value` is a figure as written ("76.5", "40"); `rank` a
    claimed place (1 for "#1", "first", "number one"); `top` a claimed "top N"; `leader` a model
    the question says beats another (`behind`) on the part's benchmark; `everywhere` a model
    said to lead on every benchmark."""

    value: str | None = None
    model: str | None = None  # whose figure `value` is said to be
    rank: int | None = None
    top: int | None = None
    leader: str | None = None
    behind: str | None = None
    direction: str | None = None  # "more" or "less", against the source's own comparison
    everywhere: bool = False  # first on every benchmark: "spark leads every benchmark, right?"


@dataclass(frozen=True)
class Part:
    """One question within a message ("when was it released" / "who built it")."""

    words: tuple[str, ...]
    intent: Intent = Intent.FACT
    asks: frozenset[str] = frozenset()
    models: tuple[str, ...] = ()
    benchmarks: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    unknown_names: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = ()
    asserting: bool = False
    fragment: bool = False
    consumed: frozenset[int] = frozenset()
    topic_only: bool = False  # the benchmark came from a topic word ("coding"), not its name
    topics: tuple[str, ...] = ()  # benchmarks a topic word points at ("health"), whether used or not
    context: tuple[str, ...] = ()  # words borrowed from the question this one follows up
    said: tuple[str, ...] = ()  # the part's own words in order, canonical, names as typed
    other_versions: tuple[str, ...] = ()  # "gpt 5": a version of a known model the source lacks

    @property
    def named(self) -> bool:
        return bool(self.models or self.benchmarks or self.entities or self.other_versions)

    @property
    def named_other(self) -> bool:
        """Whether the part names a benchmark or an entity (an app, a person, a mode)."""
        return bool(self.benchmarks or self.entities)

    def in_domain(self, stopwords: frozenset[str] = frozenset()) -> bool:
        """Whether the part has a word of the field that is no stopword of the asker's language
        (Portuguese "aí" reads "ai"). "how many people" (read "how many users") counts only with
        no name of its own beside it: "how many people live in london" is about London; "my
        users in kano …" is about users."""
        found = set(self.words) & DOMAIN_WORDS - stopwords
        counting = "many" in self.words and self.unknown_names
        return bool(found - {"users"} if counting else found)

    def only_numbers(self, stopwords: frozenset[str]) -> bool:
        """Whether the part says nothing but numbers and sums ("whats 2+2", "5 times 7"): a sum
        asks the knowledge base nothing."""
        said = [w for w in self.words if w not in stopwords and w not in _QUESTION_WORDS | _SUMS]
        return any(w.isdigit() for w in self.words) and all(w.isdigit() for w in said)

    def content(self, stopwords: frozenset[str]) -> list[str]:
        """The words that carry meaning, for retrieval."""
        return [w for w in self.words if w not in stopwords]

    def borrowing(
        self,
        earlier: Part,
        *,
        words: bool = True,
        topic: bool = True,
        models: bool = True,
        places: frozenset[str] | None = None,
    ) -> Part:
        """This part with the names it leaves unsaid taken from an earlier part (a follow-up):
        "and gemini?" keeps the benchmark, "and on healthbench?" keeps the models, "why not?"
        keeps everything and the earlier part's words (the intent is the parser's to redo).
        With `topic` False the part asks something of its own ("when was it released?" after
        a figure): it takes only whom the earlier part was about, the first one named ("it").
        With `models` False ("so who's best?") it asks among all models, not the earlier ones.
        `places`: the entities that are only where it is (apps), which a topic of its own leaves
        behind ("y la api?" after "y cuando llega a whatsapp")."""
        # "… and their scores each?": a part that asks for figures keeps the earlier benchmark
        asks_figures = self.intent is Intent.SCORE or "score" in self.words  # "cuánto sacó cada uno"
        figures = earlier.intent in _FIGURE_INTENTS and (topic or asks_figures)
        borrowed = (earlier.models if topic else earlier.models[:1]) if models else ()
        models_ = self.models or borrowed
        benchmarks = self.benchmarks or (
            earlier.benchmarks if figures or not (self.named or not topic) else ()
        )
        kept = (
            earlier.entities
            if topic or places is None
            else tuple(e for e in earlier.entities if e not in places)
        )
        entities = self.entities or (kept if not (self.models or self.benchmarks) else ())
        context = self.context
        if words and topic and not self.named:  # a follow-up reads with the earlier question's topic words
            context = tuple(
                w
                for w in (*earlier.words, *earlier.context)
                if w not in self.words and w not in _QUESTION_WORDS
            )
        return replace(self, models=models_, benchmarks=benchmarks, entities=entities, context=context)


_QUESTION_WORDS = frozenset({"what", "when", "who", "why", "how", "where", "which"})
_SUMS = frozenset(
    {"plus", "minus", "times", "divided", "multiplied", "by", "x", "equals", "squared", "is", "are"}
)
_FIGURE_INTENTS = frozenset({Intent.SCORE, Intent.RANK, Intent.COMPARE, Intent.VERDICT})


@dataclass(frozen=True)
class Query:
    """A whole message: its parts in order, its language, and whether it asks for a task
    (write, draft, summarise…) rather than a fact."""

    text: str
    parts: tuple[Part, ...]
    language: str = "en"
    task: bool = False
    on_topic: bool = True
    notes: tuple[str, ...] = field(default=())
    follows: str = ""  # the entry the bot's previous answer gave, for "tell me more", "why?"

    @property
    def first(self) -> Part:
        return self.parts[0]
