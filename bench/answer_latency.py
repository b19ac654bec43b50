"""In-process answer latency over the whole evaluation set, against a baseline from the same run.

Baseline: `tokens()` normalisation of the same question (the least any answer must do), so the
ratio says how much the engine adds on top of reading the words, whatever the machine.
Also: knowledge-base load and engine build time.

    .venv/bin/python bench/answer_latency.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import time

from _common import median, percentile, table

from bot.answering.answer import Turn
from bot.answering.engine import Engine
from bot.answering.words import normalize, tokens
from bot.knowledge import load_knowledge
from tests.eval.harness import load_items


def _fresh_tokens(question: str) -> list[str]:
    """`tokens()` without `normalize`'s cache: the same work for every round of the baseline."""
    normalize.cache_clear()
    return tokens(question)


def _per_question(fn, cases, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        for args in cases:
            start = time.perf_counter()
            fn(*args)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds

    builds, loads = [], []
    for _ in range(5):
        start = time.perf_counter()
        kb = load_knowledge()
        loaded = time.perf_counter()
        engine = Engine(kb)
        loads.append(loaded - start)
        builds.append(time.perf_counter() - loaded)

    items = load_items()
    cases = [(i.q, [Turn("user", h) for h in i.history]) for i in items]
    for q, h in cases:  # warm caches (speller) the way a running bot has them
        engine.lookup(q, h)

    base = _per_question(lambda q, h: _fresh_tokens(q), cases, rounds)
    answer = _per_question(engine.lookup, cases, rounds)
    base_med, base_p99 = median(base), percentile(base, 0.99)
    ans_med, ans_p99 = median(answer), percentile(answer, 0.99)

    us = 1e6
    print(f"## Answer latency — {len(items)} questions × {rounds} rounds\n")
    print(
        table(
            ["measure", "median", "p99", "median ÷ baseline", "p99 ÷ baseline"],
            [
                [
                    "baseline: `tokens()` only",
                    f"{base_med * us:.1f} µs",
                    f"{base_p99 * us:.1f} µs",
                    "1×",
                    "1×",
                ],
                [
                    "`engine.lookup()`",
                    f"{ans_med * us:.0f} µs",
                    f"{ans_p99 * us:.0f} µs",
                    f"{ans_med / base_med:.0f}×",
                    f"{ans_p99 / base_p99:.0f}×",
                ],
            ],
        )
    )
    print()
    print(
        table(
            ["start-up (median of 5)", "time"],
            [
                ["`load_knowledge()`", f"{median(loads) * 1e3:.1f} ms"],
                ["`Engine(kb)` build", f"{median(builds) * 1e3:.1f} ms"],
                ["load + build ÷ one median answer", f"{(median(loads) + median(builds)) / ans_med:.0f}×"],
            ],
        )
    )


if __name__ == "__main__":
    main()
