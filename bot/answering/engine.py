"""The answer engine: a question (and the chat so far) in, an exact `Answer` or a task for the model.

Transport-agnostic on purpose: Telegram, the terminal and the benchmarks all call it, so a
question gets the same answer wherever it is asked. It works in three steps:

1. **understand** — the parser turns the text into a typed `Query` (language, parts, intents,
   names, claims), reading a follow-up against the chat's previous question;
2. **answer each part** — figures from the structured scores, rankings, comparisons, verdicts,
   prose from the entries, "the source doesn't say" for what it does not hold — then check the
   subject: an answer must be about what was asked, or it is not given;
3. **decide** (`decide`) — a lookup is answered at once; a task (write, summarise, explain why…)
   or a question it cannot answer goes to the model when one is configured, with the grounded
   prompt (`ForModel`); without one, the closest knowledge answer stands.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot import texts
from bot.answering.answer import Answer, SourceRef, Turn
from bot.answering.answers import Answerers, Piece
from bot.answering.apps import ROLLOUT_ENTRY, Apps
from bot.answering.claims import another_model, contradicts_answer, false_figure_claim
from bot.answering.compare import CompareError, Comparer
from bot.answering.composition import comparison_answer, compose, corrected, fallback
from bot.answering.dictionary import is_common
from bot.answering.followups import FollowUps, asked_and_answered
from bot.answering.guard import FigureGuard
from bot.answering.language import packs
from bot.answering.lexicon import MentionIndex, knowledge_vocabulary
from bot.answering.parser import Parser
from bot.answering.prompt import build_messages, relevant_source_ids
from bot.answering.prose import CONFIDENCE_THRESHOLD, MAKERS_ENTRY, EntryChooser
from bot.answering.query import Intent, Part, Query
from bot.answering.redundancy import Redundancy
from bot.answering.retrieval import CuratedRetriever, Retriever
from bot.answering.unknowns import CuratedUnknowns, unsourced_names
from bot.answering.vocabulary import REFERRING
from bot.answering.words import Speller, tokens
from bot.i18n import Speaker, speaker
from bot.knowledge import KnowledgeBase
from bot.llm import ChatMessage, ImagePart, LLMBackend

__all__ = ["CONFIDENCE_THRESHOLD", "MAX_QUESTION_CHARS", "Engine", "ForModel"]

_LOG = logging.getLogger(__name__)
# A safety net for every caller; the conversation cuts earlier, at MAX_QUESTION_CHARS, and says so.
MAX_QUESTION_CHARS = 10_000
SUGGEST_THRESHOLD = 0.4
#: Words that ask what it can do in a field, not its figure ("can it see photos?").
_CAPABILITY = frozenset({"can", "see", "understand", "read", "watch", "process", "handle", "support"})
SERIES_ENTRY = "first-muse-model"  # what Muse Spark is not: an update or a rename of Llama
_FOLLOW_UP_DEPTH = 3
_FIGURES = frozenset({Intent.SCORE, Intent.RANK, Intent.COMPARE, Intent.VERDICT})


@dataclass(frozen=True)
class ForModel:
    """A question the knowledge base does not answer exactly: a task for the language model.

    `closest` is what to say when no model can take it (no model configured): the nearest
    knowledge answer, or the friendly note of what the bot knows."""

    question: str
    history: tuple[Turn, ...]
    images: tuple[ImagePart, ...]
    sources: list[SourceRef]
    closest: Answer
    language: str = "en"


class Engine:
    """Answers from one knowledge base. Cheap to call; build once per knowledge base."""

    def __init__(
        self, kb: KnowledgeBase, *, retriever: Retriever | None = None, llm: LLMBackend | None = None
    ) -> None:
        self.kb = kb
        self.llm = llm
        self.mentions = MentionIndex(kb)
        self.speller = Speller(knowledge_vocabulary(kb, self.mentions))
        self.comparer = Comparer(kb, self.mentions)
        self.retriever = retriever or CuratedRetriever(kb, self.speller)
        spellers = {
            code: Speller(
                knowledge_vocabulary(kb, self.mentions, code),
                is_word=functools.partial(is_common, language=code),
            )
            for code in packs()
        }
        self.parser = Parser(kb, self.mentions, spellers)
        self.redundancy = Redundancy(self.parser, kb)
        self.answerers = Answerers(kb, self.comparer)
        self.guard = FigureGuard(kb, self.mentions)
        self.unknowns = CuratedUnknowns(kb, self.parser, self.mentions)
        self.followups = FollowUps(kb, self.retriever, self.answerers)
        self.prose = EntryChooser(kb, self.retriever, self.parser, self.answerers)
        self.apps = Apps(kb, self.parser)
        self._people = {e.id: e.name for e in kb.entities.values() if e.kind == "person"}

    # -- the public calls ---------------------------------------------------------------------

    def decide(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        images: Sequence[ImagePart] = (),
        force_model: bool = False,
        language_hint: str | None = None,
        language: str | None = None,
        shared: bool = False,
        language_from: str | None = None,
    ) -> Answer | ForModel:
        """The routing rule, in one place: an exact answer from the knowledge base, or a task for
        the model. Images and `force_model` (`/ask`) always go to the model; so do tasks and
        questions the knowledge base cannot answer, when a model is configured. `shared`: a
        group chat, where the previous question may be someone else's (see `understand`).
        `language_from`: the asker's own words, when the question also quotes someone else's."""
        question = question.strip()[:MAX_QUESTION_CHARS]
        query = self.understand(
            question,
            history,
            hint=language_hint,
            language=language,
            shared=shared,
            language_from=language_from,
        )
        found = self._lookup(query)
        exact = found.route != "fallback" or found.courtesy
        if not force_model and not images and exact and not query.task:
            return found
        sources = SourceRef.lookup(self.kb, relevant_source_ids(self.kb, self.retriever, question))
        return ForModel(question, tuple(history), tuple(images), sources, found, query.language)

    def lookup(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        language_hint: str | None = None,
        language: str | None = None,
    ) -> Answer:
        """Answer from the knowledge base alone; route `fallback` when it has nothing to say."""
        return self._lookup(
            self.understand(
                question.strip()[:MAX_QUESTION_CHARS], history, hint=language_hint, language=language
            )
        )

    def understand(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        hint: str | None = None,
        language: str | None = None,
        shared: bool = False,
        language_from: str | None = None,
    ) -> Query:
        """The question as a typed query, a follow-up read against the chat's earlier questions.
        In a `shared` chat (a group) the earlier questions still give a follow-up its subject,
        but not its language: "e o claude?" after someone's Hindi question is Portuguese. In a
        private chat an earlier question is read in the language the bot answered it in, so a
        run of short follow-ups ("e o gemini?", "e no arc agi 2?") stays in that language."""
        earlier = asked_and_answered(history)[-_FOLLOW_UP_DEPTH:]
        previous: Query | None = None
        for text, answered_in in earlier:
            read_in = language or (None if shared else answered_in)
            previous = self.parser.parse(text, previous=previous, hint=hint, language=read_in)
        said = next((t.text for t in reversed(history) if t.role == "assistant"), "")
        referents = self._people_in(said)
        query = self.parser.parse(
            question,
            previous=previous,
            hint=hint,
            referents=referents,
            language=language,
            own_language=shared,
            language_from=language_from,
        )
        return replace(query, follows=self.followups.said(history)) if previous is not None else query

    def _people_in(self, text: str) -> tuple[str, ...]:
        """The people the bot's last answer named: what "he" or "she" in a follow-up means."""
        folded = f" {' '.join(tokens(text))} "
        return tuple(e for e, name in self._people.items() if f" {' '.join(tokens(name))} " in folded)

    def messages(self, task: ForModel) -> list[ChatMessage]:
        """The grounded prompt for a task: every figure, the relevant entries, the rules, and the
        language to answer in."""
        return build_messages(
            self.kb, self.retriever, task.question, task.history, task.images, task.language
        )

    @property
    def sees_images(self) -> bool:
        return self.llm is not None and self.llm.supports_images

    def suggest(self, query: str, *, limit: int = 3) -> list[Answer]:
        """A few answers for a partial query (inline mode): the best answer, then near matches."""
        first = self.lookup(query)
        answers = [first] if first.route != "fallback" else []
        say = speaker(self.understand(query).language)
        for hit in self.retriever.search(query, limit=limit + 1):
            if hit.confidence >= SUGGEST_THRESHOLD and all(a.subject != hit.entry.id for a in answers):
                answers.append(compose(self.kb, [self.answerers.entry(hit.entry, say)], say))
        return answers[:limit]

    def compare(self, names: Sequence[str], say: Speaker | None = None) -> Answer:
        """`/compare A B …` or `/compare BENCHMARK`, in `say`'s language (English without);
        bad names give a helpful fallback answer."""
        say = say or speaker("en")
        try:
            result = self.comparer.compare(
                names, mend=lambda n: " ".join(self.speller.correct_all(tokens(n))), say=say
            )
        except CompareError as exc:
            return Answer(str(exc), "fallback", language=say.language)
        return comparison_answer(self.kb, self.answerers, result, say)

    # -- answering a query ----------------------------------------------------------------------

    def _lookup(self, query: Query) -> Answer:
        say = speaker(query.language)
        intents = {p.intent for p in query.parts}
        if intents <= {Intent.GREETING} or not any(p.words or p.named for p in query.parts):
            return fallback(say, greeting=True)
        if intents <= {Intent.THANKS}:
            return Answer(say(texts.YOU_ARE_WELCOME), "fallback", subject="thanks", language=say.language)
        pieces: list[Piece] = []
        for i, part in enumerate(query.parts):
            if (
                pieces
                and pieces[-1].unknown
                and self.redundancy.continues(part, query.parts[i - 1], query.language)
            ):
                continue  # "what's its context window? 1M like gemini?": the same missing thing
            if i and self.redundancy.elsewhere(part, query.parts[i - 1], query):
                continue  # "who won the ipl match? tell me the score": that match's score
            if pieces and self.redundancy.margin(part, pieces[-1], query.language):
                continue  # "… por quanto?": the figures above say by how much
            if pieces and self.redundancy.echo(part, query.parts[i - 1]):
                continue  # "… #1 en visión, verdad? le gana a todos": the same claim again
            if pieces and self.redundancy.maker(part, query.parts[i - 1]):
                continue  # "… right? the gemini team": which maker, not a question about Gemini
            if pieces and self.redundancy.aside(part, query.language):
                continue  # "… — my editor insists. can you confirm?": nothing more to answer
            if pieces and self.redundancy.guess(part, query.language):
                if self._contradicted(query, part, pieces[-1]):  # "how many users? like 1 billion?"
                    pieces[-1].text = corrected(pieces[-1].text, say)
                continue
            piece = self._part(part, query, say)
            if piece is not None and not self._said(piece, pieces):
                # "where is it on the aa index? is it top 5?": the same figure again, now with its
                # placing, stands for the first
                pieces = [
                    p for p in pieces if not (p.subject == piece.subject and piece.text.startswith(p.text))
                ]
                pieces.append(piece)
        return compose(self.kb, pieces, say) if pieces else fallback(say)

    def _part(self, part: Part, query: Query, say: Speaker) -> Piece | None:
        a = self.answerers
        if part.intent in (Intent.GREETING, Intent.THANKS):
            return None
        if self._whole_field(part):  # "give me all the benchmark scores", "… the other frontier models"
            return a.field(say)
        named_figure = part.intent in _FIGURES and bool(part.benchmarks) and not part.topic_only
        unknown = self.unknowns.asked(part, query, figures=named_figure)
        exclusive = self.apps.exclusive(part)  # "its only on whatsapp for now": it comes to every app
        renamed = SERIES_ENTRY in self.kb.entries and another_model(self.kb, part, unknown)
        if exclusive or renamed:  # "just llama 5 renamed"
            entry = ROLLOUT_ENTRY if exclusive else SERIES_ENTRY
            piece = a.entry(self.kb.entries[entry], say)
            piece.text = corrected(piece.text, say)
            return piece
        app = self.apps.asked_on(part, query.language) if unknown is None else None
        if app is not None and "every" in part.words:  # "already on all whatsapp accounts?"
            piece = a.entry(self.kb.entries[ROLLOUT_ENTRY], say)
            return replace(piece, text=corrected(piece.text, say))
        if app is not None:  # "is it on instagram?": yes, over the coming weeks, and what it does there
            piece = a.entry(self.kb.entries[app.entries[0]], say)
            piece.text = say(texts.ON_THE_APP, app=app.name, text=piece.text)
            return piece
        if unknown is not None:
            piece = a.unknown(unknown, say)
            if self._contradicted(query, part, piece):
                piece.text = corrected(piece.text, say)
            return piece
        if query.follows and self._unsourced_benchmark(part, query):  # "y en MedQA cuanto tiene?"
            return a.not_in_source(" ".join(unsourced_names(part, query.language)), say, benchmark=True)
        elsewhere = not query.on_topic and bool(part.unknown_names)  # "what about bitcoin": not more of it
        if (query.follows and not elsewhere) and (
            part.intent in (Intent.FACT, Intent.MODEL) or self.redundancy.bare(part, query.language)
        ):
            more = self.followups.more(part, query.follows, say, self.parser.stopwords(query.language))
            if more is not None:
                return more
        if part.other_versions:
            return a.not_in_source(say.join(list(part.other_versions)), say, model=True)
        if part.intent is Intent.SCORE and not part.benchmarks:
            return self._model_figures(part, query, say)
        structured = {
            Intent.SCORE: a.score,
            Intent.RANK: a.rank,
            Intent.COMPARE: a.compare,
            Intent.VERDICT: a.verdict,
            Intent.MODEL: a.model,
        }.get(part.intent)
        advice = self.prose.entry_for(part, query) if self._advice(part) else None
        if advice is not None:
            return self.answerers.entry(advice, say)
        if structured is not None:
            piece = structured(part, say)
            if false_figure_claim(self.kb, part, self.kb.subject):
                piece.text = corrected(piece.text, say)
            return piece
        fact = self._fact(part, query, say)
        if fact is None and query.follows and part.fragment and not elsewhere:
            fact = self.followups.related(part, query.follows, say)
        if fact is not None and self._contradicted(query, part, fact):
            fact.text = corrected(fact.text, say)
        return fact

    def _unsourced_benchmark(self, part: Part, query: Query) -> bool:
        """A follow-up asking a figure on something the source never names (it names no
        benchmark itself): "and on charxiv?" after a figure is not more of that figure."""
        asks_figure = part.intent in _FIGURES or "how" in part.asks or part.fragment
        points_back = set(part.words) & REFERRING  # "is that good enough for my devops agents?"
        bare = self.redundancy.bare(part, query.language)
        return asks_figure and bare and not points_back and bool(unsourced_names(part, query.language))

    def _whole_field(self, part: Part) -> bool:
        """Whether the part asks for every model's figures: "all" or "the other" models, a table
        or scores, no benchmark and no model but the subject named."""
        words = set(part.words)
        table = words & {"compare", "score", "benchmark", "benchmarks", "models"}
        sweep = words & {"every", "other"} and len(table) >= 2 - ("compare" in words)
        # "what models did meta compare against", "which models is it compared with"
        which = part.asks & {"what", "which"} and "models" in words and words & {"compare", "vs"}
        return bool(sweep or which) and not part.benchmarks and set(part.models) <= {self.kb.subject}

    def _said(self, piece: Piece, pieces: list[Piece]) -> bool:
        """Whether an earlier piece says this one: the same entry or unknown, or the same text
        (either one corrected: "No — " before it). One pair's verdicts on two benchmarks are two."""
        prose = piece.subject in self.kb.entries or piece.subject in self.kb.unknowns
        same = [p for p in pieces if p.subject == piece.subject]
        return any(prose or p.text.endswith(piece.text) or piece.text.endswith(p.text) for p in same)

    @staticmethod
    def _advice(part: Part) -> bool:
        """ "should i use spark for coding agents", "o spark é bom pra programar?": advice about
        a field (a topic word, no benchmark named) is the prose that gives it, figures included,
        not a lone score; so is what it can do in a field ("can it see photos?"). A claim in it
        is corrected from the scores instead."""
        capability = part.intent is Intent.SCORE and bool(set(part.words) & _CAPABILITY)
        return (
            (part.intent is Intent.VERDICT or capability)
            and part.topic_only
            and len(set(part.models)) < 2
            and not part.claims
        )

    def _contradicted(self, query: Query, part: Part, piece: Piece) -> bool:
        english = piece.text if query.language == "en" else self._english(piece)
        return contradicts_answer(
            query.text, part, english, people=self._people, unknown=piece.unknown, language=query.language
        )

    def _english(self, piece: Piece) -> str:
        """The English text behind a piece (claims are checked against the source's words)."""
        found = self.kb.entries.get(piece.subject) or self.kb.unknowns.get(piece.subject)
        return found.answer if found is not None else piece.text

    def _model_figures(self, part: Part, query: Query, say: Speaker) -> Piece:
        """ "claude scores?", "charxiv score muse spark": the model's figures, or no such benchmark.
        "what will it do on them" after a question about the glasses points back, not at figures."""
        if part.unknown_names:
            return self.answerers.not_in_source(" ".join(part.unknown_names), say, benchmark=True)
        points_back = query.follows and set(part.words) & (REFERRING - {"it", "its"})
        if set(part.models) <= {self.kb.subject} and not points_back:
            return self.answerers.scorecard(self.kb.subject, say)
        return self.answerers.compare(part, say)

    def _fact(self, part: Part, query: Query, say: Speaker) -> Piece | None:
        """Prose: the entry that answers the part; or, for a question about the bot's subject
        that no entry answers, a plain "the source doesn't say" naming what was asked."""
        both = {"strength", "weakness"} <= set(part.words) and set(part.models) <= {self.kb.subject}
        if both and not part.benchmarks:  # "its biggest strength and biggest weakness": the two at once
            return self.answerers.strengths(say)
        entry = self.prose.entry_for(part, query)
        if entry is not None:
            return self.answerers.entry(entry, say)
        if not query.on_topic:
            return None
        if query.task:  # without a model, the closest knowledge answer (the model would write it)
            closest = self.prose.closest(part, query)
            return self.answerers.entry(closest, say) if closest is not None else None
        names = unsourced_names(part, query.language)
        if names and "made" in part.words and MAKERS_ENTRY in self.kb.entries:
            return self.answerers.entry(self.kb.entries[MAKERS_ENTRY], say)  # "since yann lecun led it…"
        if names:
            return self.answerers.not_in_source(" ".join(names), say)
        if query.follows:  # "whats the trick they used" after the compute answer: among its related
            related = self.followups.related(part, query.follows, say)
            if related is not None:
                return related
        if part.models and not part.entities:
            return self.answerers.model(part, say)
        return None
