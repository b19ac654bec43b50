"""The answer engine: a question (and the chat so far) in, an `Answer` out.

Transport-agnostic on purpose: Telegram, the terminal and the benchmarks all call it, so a
question gets the same answer wherever it is asked. The order of the checks is the policy:

1. a benchmark named (or a topic word with a score question) → the figure itself, from the
   structured scores, so a number is never paraphrased or invented;
2. two or more models, or "compare"/"vs" → a comparison table;
3. something the source is known not to give (parameter count, pricing…) → say so plainly;
4. the closest prose entry, if retrieval is confident;
5. otherwise `fallback` (or the LLM, when one is configured).

Short fragments ("and gemini?") borrow the models and benchmarks of the previous question.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace

from bot.answer import Answer, SourceRef, Turn
from bot.compare import CompareError, Comparer, Comparison, Ranking
from bot.knowledge import Benchmark, Entry, KnowledgeBase, Model, Score
from bot.llm import (
    AnswerCutOff,
    BackendMisconfigured,
    BackendTimeout,
    ChatMessage,
    ImagePart,
    LLMBackend,
    LLMError,
    StreamInterrupted,
)
from bot.mentions import MentionIndex, Mentions
from bot.prompt import build_messages, relevant_source_ids
from bot.query import Speller, content_tokens, tokens
from bot.retrieval import CuratedRetriever, Retriever

_LOG = logging.getLogger(__name__)
CUT_NOTE = "\n\n_(The answer was cut off here. Ask again for the rest.)_"
# Why an answer that ended is not whole, by `AnswerCutOff.reason`; shown after the partial text.
CUT_OFF_NOTES: dict[str, str] = {
    "max_tokens": "_(The answer was cut off here: it reached the length limit.)_",
    "content_filter": "_(The answer was cut off here: the model's content filter stopped it.)_",
    "incomplete": "_(The answer was cut off here: the connection to the model broke.)_",
}
TIMEOUT_NOTE = "The language model took too long to respond. Please try again in a minute."
MISCONFIGURED_NOTE = (
    "I can't reach my language model right now because it is not set up correctly, so I can "
    "only answer from my knowledge base. (Operator: the log says what to fix.)"
)
UNAVAILABLE_NOTE = "My language model is busy or unreachable right now. Please try again in a minute."
NO_IMAGES_NOTE = "The language model configured for me cannot see images. Ask me in words instead."

# A safety net for every caller; Telegram cuts earlier, at MAX_QUESTION_CHARS, and says so.
MAX_QUESTION_CHARS = 10_000
CONFIDENCE_THRESHOLD = 0.5
SUGGEST_THRESHOLD = 0.4
OVERVIEW_ENTRY = "what-is-muse-spark"

_SCORE_WORDS = frozenset(
    [
        "score",
        "scored",
        "scores",
        "scoring",
        "result",
        "results",
        "benchmark",
        "benchmarks",
        "figure",
        "figures",
        "number",
        "numbers",
        "perform",
        "performs",
        "performed",
        "performance",
        "rank",
        "ranked",
        "ranks",
        "ranking",
        "rankings",
        "lead",
        "leads",
        "leader",
        "leading",
        "best",
        "top",
        "beat",
        "beats",
        "win",
        "wins",
        "winner",
        "highest",
        "lowest",
        "vs",
        "versus",
        "compare",
        "compared",
        "points",
        "percent",
        "well",
        "good",
    ]
)
_RANK_WORDS = frozenset(
    [
        "rank",
        "ranked",
        "ranking",
        "rankings",
        "leads",
        "lead",
        "leader",
        "leading",
        "best",
        "top",
        "winner",
        "highest",
        "who",
        "which",
    ]
)
_COMPARE_WORDS = frozenset(["compare", "comparison", "vs", "versus", "against", "stack", "table", "side"])
_GREETINGS = frozenset(["hi", "hello", "hey", "hiya", "howdy", "yo", "start", "help", "morning", "evening"])
_MEASURE_WORDS = frozenset(["measure", "measures", "measured", "test", "tests", "tested", "mean", "means"])
_ALL_MODELS_WORDS = frozenset(["models", "all", "others", "other", "everyone", "rivals", "competitors"])
# "contemplating vs deep think" compares reasoning modes (a prose entry), not benchmark tables.
_MODE_WORDS = frozenset(["contemplating", "contemplate", "mode", "modes", "reasoning"])
_REFERRING = frozenset(["that", "it", "this", "those", "these", "they", "them", "there"])
_THANKS = frozenset(["thanks", "thank", "thx", "ty", "cheers", "ok", "okay", "cool", "great", "nice", "bye"])
_FOLLOW_UP_MAX_WORDS = 6


@dataclass(frozen=True)
class _Parsed:
    """A question as the engine sees it: mended words and what they name."""

    words: list[str]
    mentions: Mentions

    @property
    def meaningful(self) -> list[str]:
        return content_tokens(self.words)

    def has(self, vocabulary: frozenset[str]) -> bool:
        return any(w in vocabulary for w in self.words)


class Engine:
    """Answers from one knowledge base. Cheap to call; build once per knowledge base."""

    def __init__(
        self, kb: KnowledgeBase, *, retriever: Retriever | None = None, llm: LLMBackend | None = None
    ) -> None:
        self.kb = kb
        self.llm = llm
        self.mentions = MentionIndex(kb)
        self.speller = Speller(self._vocabulary())
        self.comparer = Comparer(kb, self.mentions)
        self.retriever = retriever or CuratedRetriever(kb, self.speller)
        self._domain_words = frozenset(self._vocabulary(with_unknowns=False) - _SCORE_WORDS)

    def _vocabulary(self, *, with_unknowns: bool = True) -> set[str]:
        words = set(self.mentions.vocabulary)
        for e in self.kb.entries.values():
            words.update(tokens(" ".join((e.title, e.answer, e.detail, *e.questions, *e.keywords))))
        for u in self.kb.unknowns.values() if with_unknowns else ():
            words.update(tokens(" ".join(u.triggers)))
        return words

    # -- public -------------------------------------------------------------------------------

    async def answer(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        images: Sequence[ImagePart] = (),
        use_llm: bool = False,
    ) -> Answer:
        """The knowledge base first; the LLM for what it cannot answer (or when asked: `/ask`).

        For route `llm` the answer's `stream` yields the text as the model writes it; backend
        failures arrive in that stream as a sentence for the user, never as an exception.
        """
        question = question.strip()[:MAX_QUESTION_CHARS]
        if not use_llm and not images:
            found = self.lookup(question, history)
            if found.route != "fallback" or found.subject == "greeting":
                return found
        if self.llm is None and not images:
            return self._fallback(llm_hint=True)
        if images and not self.sees_images:
            return Answer(NO_IMAGES_NOTE, "fallback")
        assert self.llm is not None
        messages = build_messages(self.kb, self.retriever, question, history, images)
        sources = SourceRef.lookup(self.kb, relevant_source_ids(self.kb, self.retriever, question))
        answer = Answer("", "llm", sources, subject="llm")
        answer.stream = self._stream(self.llm, messages, answer)
        return answer

    @property
    def sees_images(self) -> bool:
        return self.llm is not None and self.llm.supports_images

    @staticmethod
    async def _stream(llm: LLMBackend, messages: list[ChatMessage], answer: Answer) -> AsyncIterator[str]:
        """The model's text; a failure becomes a sentence for the user and `answer.error`."""
        produced = False
        try:
            async for chunk in llm.stream(messages):
                produced = produced or bool(chunk.strip())
                yield chunk
        except AnswerCutOff as exc:  # the backend has logged why, with advice
            _LOG.info("LLM answer cut off (%s).", exc.reason)
            answer.error = "cut_off"
            note = CUT_OFF_NOTES[exc.reason]
            yield f"\n\n{note}" if produced else note
        except StreamInterrupted as exc:
            _LOG.warning("LLM stream cut off: %s", exc)
            answer.error = "interrupted"
            yield CUT_NOTE
        except BackendMisconfigured as exc:
            _LOG.error("LLM backend misconfigured: %s", exc)
            answer.error = "misconfigured"
            yield CUT_NOTE if produced else MISCONFIGURED_NOTE
        except BackendTimeout as exc:
            _LOG.warning("LLM backend timed out: %s", exc)
            answer.error = "timeout"
            yield CUT_NOTE if produced else TIMEOUT_NOTE
        except LLMError as exc:
            _LOG.warning("LLM backend unavailable: %s", exc)
            answer.error = "unavailable"
            yield CUT_NOTE if produced else UNAVAILABLE_NOTE

    def lookup(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer from the knowledge base alone; route `fallback` when it has nothing to say."""
        question = question.strip()[:MAX_QUESTION_CHARS]
        parsed = self._parse(question)
        if not parsed.meaningful:
            return self._fallback(greeting=parsed.has(_GREETINGS) or not parsed.words)
        if set(parsed.meaningful) <= _THANKS:
            return Answer(
                "You're welcome! Ask me anything else about Muse Spark.", "fallback", subject="greeting"
            )
        parsed = self._with_context(parsed, history)
        for step in (
            self._from_scores,
            self._from_comparison,
            self._from_model_name,
            self._from_unknowns,
            self._from_entries,
        ):
            answer = step(parsed)
            if answer is not None:
                return answer
        return self._from_fragment(parsed, history) or self._fallback(
            greeting=parsed.has(_GREETINGS) and len(parsed.meaningful) <= 2
        )

    def _from_fragment(self, parsed: _Parsed, history: Sequence[Turn]) -> Answer | None:
        """ "when?" after "is it coming to whatsapp": read the fragment with the last question."""
        if len(parsed.meaningful) > 2:
            return None
        last = next((t.text for t in reversed(history) if t.role == "user"), None)
        return self._from_entries(self._parse(f"{last} {' '.join(parsed.words)}")) if last else None

    def suggest(self, query: str, *, limit: int = 3) -> list[Answer]:
        """A few answers for a partial query (inline mode): the best answer, then near matches."""
        first = self.lookup(query)
        answers = [first] if first.route != "fallback" else []
        words = " ".join(self._parse(query).words)
        for hit in self.retriever.search(words, limit=limit + 1):
            if hit.confidence >= SUGGEST_THRESHOLD and all(a.subject != hit.entry.id for a in answers):
                answers.append(self._entry_answer(hit.entry))
        return answers[:limit]

    def compare(self, names: Sequence[str]) -> Answer:
        """`/compare A B …` or `/compare BENCHMARK`; bad names give a helpful fallback answer."""
        try:
            result = self.comparer.compare(names, mend=self._mend)
        except CompareError as exc:
            return Answer(str(exc), "fallback")
        return self._comparison_answer(result)

    # -- parsing and context ------------------------------------------------------------------

    def _mend(self, name: str) -> str:
        return " ".join(self.speller.correct_all(tokens(name)))

    def _parse(self, text: str) -> _Parsed:
        words = self.speller.correct_all(tokens(text))
        return _Parsed(words, self.mentions.find(words))

    def _with_context(self, parsed: _Parsed, history: Sequence[Turn]) -> _Parsed:
        """Let a short fragment borrow what the previous question named."""
        if len(parsed.meaningful) > _FOLLOW_UP_MAX_WORDS:
            return parsed
        previous = self._previous_mentions(history)
        if previous is None:
            return parsed
        m = parsed.mentions
        benchmarks = m.benchmarks or m.topics
        if m.models and not benchmarks and not parsed.has(_COMPARE_WORDS) and self._only_names(parsed):
            m = replace(m, benchmarks=previous.benchmarks or previous.topics)
        elif benchmarks and not m.models:
            m = replace(m, benchmarks=benchmarks, models=previous.models)
        elif m.empty and self._refers_back(parsed) and (previous.benchmarks or previous.models):
            # Positions of the previous question's words mean nothing in this one.
            m = replace(previous, consumed=frozenset())
        return replace(parsed, mentions=m)

    @staticmethod
    def _only_names(parsed: _Parsed) -> bool:
        """ "and gemini?", "what about gpt 5.4 then": nothing but names (and score words), so the
        previous benchmark still applies; "when was muse spark released" asks something new."""
        rest = [w for i, w in enumerate(parsed.words) if i not in parsed.mentions.consumed]
        return all(w in _SCORE_WORDS or w in _REFERRING or w not in content_tokens([w]) for w in rest)

    def _refers_back(self, parsed: _Parsed) -> bool:
        """ "what mode was that in", "and the score?": about the last answer, not a new topic.
        A short question about something else ("should i learn rust", "what is contemplating
        mode") must not be read as one about the previous benchmark."""
        if parsed.has(_REFERRING):
            return True
        about_scores = parsed.has(_MODE_WORDS) or parsed.has(_SCORE_WORDS)
        return about_scores and self._best_entry(parsed) is None

    def _previous_mentions(self, history: Sequence[Turn]) -> Mentions | None:
        for turn in reversed(history):
            if turn.role != "user":
                continue
            found = self._parse(turn.text).mentions
            if found.benchmarks or found.topics:
                return replace(found, benchmarks=found.benchmarks or found.topics, topics=())
            if not found.empty:
                return found
        return None

    # -- the steps, in order ------------------------------------------------------------------

    def _from_scores(self, parsed: _Parsed) -> Answer | None:
        m = parsed.mentions
        benchmarks = m.benchmarks
        if not benchmarks and m.topics and (m.models or parsed.has(_SCORE_WORDS)):
            benchmarks = m.topics
        if not benchmarks:
            return None
        bench = self.kb.benchmarks[benchmarks[0]]
        if not m.models:
            if parsed.has(_RANK_WORDS) or bench.score_for("muse-spark") is None:
                return self._comparison_answer(self.comparer.rank(bench.id))
            return self._score_answer(bench, ["muse-spark"], parsed)
        return self._score_answer(bench, list(m.models), parsed)

    def _from_comparison(self, parsed: _Parsed) -> Answer | None:
        models = list(parsed.mentions.models)
        if parsed.has(_COMPARE_WORDS) and parsed.has(_ALL_MODELS_WORDS):
            models = [m for m in self.kb.models if any(b.score_for(m) for b in self.kb.benchmarks.values())]
        elif (
            len(models) == 1
            and parsed.has(_COMPARE_WORDS)
            and models[0] != "muse-spark"
            and not parsed.has(_MODE_WORDS)
        ):
            models.insert(0, "muse-spark")
        if len(models) < 2:
            return None
        return self._comparison_answer(self.comparer.compare_models(models))

    def _from_model_name(self, parsed: _Parsed) -> Answer | None:
        """Just a name ("muse spark", "tell me about opus"): what the source says about it."""
        models = parsed.mentions.models
        named = {parsed.words[i] for i in parsed.mentions.consumed if i < len(parsed.words)}
        if len(models) != 1 or not parsed.mentions.consumed or set(parsed.meaningful) - named:
            return None
        overview = self.kb.entries.get(OVERVIEW_ENTRY)
        if models[0] == "muse-spark" and overview is not None:
            return self._entry_answer(overview)
        model = self.kb.models[models[0]]
        text = f"**{model.name}** ({model.vendor}): {model.description}\n\nFigures: `/compare muse-spark {model.id}`"
        answer = self._answer(text, "knowledge", [model.source], model.id)
        answer.title = model.name
        return answer

    def _from_unknowns(self, parsed: _Parsed) -> Answer | None:
        text = f" {' '.join(parsed.words)} "
        for unknown in self.kb.unknowns.values():
            hit = next((t for t in unknown.triggers if f" {' '.join(tokens(t))} " in text), None)
            if hit is not None and self._on_topic(parsed, hit):
                return self._answer(unknown.answer, "knowledge", [unknown.source], unknown.id)
        return None

    def _on_topic(self, parsed: _Parsed, trigger: str) -> bool:
        """ "bitcoin price" names a price, but not Muse Spark's: only a question that is about
        our subject (or too short to be about anything else) gets a "the source doesn't say"."""
        if not parsed.mentions.empty:
            return True
        rest = [w for w in parsed.meaningful if w not in set(tokens(trigger))]
        return len(rest) <= 1 or sum(w in self._domain_words for w in rest) > len(rest) / 2

    def _from_entries(self, parsed: _Parsed) -> Answer | None:
        entry = self._best_entry(parsed)
        return self._entry_answer(entry) if entry is not None else None

    def _entry_answer(self, entry: Entry) -> Answer:
        answer = self._answer(entry.answer, "knowledge", [entry.source], entry.id)
        answer.title = entry.title
        return answer

    def _best_entry(self, parsed: _Parsed) -> Entry | None:
        if not any(w.isalpha() and len(w) > 1 for w in parsed.meaningful):
            return None
        hits = self.retriever.search(" ".join(parsed.words), limit=1)
        if hits and hits[0].confidence >= CONFIDENCE_THRESHOLD:
            return hits[0].entry
        return None

    # -- composing answers --------------------------------------------------------------------

    def _score_answer(self, bench: Benchmark, model_ids: list[str], parsed: _Parsed) -> Answer:
        lines = [self._score_line(bench, self.kb.models[mid], parsed) for mid in model_ids]
        if self._asks_what_it_is(parsed) and len(model_ids) == 1:
            lines.append(f"{bench.name} measures: {bench.measures[0].lower()}{bench.measures[1:]}")
        sources = [bench.source, *(s.source for s in bench.scores if s.model in model_ids)]
        answer = self._answer("\n".join(lines), "knowledge", sources, bench.id)
        answer.title = f"{bench.name}: " + ", ".join(self.kb.models[m].name for m in model_ids)
        return answer

    @staticmethod
    def _asks_what_it_is(parsed: _Parsed) -> bool:
        """ "what does hle measure", "what is arc agi 2": everything said is the benchmark's name."""
        if parsed.has(_MEASURE_WORDS):
            return True
        named = {parsed.words[i] for i in parsed.mentions.consumed if i < len(parsed.words)}
        return all(w in named for w in parsed.meaningful)

    def _score_line(self, bench: Benchmark, model: Model, parsed: _Parsed) -> str:
        score = bench.score_for(model.id)
        others = ", ".join(self._brief(bench, s) for s in bench.ranked() if s.model != model.id)
        if score is None:
            return f"The source doesn't give a {bench.name} figure for {model.name}. It lists: {others}."
        value = bench.format_value(score.value)
        mode = f" in {score.mode} mode" if score.mode and score.mode.lower() not in model.name.lower() else ""
        place = [s.model for s in bench.ranked()].index(model.id)
        if bench.unit == "rank":
            head = f"**{model.name}** ranks **{value}** on {bench.name}"
        else:
            head = f"**{model.name}** scores **{value}** on {bench.name}{mode}"
        standing = "the top figure the source gives" if place == 0 else "behind"
        line = f"{head} — {standing} ({others})." if place == 0 else f"{head}, {standing} {others}."
        return line + self._mode_note(score, parsed)

    def _brief(self, bench: Benchmark, score: Score) -> str:
        model = self.kb.models[score.model]
        mode = f", {score.mode}" if score.mode and score.mode.lower() not in model.name.lower() else ""
        return f"{model.name} {bench.format_value(score.value)}{mode}"

    @staticmethod
    def _mode_note(score: Score, parsed: _Parsed) -> str:
        """Questions about a mode get a plain word when the source says nothing of it."""
        asked = {w for w in parsed.words if w in {"contemplating", "thinking", "mode"}}
        if not asked:
            return ""
        if score.mode is None:
            return " The source doesn't say which mode this figure was in."
        named = asked - {"mode"}
        if named and score.mode.lower() not in named:
            return f" The source doesn't give a figure in {'/'.join(sorted(named)).title()} mode."
        return ""

    def _comparison_answer(self, result: Comparison | Ranking) -> Answer:
        subject = (
            result.benchmark.id if isinstance(result, Ranking) else ",".join(m.id for m in result.models)
        )
        answer = self._answer(result.to_markdown(), "compare", result.source_ids, subject)
        answer.comparison = result
        answer.title = result.title
        return answer

    def _answer(self, text: str, route: str, source_ids: list[str], subject: str) -> Answer:
        return Answer(text, route, SourceRef.lookup(self.kb, source_ids), subject=subject)  # type: ignore[arg-type]

    def _fallback(self, *, greeting: bool = False, llm_hint: bool = False) -> Answer:
        head = "Hi! I'm Muse Bot." if greeting else "That's outside what I know."
        text = (
            f"{head} I answer questions about Meta's **Muse Spark**: its release and team, "
            "Contemplating mode, benchmark results against GPT-5.4, Gemini 3.1 and Claude Opus 4.6, "
            "and its rollout to WhatsApp, Instagram, Facebook, Messenger and the AI glasses.\n\n"
            "Try: _what did muse spark score on healthbench?_ · _what is contemplating mode?_ · "
            "`/compare muse-spark gpt-5.4`"
        )
        if llm_hint:
            text += (
                "\n\n_For other questions my operator can connect a language model "
                "(`LLM_PROVIDER` in the bot's settings)._"
            )
        return Answer(text, "fallback", subject="greeting" if greeting else "")
