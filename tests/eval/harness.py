"""Scoring the engine against `questions.yaml`: shared by the test suite and `bench/`.

An item passes when the route is one of those expected and every required fact is in the
answer. Items marked `unknown` pass when the answer says plainly that the source does not
give it and carries no figure the source lacks: the one failure that matters most is an
invented number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answering.answer import Answer, Turn

QUESTIONS = Path(__file__).with_name("questions.yaml")
_SAYS_UNKNOWN = re.compile(
    r"(doesn't|does not|don't|do not) (give|say|state|report|describe|list|mention|specify|disclose|name)"
    r"|gives no|no (confirmed )?(figure|timeline|date|details?)|not (given|disclosed|confirmed|stated)"
    r"|hasn't|has not|isn't (given|known)",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w|\.\d)")


@dataclass
class Item:
    id: str
    q: str
    routes: list[str]
    must_contain: list[list[str]]
    history: list[str] = field(default_factory=list)
    unknown: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Item:
        routes = raw["expect_route"]
        needs = [[n] if isinstance(n, str) else list(n) for n in raw.get("must_contain") or []]
        return cls(
            raw["id"],
            raw["q"],
            [routes] if isinstance(routes, str) else routes,
            needs,
            raw.get("history") or [],
            bool(raw.get("unknown")),
        )


def load_items() -> list[Item]:
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [Item.parse(raw) for raw in data["questions"]]


def seed_figures() -> set[str]:
    """Digits as written in the knowledge files and (when present) the article."""
    from tests.eval.figures import source_figures

    return {f for f in source_figures() if any(ch.isdigit() for ch in f)}


def judge(item: Item, answer: Answer, known_figures: set[str]) -> str | None:
    """None if the answer passes, else a one-line reason."""
    if item.unknown:
        if not _SAYS_UNKNOWN.search(answer.text):
            return "does not say the source lacks it"
        invented = set(_FIGURE.findall(answer.text)) - known_figures - set(_FIGURE.findall(item.q))
        return f"figures not in the source: {sorted(invented)}" if invented else None
    if answer.route not in item.routes:
        return f"route {answer.route}, expected {item.routes}"
    text = answer.text.lower()
    missing = [any_of for any_of in item.must_contain if not any(n.lower() in text for n in any_of)]
    return f"missing {missing}" if missing else None


def evaluate(lookup: Callable[[str, list[Turn]], Answer]) -> tuple[float, list[str]]:
    items = load_items()
    known = seed_figures()
    failures = []
    for item in items:
        history = [Turn("user", h) for h in item.history]
        reason = judge(item, lookup(item.q, history), known)
        if reason:
            failures.append(f"{item.id}: {item.q!r}: {reason}")
    return 1 - len(failures) / len(items), failures
