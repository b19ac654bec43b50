"""The evaluation set (tests/eval/questions.yaml) through the engine, as a user would ask it."""

from __future__ import annotations

from bot.answering.answer import Turn
from bot.answering.engine import Engine
from tests.eval.figures import invented, source_figures
from tests.eval.harness import evaluate, load_items

MIN_PASS_RATE = 0.90


def test_evaluation_pass_rate(engine: Engine) -> None:
    rate, failures = evaluate(engine.lookup)
    report = "\n".join(failures)
    assert rate >= MIN_PASS_RATE, f"pass rate {rate:.3f} < {MIN_PASS_RATE}; failures:\n{report}"


def test_no_unknown_question_gets_an_invented_figure(engine: Engine) -> None:
    """Questions the source cannot answer: not one figure that the source (or question) lacks."""
    known = source_figures()
    items = [i for i in load_items() if i.unknown]
    assert len(items) >= 15, "the evaluation set lost its unknown questions"
    bad = []
    for item in items:
        answer = engine.lookup(item.q, [Turn("user", h) for h in item.history])
        extra = invented(answer.text, item.q, known)
        if extra:
            bad.append(f"{item.id}: {item.q!r} → {sorted(extra)} in {answer.text!r}")
    assert not bad, "invented figures:\n" + "\n".join(bad)


def test_invented_figure_check_catches_a_made_up_number() -> None:
    """The check above must be able to fail: a parameter count the source never gives is caught."""
    known = source_figures()
    assert invented("Muse Spark has 405 billion parameters.", "how big is muse spark", known) == {"405"}
    assert invented("It scores 42.8 on HealthBench Hard.", "spark healthbench", known) == set()
