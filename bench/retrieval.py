"""Which retriever the engine should use, decided on the evaluation set.

Rows: the plain BM25 baseline (`PlainRetriever`), the default `CuratedRetriever`, the curated
retriever given a speller with an empty vocabulary, and — because `Engine` already mends typos
before it calls the retriever — the curated retriever with the engine's own speller emptied too.

    .venv/bin/python bench/retrieval.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from _common import table

from bot.answering.answer import Answer, Turn
from bot.answering.engine import Engine
from bot.answering.retrieval import CuratedRetriever, PlainRetriever
from bot.answering.words import Speller
from bot.knowledge import load_knowledge
from tests.eval.figures import invented, source_figures
from tests.eval.harness import evaluate, judge, load_items, seed_figures

# Misspelt score questions: does the figure come first (within the first 60 characters)?
TYPOS = [
    ("what did muse spark score on helthbench hard", "42.8"),
    ("how did gemni 3.1 pro do on healthbench", "20.6"),
    ("muse sprak hle score", "50.2"),
    ("temrinal bench score for spark", "59.0"),
    ("gpt 5.4 healtbench", "40.1"),
    ("humanitys lsat exam muse spark", "50.2"),
    ("gemini termnal bench", "68.5"),
    ("claude opsu aa index", "53"),
]


def _timed(engine: Engine) -> tuple[list[float], list[str], Callable[[str, list[Turn]], Answer]]:
    """`engine.lookup`, timed; a crash counts as a failed answer (and is listed) instead of ending the run."""
    times: list[float] = []
    crashes: list[str] = []

    def lookup(q: str, history: list[Turn]) -> Answer:
        start = time.perf_counter()
        try:
            answer = engine.lookup(q, history)
        except Exception as exc:
            crashes.append(f"{q!r} after {[t.text for t in history]}: {type(exc).__name__}")
            answer = Answer(f"crashed: {exc!r}", "fallback")
        times.append(time.perf_counter() - start)
        return answer

    return times, crashes, lookup


def main() -> None:
    kb = load_knowledge()
    no_speller = Engine(kb, retriever=CuratedRetriever(kb, Speller([])))
    nothing_mended = Engine(kb, retriever=CuratedRetriever(kb, Speller([])))
    nothing_mended.speller = Speller([])
    approaches = {
        "PlainRetriever (BM25 over prose)": Engine(kb, retriever=PlainRetriever(kb)),
        "CuratedRetriever (default)": Engine(kb),
        "Curated, retriever's speller empty": no_speller,
        "Curated, no speller anywhere": nothing_mended,
    }
    items = [i for i in load_items() if i.unknown]
    digits, known = seed_figures(), source_figures()
    rows: list[list[str]] = []
    notes: list[str] = []
    for name, engine in approaches.items():
        times, crashes, lookup = _timed(engine)
        rate, _ = evaluate(lookup)
        said = invented_count = 0
        for item in items:
            answer = lookup(item.q, [Turn("user", h) for h in item.history])
            said += judge(item, answer, digits) is None
            invented_count += bool(invented(answer.text, item.q, known))
        times.clear()  # latency: 5 more passes over every question, after the warm-up above
        all_items = load_items()
        for _ in range(5):
            for item in all_items:
                lookup(item.q, [Turn("user", h) for h in item.history])
        typos = sum(figure in lookup(q, []).text[:60] for q, figure in TYPOS)
        rows.append(
            [
                name,
                f"{rate:.1%}",
                f"{said}/{len(items)} said unknown · {invented_count} invented",
                f"{statistics.median(times) * 1e6:.0f} µs",
                f"{typos}/{len(TYPOS)}",
                str(len(set(crashes))),
            ]
        )
        notes += [f"- {name}: crash on {c}" for c in dict.fromkeys(crashes)]
    print(f"## Retrieval — {len(load_items())} evaluation questions ({len(items)} unknown)\n")
    print(
        table(
            ["approach", "pass rate", "unknown-safety", "median latency", "typos: figure first", "crashes"],
            rows,
        )
    )
    if notes:
        print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
