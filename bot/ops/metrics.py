"""Prometheus metrics: what an operator graphs and alerts on.

One registry per running bot (not the library's global one), so tests can run several bots
in one process and each `/metrics` shows only its own numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.started_at = time.time()
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
        return generate_latest(self.registry)

    def count(self, counter: Counter, label: str) -> int:
        """The current value of one labelled counter (for /stats)."""
        return int(counter.labels(label)._value.get())

    def totals(self, counter: Counter) -> dict[str, int]:
        """Every label of a counter with its value, e.g. answers by route."""
        out: dict[str, int] = {}
        for metric in counter.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    out[next(iter(sample.labels.values()), "")] = int(sample.value)
        return out
