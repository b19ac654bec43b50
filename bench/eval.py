"""The evaluation sets through the bot with no language model: pass rate per set, the share of
answers in the asker's language, answers on the wrong topic, and failures by kind of question.

    .venv/bin/python bench/eval.py              # every set
    .venv/bin/python bench/eval.py en-dev       # one set (add --failures to list them)

Fresh sets are scored, never listed: `--failures` refuses them, so they stay unseen while tuning.
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import ROOT  # noqa: F401  (puts the checkout on sys.path)

from bot.answering.engine import Engine
from bot.knowledge import load_knowledge
from tests.eval.harness import evaluate, load_set, score, set_names


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*")
    parser.add_argument("--failures", action="store_true", help="list failures (dev sets only)")
    args = parser.parse_args()
    names = args.sets or set_names()
    dev_sets = set(set_names("dev"))
    engine = Engine(load_knowledge())
    print("| set | questions | right | in asker's language | wrong topic | seconds |")
    print("|---|---:|---:|---:|---:|---:|")
    totals = [0, 0]
    for name in names:
        started = time.perf_counter()
        verdicts = evaluate(engine, load_set(name))
        s = score(name, verdicts)
        totals[0] += s.total
        totals[1] += s.passed
        took = time.perf_counter() - started
        print(f"| {name} | {s.total} | {s.rate:.1%} | {s.language_rate:.1%} | {s.wrong_topic} | {took:.1f} |")
        if args.failures:
            if name not in dev_sets:
                print(f"(not listing failures of {name}: only dev sets are read)", file=sys.stderr)
                continue
            for v in verdicts:
                if not v.ok:
                    print(
                        f"- {v.item.id} [{','.join(v.item.kinds)}] {v.item.q!r}"
                        f" {'(history: ' + ' / '.join(v.item.history) + ')' if v.item.history else ''}"
                        f" → {v.reason} :: {v.answer.text[:160]!r}",
                        file=sys.stderr,
                    )
    print(f"\nall: {totals[1]}/{totals[0]} = {totals[1] / max(1, totals[0]):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
