"""One answerer per intent: a `Part` of a query in, a `Piece` of the reply out, in the asker's language.

Figures come from the structured scores only (never from prose), with model and mode, in the
reader's locale; a benchmark or a model the source does not hold gets "the source gives no …",
never another one's figure; sentences come from `bot.texts` through the speaker, prose from the
curated entries (translated where a translation is current).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import texts
from bot.answering.compare import Comparer, Comparison, Ranking, figure
from bot.answering.query import Part
from bot.answering.words import verbatim
from bot.i18n import Speaker
from bot.knowledge import Benchmark, Entry, KnowledgeBase, Model, Score
from bot.knowledge.translated import BenchmarkText, EntryText, ModelText, UnknownText, figures_in

_MODE_WORDS = frozenset({"contemplating", "thinking", "mode"})

#: Words asking where a model stands on a benchmark ("where does spark land on the aa index").
_STANDING = frozenset({"rank", "top", "first", "place", "land", "lands", "stand", "stands", "sit", "sits"})


@dataclass
class Piece:
    """The answer to one part: Markdown text, the route it took, its sources and subject."""

    text: str
    route: str = "knowledge"
    sources: list[str] = field(default_factory=list)
    subject: str = ""
    comparison: Comparison | Ranking | None = None
    title: str = ""
    unknown: bool = False


class Answerers:
    """Answers from one knowledge base; each method answers one kind of part."""

    def __init__(self, kb: KnowledgeBase, comparer: Comparer) -> None:
        self.kb = kb
        self.comparer = comparer

    # -- figures ------------------------------------------------------------------------------

    def score(self, part: Part, say: Speaker) -> Piece:
        """Each named model (Muse Spark by default) on each named benchmark; several models on
        several benchmarks make a table."""
        models = list(part.models) or [self.kb.subject]
        if len(models) >= 3 and len(part.benchmarks) == 1:
            return self.rank(part, say)
        if len(models) >= 2 and len(part.benchmarks) >= 2:
            result = self.comparer.compare_models(models, benchmarks=part.benchmarks)
            return Piece(
                result.to_markdown(say), "compare", result.source_ids, ",".join(models), result, result.title
            )
        lines, sources = [], []
        for bench_id in part.benchmarks:
            bench = self.kb.benchmarks[bench_id]
            sources.append(bench.source)
            for model_id in models:
                lines.append(self.score_line(bench, self.kb.models[model_id], part, say))
                found = bench.score_for(model_id)
                sources += [found.source] if found else []
            if len(part.benchmarks) == 1 and self._asks_what_it_is(part):
                lines.append(say(texts.MEASURES, benchmark=bench.name, what=self.measures(bench, say)))
        title = ", ".join(self.kb.benchmarks[b].name for b in part.benchmarks)
        return Piece("\n".join(lines), sources=sources, subject=",".join(part.benchmarks), title=title)

    def score_line(self, bench: Benchmark, model: Model, part: Part, say: Speaker) -> str:
        score = bench.score_for(model.id)
        if score is None:
            others = say.join([self._brief(bench, s, say) for s in bench.ranked()])
            return say(texts.NO_FIGURE_FOR_MODEL, benchmark=bench.name, model=model.name, others=others)
        ahead = [s for s in bench.ranked() if _better(bench, s, score)]
        level = [s for s in bench.ranked() if s.model != model.id and s.value == score.value]
        below = [s for s in bench.ranked() if s.model != model.id and s not in ahead and s not in level]
        fields = {
            "model": model.name,
            "value": figure(bench, score.value, say),
            "benchmark": bench.name,
            "mode": say(texts.IN_MODE, mode=score.mode) if _shows_mode(model, score) else "",
            "ahead": say.join([self._brief(bench, s, say) for s in ahead]),
            "below": say.join([self._brief(bench, s, say) for s in below]),
            "others": say.join([self._brief(bench, s, say) for s in below]),
        }
        if bench.unit == "rank":
            line = say(texts.PLACE_BEHIND if ahead else texts.PLACE_TOP, **fields)
        elif not ahead and level:  # "gpt aa index": 57, as is Gemini 3.1 Pro's
            fields["level"] = say.join([self.kb.models[s.model].name for s in level])
            line = say(texts.SCORE_TIED_TOP if below else texts.SCORE_TIED_ALONE, **fields)
        elif not ahead:
            line = say(texts.SCORE_TOP if below else texts.SCORE_ALONE, **fields)
        else:
            line = say(texts.SCORE_BETWEEN if below else texts.SCORE_BEHIND, **fields)
        return line + self._notes(bench, score, part, say)

    def _translated_note(self, bench: Benchmark, score: Score, language: str) -> str:
        """The source's remark on a figure in `language`; none when it is not translated."""
        translated = self.kb.translations.get(language, "benchmarks", bench.id)
        notes = getattr(translated, "notes", {})
        return notes.get(score.model, "") if score.note else ""

    def _notes(self, bench: Benchmark, score: Score, part: Part, say: Speaker) -> str:
        """The source's own remark on a figure when the question is about standing (or the
        figure is a placing); a plain word when it asks about a mode the source does not give."""
        note = ""
        standing = bool(set(part.words) & _STANDING) or bench.unit == "rank"
        said = score.note if say.language == "en" else self._translated_note(bench, score, say.language)
        if said and standing:
            note = f" {said}"
        asked = {w for w in part.words if w in _MODE_WORDS}
        asked |= {e.removesuffix("-mode") for e in part.entities if e.endswith("-mode")}
        if not asked:
            return note
        if score.mode is None:
            return note + " " + say(texts.NO_MODE_FIGURE)
        named = asked - {"mode"}
        if named and score.mode.lower() not in named:
            return note + " " + say(texts.NO_FIGURE_IN_MODE, mode="/".join(sorted(named)).title())
        return note

    def _brief(self, bench: Benchmark, score: Score, say: Speaker) -> str:
        model = self.kb.models[score.model]
        mode = f" ({score.mode})" if _shows_mode(model, score) else ""
        return f"{model.name}{mode} {figure(bench, score.value, say)}"

    @staticmethod
    def _asks_what_it_is(part: Part) -> bool:
        return bool(set(part.words) & {"measure", "measures", "test", "tests", "mean", "means"}) or (
            not part.models and not [w for w in part.words if w not in {"what", "is", "the", "about"}]
        )

    def rank(self, part: Part, say: Speaker) -> Piece:
        ranking = self.comparer.rank(part.benchmarks[0])
        bench = ranking.benchmark
        text = ranking.to_markdown(say, self.measures(bench, say))
        own = bench.score_for(self.kb.subject)
        note = (
            own.note
            if own and say.language == "en"
            else self._translated_note(bench, own, say.language)
            if own
            else ""
        )
        if note:  # the source's remark on the subject's place ("top 5 globally")
            text += f"\n\n{note}"
        return Piece(text, "compare", ranking.source_ids, bench.id, ranking, ranking.title)

    def compare(self, part: Part, say: Speaker) -> Piece:
        models = list(part.models)
        if len(models) == 1 and models[0] != self.kb.subject:
            models.insert(0, self.kb.subject)
        if len(set(models)) < 2:
            return self.model(part, say)
        result = self.comparer.compare_models(models)
        return Piece(
            result.to_markdown(say), "compare", result.source_ids, ",".join(models), result, result.title
        )

    def field(self, say: Speaker) -> Piece:
        """ "give me all the benchmark scores", "compare it with the other frontier models": the
        subject and every model the source scores (their reasoning modes aside), side by side."""
        scored = {s.model for b in self.kb.benchmarks.values() for s in b.scores}
        others = [m.id for m in self.kb.models.values() if m.id in scored and not m.variant_of]
        chosen = list(dict.fromkeys([self.kb.subject, *others]))
        result = self.comparer.compare_models(chosen)
        return Piece(
            result.to_markdown(say), "compare", result.source_ids, ",".join(chosen), result, result.title
        )

    def scorecard(self, model_id: str, say: Speaker) -> Piece:
        """ "muse spark score?": each figure the source gives the model, with its mode, in one
        line (a table of one column would say less, in more space)."""
        model = self.kb.models[model_id]
        found = [(b, s) for b in self.kb.benchmarks.values() if (s := b.score_for(model_id)) is not None]
        figures = say.join(
            [
                f"{b.short_name or b.name} **{figure(b, s.value, say)}**"
                + (f" ({s.mode})" if _shows_mode(model, s) else "")
                for b, s in found
            ]
        )
        sources = sorted({b.source for b, _ in found})
        return Piece(
            say(texts.SCORECARD, model=model.name, figures=figures),
            sources=sources,
            subject=",".join(b.id for b, _ in found),
            title=model.name,
        )

    def verdict(self, part: Part, say: Speaker) -> Piece:
        """Which is better, from the figures that exist for both (on the named benchmarks, if
        any). Several rivals ("is spark better than gemini and gpt?") get a sentence each,
        against the bot's subject when it is named, else against the first model named."""
        named = list(dict.fromkeys(part.models))
        subject = self.kb.subject
        if subject in named or len(named) < 2:
            anchor, rivals = subject, [m for m in named if m != subject]
        else:
            anchor, rivals = named[0], named[1:]
        if not rivals:
            weak = "worse" in part.words and "better" not in part.words  # "its weakest benchmark"
            return (
                self.score(part, say)
                if part.benchmarks
                else self.strengths(say, weak=weak, asked=bool(part.asks))
            )
        if len(rivals) >= 2:
            return self._group_verdict(part, [anchor, *rivals], say)
        text, sources = self._pair_verdict(part, anchor, rivals[0], say)
        ma, mb = self.kb.models[anchor], self.kb.models[rivals[0]]
        return Piece(
            text, sources=sorted(sources), subject=f"{ma.id},{mb.id}", title=f"{ma.name} vs {mb.name}"
        )

    def _group_verdict(self, part: Part, models: list[str], say: Speaker) -> Piece:
        """ "is spark better than gemini and gpt?": who leads among them on each benchmark that
        gives at least two of them a figure, then the table (ties are left to the table)."""
        benches = [self.kb.benchmarks[x] for x in part.benchmarks] or [
            x for x in self.kb.benchmarks.values() if x.unit == "score"
        ]
        shared = [(x, f) for x in benches if len(f := [(m, s) for m in models if (s := x.score_for(m))]) >= 2]
        if not shared:
            names = [self.kb.models[m].name for m in models]
            return Piece(
                say(texts.VERDICT_NONE, a=say.join(names[:-1]), b=names[-1]), subject=",".join(models)
            )
        wins: dict[str, list[str]] = {}
        for bench, found in shared:
            top = [m for m, s in found if not any(_better(bench, o, s) for _, o in found)]
            if len(top) == 1:
                wins.setdefault(self.kb.models[top[0]].name, []).append(bench.label)
        if len(shared) == 1 and len(wins) == 1:
            bench, found = shared[0]
            lines = say.join([f"{self.kb.models[m].name} {figure(bench, s.value, say)}" for m, s in found])
            text = say(texts.VERDICT_ON, benchmark=bench.name, winner=next(iter(wins)), lines=lines)
            return Piece(text, sources=[bench.source], subject=",".join(models), title=bench.name)
        per = "; ".join(say(texts.LEADS_ON, model=n, benchmarks=say.join(w)) for n, w in wins.items())
        table = self.comparer.compare_models(models, benchmarks=[x.id for x, _ in shared])
        text = say(texts.VERDICT_GROUP, lines=per) + "\n\n" + table.to_markdown(say)
        return Piece(text, "compare", table.source_ids, ",".join(models), table, table.title)

    def _pair_verdict(self, part: Part, a: str, b: str, say: Speaker) -> tuple[str, set[str]]:
        """One pair's verdict sentence and the sources behind it."""
        ma, mb = self.kb.models[a], self.kb.models[b]
        named = [self.kb.benchmarks[x] for x in part.benchmarks]
        if part.topic_only and all(x.general for x in named) and len(set(part.models)) <= 2:
            named = []  # "spark or gpt, which is better overall": every figure, not the index alone
        benches = named or [x for x in self.kb.benchmarks.values() if x.unit == "score"]
        stand_in = self._stand_in(named, b) if named else None
        if stand_in is not None:  # "does it beat gemini at vision?": the source ranks Gemini's Preview
            return self._pair_verdict(part, a, stand_in, say)
        pairs = [(x, x.score_for(a), x.score_for(b)) for x in benches]
        both = [(x, sa, sb) for x, sa, sb in pairs if sa and sb]
        missing = [(x, ma if sa is None else mb) for x, sa, sb in pairs if (sa is None) != (sb is None)]
        text = self._verdict_text(ma, mb, both, say, asked=bool(named))
        if "margin" in part.words and len(both) == 1 and both[0][0].unit == "score":  # "by how much?"
            bench, sa, sb = both[0]
            text += " " + say(texts.VERDICT_GAP, gap=say.number(abs(sa.value - sb.value), bench.decimals))
        lacking: dict[str, list[str]] = {}
        for bench, model in missing:
            lacking.setdefault(model.name, []).append(bench.name)
        for name, names in lacking.items():
            text += " " + say(texts.VERDICT_MISSING, model=name, benchmarks=say.join(names))
        return text, {x.source for x in benches}

    def _stand_in(self, benches: list[Benchmark], model: str) -> str | None:
        """A variant of `model` that has a figure on every one of `benches` where `model` has
        none (Gemini 3.1 Pro Preview on vision, GPT-5.4 Pro on Humanity's Last Exam), if any."""
        if any(x.score_for(model) for x in benches):
            return None
        variants = [m.id for m in self.kb.models.values() if m.variant_of == model]
        return next((v for v in variants if all(x.score_for(v) for x in benches)), None)

    def _verdict_text(
        self, ma: Model, mb: Model, both: list[tuple[Benchmark, Score, Score]], say: Speaker, *, asked: bool
    ) -> str:
        """`asked`: the question named the benchmarks, so one shared figure is what was asked,
        not all the source has ("On Terminal-Bench 2.0, GPT-5.4 comes out ahead")."""
        if not both:
            return say(texts.VERDICT_NONE, a=ma.name, b=mb.name)

        def line(x: Benchmark, sa: Score, sb: Score) -> str:
            return say(
                texts.VERSUS_LINE,
                a=ma.name,
                a_value=figure(x, sa.value, say),
                b=mb.name,
                b_value=figure(x, sb.value, say),
                benchmark=x.label,
            )

        wins: dict[str, list[str]] = {ma.name: [], mb.name: []}
        for x, sa, sb in both:
            if sa.value != sb.value:
                wins[(ma if _better(x, sa, sb) else mb).name].append(x.label)
        lines = "; ".join(line(*t) for t in both)
        if len(both) == 1:
            x = both[0][0]
            winner = next((n for n, w in wins.items() if w), "")
            if not winner:
                return say(texts.VERDICT_TIE, benchmark=x.name, lines=lines)
            template = texts.VERDICT_ON if asked else texts.VERDICT_ONE
            return say(template, benchmark=x.name, winner=winner, lines=lines)
        leaders = [n for n, w in wins.items() if w]
        if len(leaders) == 1:
            return say(texts.VERDICT_ALL, winner=leaders[0], lines=lines)
        per = "; ".join(say(texts.LEADS_ON, model=n, benchmarks=say.join(w)) for n, w in wins.items() if w)
        return say(texts.VERDICT_MIXED, lines=f"{per} ({lines})")

    def strengths(self, say: Speaker, *, weak: bool = False, asked: bool = True) -> Piece:
        """ "what is it best at?": where it leads and where it falls short, in one answer; not
        `asked` (a yes-no question: "is it the best?") the same, opening with "not across the
        board"; `weak` ("where does it struggle?"): where it falls short."""
        both = ["strengths-and-weaknesses", "is-muse-spark-the-best"]
        ids = ["weaknesses-summary"] if weak else both if asked else both[::-1]
        entry = next((self.kb.entries[i] for i in ids if i in self.kb.entries), None)
        if entry is None:
            return self.model(Part(()), say)
        return self.entry(entry, say)

    def model(self, part: Part, say: Speaker) -> Piece:
        """What the source says about one model (Muse Spark: the overview entry)."""
        model_id = part.models[0] if part.models else self.kb.subject
        overview = self.kb.entries.get("what-is-muse-spark")
        if model_id == self.kb.subject and overview is not None:
            return self.entry(overview, say)
        model = self.kb.models[model_id]
        found = self.kb.translations.get(say.language, "models", model.id)
        description = found.description if isinstance(found, ModelText) else model.description
        text = f"**{model.name}** ({model.vendor})" + (f": {description}" if description else ".")
        if model.id != self.kb.subject:
            text += "\n\n" + say(texts.MODEL_FIGURES, subject=self.kb.subject, model=model.id)
        return Piece(text, sources=[model.source], subject=model.id, title=model.name)

    # -- prose ----------------------------------------------------------------------------------

    def quotes_figures(self, entry: Entry) -> bool:
        """Whether an entry states any benchmark score."""
        scores = {
            b.format_value(s.value)
            for b in self.kb.benchmarks.values()
            if b.unit == "score"
            for s in b.scores
        }
        return bool(scores & set(figures_in(entry.answer)))

    def entry(self, entry: Entry, say: Speaker) -> Piece:
        found = self.kb.translations.get(say.language, "entries", entry.id)
        text, title = (
            (found.answer, found.title) if isinstance(found, EntryText) else (entry.answer, entry.title)
        )
        return Piece(text, sources=[entry.source], subject=entry.id, title=title)

    def unknown(self, unknown_id: str, say: Speaker) -> Piece:
        item = self.kb.unknowns[unknown_id]
        found = self.kb.translations.get(say.language, "unknowns", item.id)
        text = found.answer if isinstance(found, UnknownText) else item.answer
        return Piece(text, sources=[item.source], subject=item.id, unknown=True)

    def not_in_source(
        self, what: str, say: Speaker, *, benchmark: bool = False, model: bool = False
    ) -> Piece:
        template = (
            texts.NO_SUCH_BENCHMARK if benchmark else texts.NO_SUCH_MODEL if model else texts.NOT_IN_SOURCE
        )
        text = say(template, name=verbatim(what), what=verbatim(what))
        return Piece(text, sources=list(self.kb.sources)[:1], subject="not-in-source", unknown=True)

    def measures(self, bench: Benchmark, say: Speaker, *, sentence: bool = False) -> str:
        """What the benchmark measures, in the asker's language; lower-cased to follow "measures:"
        in English unless it stands as a `sentence` of its own."""
        found = self.kb.translations.get(say.language, "benchmarks", bench.id)
        text = found.measures if isinstance(found, BenchmarkText) else bench.measures
        return text[0].lower() + text[1:] if say.language == "en" and not sentence else text


def _better(bench: Benchmark, a: Score, b: Score) -> bool:
    return a.value > b.value if bench.higher_is_better else a.value < b.value


def _shows_mode(model: Model, score: Score) -> bool:
    """A variant's name already says "Pro" or "Deep Think"; say the mode only when it adds."""
    return bool(score.mode) and (score.mode or "").lower() not in model.name.lower()
