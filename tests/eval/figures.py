"""Which figures a text states, so answers and knowledge files can be checked against the source.

The harness's digit check reads "#1" as a figure the article lacks, although the article says
Muse Spark is "second ... behind only Gemini 3.1 Pro Preview". A figure counts as in the source
when the source states it in digits ("42.8") or in words ("ten times", "second").
"""

from __future__ import annotations

import re

from tests.seed import REPO, seed_files, seed_text

_NUMBER_WORDS = {
    **{
        w: str(i)
        for i, w in enumerate(
            [
                "zero",
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
                "thirteen",
                "fourteen",
                "fifteen",
                "sixteen",
                "seventeen",
                "eighteen",
                "nineteen",
                "twenty",
            ]
        )
    },
    **{
        w: str(10 * i)
        for i, w in enumerate(["thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 3)
    },
    **{
        w: str(i)
        for i, w in enumerate(
            ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"], 1
        )
    },
    "twice": "2",
    "dozen": "12",
}
_WORD = re.compile(r"[a-z]+")
_FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w|\.\d)")


def figures(text: str) -> set[str]:
    """Digits as written ("59.0", "2026") plus the values of number words ("ten" → "10")."""
    found = set(_FIGURE.findall(text))
    found.update(_NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS)
    return found


def source_figures() -> set[str]:
    """Figures an answer may state: those of the knowledge files (which CI checks against the
    article) and, when this checkout has it, the article's own."""
    files = sorted((REPO / "knowledge").rglob("*.yaml"))
    known = set().union(*(figures(p.read_text(encoding="utf-8")) for p in files))
    return known | (figures(seed_text()) if seed_files() else set())


def invented(answer: str, question: str, known: set[str]) -> set[str]:
    """Figures in an answer that neither the source nor the question contains."""
    return figures(answer) - known - figures(question)
