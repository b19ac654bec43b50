"""Models side by side on benchmarks, and models ranked on one benchmark.

The result is data first (`Comparison`, `Ranking`), so Telegram can draw a chart from the same
numbers the table shows; `to_markdown()` is laid out for a phone: a monospace block about 32
characters wide for two models, a compact list when more models would not fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import texts
from bot.answering.lexicon import MentionIndex
from bot.answering.words import tokens, verbatim
from bot.i18n import Speaker, speaker
from bot.knowledge import Benchmark, KnowledgeBase, Model, Score

PHONE_WIDTH = 34
_MAX_WORDS = 12  # a /compare longer than this is not a list of model names
#: Where people separate the names in "/compare spark vs gemini", "opus, gpt", "spark e gpt".
_SEPARATOR = re.compile(r"(?i)\s(?:vs\.?|versus|and|with|or|against|contra|y|e|dan|aur|x|&)\s|,|;|\|")


class CompareError(ValueError):
    """A name that is no known model or benchmark; the message says what is known."""


@dataclass(frozen=True)
class Row:
    benchmark: Benchmark
    cells: tuple[Score | None, ...]
    leaders: frozenset[int]


@dataclass(frozen=True)
class Comparison:
    models: tuple[Model, ...]
    rows: tuple[Row, ...]

    @property
    def source_ids(self) -> list[str]:
        ids = {s.source for r in self.rows for s in r.cells if s} | {r.benchmark.source for r in self.rows}
        return sorted(ids)

    @property
    def title(self) -> str:
        return " vs ".join(m.name for m in self.models)

    def to_markdown(self, say: Speaker | None = None) -> str:
        """The table for a phone, figures in the reader's locale (`say`; English without one)."""
        say = say or speaker("en")
        title = " vs ".join(f"**{m.name}**" for m in self.models)
        if not self.rows:
            return say(texts.NO_COMMON_FIGURE, models=title)
        table = _grid(self, say) if _grid_width(self, say) <= PHONE_WIDTH else _list(self, say)
        legend = _legend(self, say)
        return f"{title}\n\n{table}\n\n{legend}".rstrip()


@dataclass(frozen=True)
class Ranking:
    benchmark: Benchmark
    entries: tuple[tuple[Model, Score], ...]

    @property
    def source_ids(self) -> list[str]:
        return sorted({s.source for _, s in self.entries} | {self.benchmark.source})

    @property
    def title(self) -> str:
        return f"{self.benchmark.name}: ranking"

    def to_markdown(self, say: Speaker | None = None, measures: str | None = None) -> str:
        """The ranking, best first; `measures` replaces the English description (a translation)."""
        say = say or speaker("en")
        b = self.benchmark
        direction = say(_direction(b))
        lines = [f"**{b.name}** ({direction})", f"_{measures or b.measures}_", ""]
        values = [score.value for _, score in self.entries]
        for place, (model, score) in enumerate(self.entries, 1):
            mode = f" ({score.mode})" if _shows_mode(model, score) else ""
            tied = f" ({say(texts.TIED)})" if values.count(score.value) > 1 else ""
            lines.append(f"{place}. {model.name}{mode} — **{figure(b, score.value, say)}**{tied}")
        return "\n".join(lines)


class Comparer:
    """Resolves names (aliases, typos) and builds comparisons from one knowledge base."""

    def __init__(self, kb: KnowledgeBase, mentions: MentionIndex) -> None:
        self._kb = kb
        self._mentions = mentions

    def compare(
        self, names: Sequence[str], *, mend: Callable[[str], str] = str, say: Speaker | None = None
    ) -> Comparison | Ranking:
        """`[benchmark]` ranks; two or more models compare; anything else explains itself
        (`CompareError`, in `say`'s language).

        `names` are the command's words as typed: "muse spark vs gemini 3.1 pro", "opus, gpt",
        "spark gpt-5.4". `mend` corrects typos ("muse sprak"); a name is tried as typed first.
        """
        say = say or speaker("en")
        names = [n for n in names if n.strip()]
        if not names:
            raise CompareError(self.usage(say))
        if len(names) == 1:
            bench = self._mentions.resolve_benchmark(names[0]) or self._mentions.resolve_benchmark(
                mend(names[0])
            )
            if bench is not None:
                return self.rank(bench.id)
        return self.compare_models([m.id for m in self._models(names, mend, say)], say=say)

    def compare_models(
        self, model_ids: Sequence[str], *, benchmarks: Sequence[str] = (), say: Speaker | None = None
    ) -> Comparison:
        """The models side by side on every benchmark (or on `benchmarks`) where one has a figure."""
        models = tuple(self._kb.models[i] for i in dict.fromkeys(model_ids))
        if len(models) < 2:
            say = say or speaker("en")
            only = models[0].name if models else "—"
            raise CompareError(f"{say(texts.COMPARE_NEEDS_TWO, model=only)}\n\n{self.usage(say)}")
        rows = [
            self._row(b, models) for b in self._kb.benchmarks.values() if not benchmarks or b.id in benchmarks
        ]
        return Comparison(models, tuple(r for r in rows if r is not None))

    def rank(self, benchmark_id: str) -> Ranking:
        bench = self._kb.benchmarks[benchmark_id]
        entries = tuple((self._kb.models[s.model], s) for s in bench.ranked())
        return Ranking(bench, entries)

    def usage(self, say: Speaker | None = None) -> str:
        say = say or speaker("en")
        models = ", ".join(f"`{m.id}`" for m in self._kb.models.values())
        benches = ", ".join(f"`{b.id}`" for b in self._kb.benchmarks.values())
        return say(texts.COMPARE_USAGE, models=models, benchmarks=benches)

    def _models(self, names: Sequence[str], mend: Callable[[str], str], say: Speaker) -> list[Model]:
        """The models named, in order. The words are split where people separate names ("vs",
        "and", commas); without a separator, each word is tried as a model and, failing that,
        all of them as one phrase (`/compare muse spark gpt 5.4` arrives split at every space).
        Every name that is no model is reported, not just the first."""
        phrase = " ".join(names)
        groups = [g for g in _SEPARATOR.split(f" {phrase} ") if g.strip()]
        if len(groups) == 1:
            try:
                return [self._model(n, mend, say) for n in names]
            except CompareError:
                found = self._phrase(phrase, mend)
                if found:
                    return found
                groups = self._pieces(names, mend)  # "spark grok": Muse Spark, and 'grok'
        models: list[Model] = []
        problems: list[str] = []
        for group in groups:
            try:
                models.append(self._model(group.strip(), mend, say))
            except CompareError as exc:
                found = self._phrase(group, mend)
                models += found
                if not found:
                    problems.append(str(exc))
        if problems:
            known = ", ".join(m.name for m in self._kb.models.values())
            raise CompareError("\n".join([*problems, say(texts.COMPARE_KNOWN_MODELS, models=known)]))
        return models

    def _pieces(self, names: Sequence[str], mend: Callable[[str], str]) -> list[str]:
        """The words, as typed, cut into the longest runs that name a model and the runs
        between them ("spark grok" → "spark", "grok"; "gpt-6" stays one unknown name)."""
        names = list(names)[:_MAX_WORDS]

        def names_a_model(i: int, j: int) -> bool:
            chunk = " ".join(names[i:j])
            return bool(self._mentions.resolve_model(chunk) or self._mentions.resolve_model(mend(chunk)))

        pieces: list[str] = []
        i = 0
        while i < len(names):
            j = next((j for j in range(len(names), i, -1) if names_a_model(i, j)), None)
            if j is None:  # an unknown run, up to where a model starts
                j = i + 1
                while j < len(names) and not any(names_a_model(j, k) for k in range(j + 1, len(names) + 1)):
                    j += 1
            pieces.append(" ".join(names[i:j]))
            i = j
        return pieces

    def _phrase(self, phrase: str, mend: Callable[[str], str]) -> list[Model]:
        """The models a phrase names, when it names models and nothing else."""
        words = tokens(mend(phrase))
        found = self._mentions.find(words)
        if found.models and not found.benchmarks and not found.entities and len(found.consumed) == len(words):
            return [self._kb.models[m] for m in found.models]
        return []

    def _model(self, name: str, mend: Callable[[str], str], say: Speaker) -> Model:
        model = self._mentions.resolve_model(name) or self._mentions.resolve_model(mend(name))
        if model is not None:
            return model
        bench = self._mentions.resolve_benchmark(name)
        if bench is not None:
            raise CompareError(say(texts.COMPARE_IS_BENCHMARK, name=verbatim(name), benchmark=bench.id))
        hint = self._mentions.suggest(name, kinds=frozenset({"model"}))
        if hint:
            raise CompareError(
                say(
                    texts.COMPARE_UNKNOWN_SUGGEST,
                    name=verbatim(_clip(name)),
                    suggestions=say.join(hint, style="or"),
                )
            )
        raise CompareError(say(texts.COMPARE_UNKNOWN, name=verbatim(_clip(name))))

    @staticmethod
    def _row(bench: Benchmark, models: Sequence[Model]) -> Row | None:
        cells = tuple(bench.score_for(m.id) for m in models)
        present = [(i, c.value) for i, c in enumerate(cells) if c is not None]
        if not present:
            return None
        pick = max if bench.higher_is_better else min
        best = pick(v for _, v in present)
        leaders = frozenset(i for i, v in present if v == best) if len(present) > 1 else frozenset()
        return Row(bench, cells, leaders)


def _direction(bench: Benchmark) -> str:
    """Which way is better, as a reader of the ranking needs it: a placing is best at #1."""
    if bench.unit == "rank":
        return texts.RANK_FIRST_IS_BEST
    return texts.HIGHER_IS_BETTER if bench.higher_is_better else texts.LOWER_IS_BETTER


def _clip(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _shows_mode(model: Model, score: Score) -> bool:
    """A variant's name already says "Pro" or "Deep Think"; say the mode only when it adds."""
    return bool(score.mode) and score.mode.lower() not in model.name.lower()  # type: ignore[union-attr]


def figure(bench: Benchmark, value: float, say: Speaker) -> str:
    """A figure as the source writes it ("59.0", "52", "#2"), in the reader's locale ("59,0")."""
    if bench.unit == "rank":
        return say(texts.PLACE_NUMBER, n=f"{value:.0f}")
    return say.number(value, bench.decimals)


def _cell(
    bench: Benchmark,
    model: Model,
    score: Score | None,
    leader: bool,
    say: Speaker,
    *,
    spell_mode: bool = False,
) -> str:
    """A table cell: "42.5* T" in the grid (legend below), "42.5 (Thinking)" in the list."""
    if score is None:
        return "—"
    mark = "*" if leader else ""
    mode = ""
    if _shows_mode(model, score) and score.mode:
        mode = f" ({score.mode})" if spell_mode else f" {_mode_letter(score.mode)}"
    return f"{figure(bench, score.value, say)}{mark}{mode}"


def _mode_letter(mode: str) -> str:
    return mode[0].upper()


def _columns(c: Comparison, say: Speaker) -> list[list[str]]:
    head = ["", *(m.label for m in c.models)]
    body = [
        [
            r.benchmark.label,
            *(
                _cell(r.benchmark, m, s, i in r.leaders, say)
                for i, (m, s) in enumerate(zip(c.models, r.cells, strict=True))
            ),
        ]
        for r in c.rows
    ]
    return [head, *body]


def _grid_width(c: Comparison, say: Speaker) -> int:
    rows = _columns(c, say)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return sum(widths) + 2 * (len(widths) - 1)


def _grid(c: Comparison, say: Speaker) -> str:
    rows = _columns(c, say)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "```\n" + "\n".join(lines) + "\n```"


def _list(c: Comparison, say: Speaker) -> str:
    blocks = []
    for r in c.rows:
        lines = [f"**{r.benchmark.name}**"]
        for i, (m, s) in enumerate(zip(c.models, r.cells, strict=True)):
            cell = _cell(r.benchmark, m, s, False, say, spell_mode=True)
            lines.append(f"{'★' if i in r.leaders else '·'} {m.name}: {cell}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _legend(c: Comparison, say: Speaker) -> str:
    modes = sorted(
        {
            s.mode
            for r in c.rows
            for m, s in zip(c.models, r.cells, strict=True)
            if s and s.mode and _shows_mode(m, s)
        }
    )
    grid = _grid_width(c, say) <= PHONE_WIDTH
    parts = [say(texts.LEGEND_LEADS, mark="*" if grid else "★"), say(texts.LEGEND_NO_FIGURE)]
    parts += [say(texts.LEGEND_MODE, letter=_mode_letter(m), mode=m) for m in modes] if grid else []
    return "_" + " · ".join(parts) + "_"
