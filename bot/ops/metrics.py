"""Prometheus metrics: what an operator graphs and alerts on.

One registry per running bot (not the library's global one), so tests can run several bots
in one process and each `/metrics` shows only its own numbers. `Metrics(enabled=False)` counts
nothing and never imports prometheus_client (a twentieth of `musebot ask`'s start-up): one
question in a terminal has nobody to report to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class _Nothing:
    """Stands in for every instrument of disabled metrics."""

    def labels(self, *_: object) -> _Nothing:
        return self

    def inc(self, *_: object) -> None: ...

    def observe(self, *_: object) -> None: ...

    def set(self, *_: object) -> None: ...

    def collect(self) -> list[Any]:
        return []


@dataclass
class Metrics:
    registry: CollectorRegistry | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        self.started_at = time.time()
        if not self.enabled:
            nothing: Any = _Nothing()
            self.updates = self.answers = self.errors = cast("Counter", nothing)
            self.answer_seconds = self.llm_seconds = cast("Histogram", nothing)
            self.knowledge_items = cast("Gauge", nothing)
            return
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        r = self.registry = self.registry or CollectorRegistry()
        self.updates = Counter("musebot_updates", "Telegram updates handled, by kind", ["kind"], registry=r)
        self.answers = Counter("musebot_answers", "Answers sent, by route", ["route"], registry=r)
        self.answer_seconds = Histogram(
            "musebot_answer_seconds",
            "Time from receiving a question to the answer being sent, by route",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.llm_seconds = Histogram(
            "musebot_llm_seconds",
            "LLM answer time: to the first text, and in total",
            ["phase"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter("musebot_errors", "Errors, by kind", ["kind"], registry=r)
        self.figure_checks = Counter(
            "musebot_figure_corrections",
            "Benchmark figures in model answers the guard corrected or marked, by kind",
            ["kind"],
            registry=r,
        )
        self.knowledge_items = Gauge(
            "musebot_knowledge_items", "Items in the knowledge base", ["kind"], registry=r
        )

    def track_knowledge(self, counts: dict[str, int]) -> None:
        for kind, n in counts.items():
            self.knowledge_items.labels(kind).set(n)

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry) if self.registry is not None else b""

    def count(self, counter: Counter, label: str) -> int:
        """The current value of one labelled counter (for /stats)."""
        return int(counter.labels(label)._value.get()) if self.enabled else 0

    def totals(self, counter: Counter) -> dict[str, int]:
        """Every label of a counter with its value, e.g. answers by route."""
        out: dict[str, int] = {}
        for metric in counter.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    out[next(iter(sample.labels.values()), "")] = int(sample.value)
        return out
