"""The figure guard on model-style answers: right figures untouched, wrong ones corrected,
unsourced ones marked (tests/answering/guard_answers.yaml, written from the source's figures)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answering.engine import Engine
from bot.answering.guard import CORRECTED, FigureGuard

CASES = yaml.safe_load(Path(__file__).with_name("guard_answers.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def guard(engine: Engine) -> FigureGuard:
    return FigureGuard(engine.kb, engine.mentions)


def test_right_figures_are_left_untouched(guard: FigureGuard) -> None:
    touched = [(t, r.text) for t in CASES["right"] if (r := guard.check(t)).changed]
    assert len(CASES["right"]) >= 50
    assert not touched, f"{len(touched)} false positives: {touched}"


@pytest.mark.parametrize("case", CASES["wrong"], ids=lambda c: c["text"][:40])
def test_wrong_figures_are_corrected_or_flagged(guard: FigureGuard, case: dict[str, str]) -> None:
    result = guard.check(case["text"])
    assert result.changed
    if "right" in case:
        assert f"{case['right']}{CORRECTED}" in result.text
    else:
        assert case["flag"] in result.text
