"""The figure guard: every benchmark figure a language model writes is checked against the
knowledge base before the answer is shown as final.

A model that misremembers a score would otherwise put a wrong number in front of people with the
bot's authority behind it. For each sentence of the model's text, each number that sits with a
benchmark the knowledge base holds is read as a claim about the models that sentence names:

- it is **right** when one of those models has exactly that figure there (in the reader's or the
  source's decimal style) — left untouched, however the sentence is ordered;
- it is **wrong** when none has it: the nearest named model's stored figure replaces it, marked
  `(corrected)`;
- it is **unsourced** when the named model has no figure on that benchmark at all (the source
  gives Claude Opus 4.6 only on the AA index): marked `(not from the knowledge base)`;
- a mode named beside a right figure that the source gives in another mode ("42.5 in
  Contemplating mode" for ARC-AGI 2, which was Thinking) gets the source's mode in brackets.

Numbers that are not benchmark figures (dates, billions of users, "ten times") are left alone:
only numbers in a sentence that names a benchmark count, and only ones shaped like its figures.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from bot.answering.lexicon import MentionIndex, Span
from bot.answering.words import tokens
from bot.knowledge import Benchmark, KnowledgeBase

__all__ = ["FigureGuard", "Guarded"]

_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+")
_FIGURE = re.compile(r"(?<![\w.,#])(\d{1,3}(?:[.,]\d{1,2})?)(?![\w]|[.,]\d)")
_MODES = {"contemplating": "Contemplating", "thinking": "Thinking"}
CORRECTED = " (corrected)"
UNSOURCED = " (not from the knowledge base)"


@dataclass
class Guarded:
    """The checked text and what was done: `kinds` counts `corrected`, `unsourced`, `mode`."""

    text: str
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


class FigureGuard:
    """Checks model text against one knowledge base (its names and its scores)."""

    def __init__(self, kb: KnowledgeBase, index: MentionIndex) -> None:
        self._kb = kb
        self._index = index

    def check(self, text: str) -> Guarded:
        """The text with every wrong benchmark figure corrected and every unsourced one marked."""
        result = Guarded("")
        pieces = _SENTENCE.split(text)
        separators = [*_SENTENCE.findall(text), ""]
        out = [self._sentence(p, result) + sep for p, sep in zip(pieces, separators, strict=True)]
        result.text = "".join(out)
        return result

    def _sentence(self, sentence: str, result: Guarded) -> str:
        spans = self._spans(sentence)
        benches = [self._kb.benchmarks[s.ident] for _, s in spans if s.kind in ("benchmark", "topic")]
        models = [(pos, s.ident) for pos, s in spans if s.kind == "model"]
        if not benches or not models:
            return sentence
        edits: list[tuple[int, int, str, str]] = []
        for match in _FIGURE.finditer(sentence):
            if self._inside_name(match.start(), sentence, spans):
                continue
            placed = [(p, self._kb.benchmarks[s.ident]) for p, s in spans if s.kind in ("benchmark", "topic")]
            edit = self._judge(placed, match, models, sentence)
            if edit is not None:
                edits.append(edit)
        for start, end, replacement, kind in sorted(edits, reverse=True):
            sentence = sentence[:start] + replacement + sentence[end:]
            result.kinds[kind] += 1
        return sentence

    def _judge(
        self,
        placed: list[tuple[int, Benchmark]],
        match: re.Match[str],
        models: list[tuple[int, str]],
        sentence: str,
    ) -> tuple[int, int, str, str] | None:
        raw = match.group(1)
        value = raw.replace(",", ".")
        bench = _nearest_bench(match.start(), placed)
        if not _shaped_like(bench, value) or _not_a_score(sentence, match):
            return None
        named = [m for _, m in models]
        for _, candidate in sorted(placed, key=lambda pb: abs(pb[0] - match.start())):
            owners = [
                m
                for m in named
                if (s := candidate.score_for(m)) is not None and _same(candidate, s.value, value)
            ]
            if owners:  # some model the sentence names has exactly this figure on a benchmark it names
                return self._mode_note(candidate, owners[0], match, sentence)
        nearest = _nearest_model(match.start(), models)
        score = bench.score_for(nearest)
        if score is None:
            return (match.end(), match.end(), UNSOURCED, "unsourced")
        right = bench.format_value(score.value).lstrip("#")
        right = right.replace(".", ",") if "," in raw else right
        return (match.start(), match.end(), right + CORRECTED, "corrected")

    def _mode_note(
        self, bench: Benchmark, model: str, match: re.Match[str], sentence: str
    ) -> tuple[int, int, str, str] | None:
        score = bench.score_for(model)
        if score is None or not score.mode:
            return None
        near = sentence[max(0, match.start() - 40) : match.end() + 40].lower()
        said = [name for word, name in _MODES.items() if re.search(rf"\b{word}\b", near)]
        if said and score.mode not in said and score.mode.lower() not in self._kb.models[model].name.lower():
            return (match.end(), match.end(), f" ({score.mode} mode)", "mode")
        return None

    def _spans(self, sentence: str) -> list[tuple[int, Span]]:
        """Names in the sentence with their character positions; a possessive ("GPT-5.4 Pro's")
        is read both with and without its "'s", the longer name winning."""
        found: dict[int, tuple[int, Span]] = {}
        for possessive in (False, True):
            for position, span in self._spans_of(sentence, strip=possessive):
                if position not in found or span.length > found[position][1].length:
                    found[position] = (position, span)
        return [found[p] for p in sorted(found)]

    def _spans_of(self, sentence: str, *, strip: bool) -> list[tuple[int, Span]]:
        toks: list[str] = []
        starts: list[int] = []
        for m in re.finditer(r"[\w.'’-]+", sentence):
            word = re.sub(r"['’]s$", "", m.group(0)) if strip else m.group(0)
            for tok in tokens(word):
                toks.append(tok)
                starts.append(m.start())
        return [(starts[s.start], s) for s in self._index.spans(toks)]

    @staticmethod
    def _inside_name(position: int, sentence: str, spans: list[tuple[int, Span]]) -> bool:
        """ "GPT-5.4", "Gemini 3.1", "Opus 4.6", "ARC-AGI 2": a version, not a figure."""
        before = sentence[max(0, position - 12) : position].lower()
        return bool(re.search(r"(gpt|gemini|opus|claude|llama|agi|bench|index|v|spark|muse)[\s-]*$", before))


def _nearest_model(position: int, models: list[tuple[int, str]]) -> str:
    """The model named last before a figure (or, if none, the first after it)."""
    before = [m for p, m in models if p <= position]
    return before[-1] if before else models[0][1]


def _nearest_bench(position: int, benches: list[tuple[int, Benchmark]]) -> Benchmark:
    """The benchmark named closest to a figure, before or after it ("76.5 on ARC-AGI 2")."""
    return min(benches, key=lambda pb: abs(pb[0] - position))[1]


def _not_a_score(sentence: str, match: re.Match[str]) -> bool:
    """ "top 5", "#2", "10 times", "3 billion", "50%": numbers beside a figure that are not one."""
    before = sentence[max(0, match.start() - 8) : match.start()].lower()
    after = sentence[match.end() : match.end() + 12].lower()
    return bool(
        re.search(r"(top|#|no\.?|number|than|over|under|about|by)\s*$", before)
        or re.match(
            r"\s*(%|x\b|times|billion|million|months?|years?|weeks?|days?|agents?|models?|points?|pts)", after
        )
    )


def _shaped_like(bench: Benchmark, value: str) -> bool:
    """A figure of this benchmark's kind: a score with the source's decimals, 0–100."""
    if bench.unit == "rank":
        return False
    if bench.decimals and "." not in value:
        return False
    try:
        return 0 <= float(value) <= 100
    except ValueError:
        return False


def _same(bench: Benchmark, stored: float, written: str) -> bool:
    return abs(stored - float(written)) < 0.1 ** (bench.decimals + 1)
