"""What a contemplation is made of: the angles agents think from, the operator's switches,
and the plain data a run plans, reports and returns (`Plan`, `Draft`, `Progress`, `Contemplation`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from bot import texts
from bot.answering.answer import Answer, SourceRef
from bot.llm import LLMBackend
from bot.ops.settings import Settings

DISABLED_NOTE = texts.CONTEMPLATE_OFF
NO_BACKEND_NOTE = texts.CONTEMPLATE_NO_MODEL


# --- angles and configuration ---------------------------------------------------------------


@dataclass(frozen=True)
class Angle:
    """A way of looking at the question: what makes one agent's draft differ from another's."""

    key: str
    label: str
    brief: str


GROUNDED = Angle(
    "grounded",
    "Grounded",
    "Your angle in this contemplation: the grounded analyst. Answer strictly from the knowledge "
    "base above: quote its figures exactly, with model and mode, and where it is silent say so "
    "instead of filling the gap.",
)
SKEPTIC = Angle(
    "skeptic",
    "Skeptic",
    "Your angle in this contemplation: the skeptic. Ask what the evidence does not show: missing "
    "models, modes or benchmarks, who reported a figure, what the knowledge base leaves open, and "
    "where a claim would overreach. Name those gaps plainly; never invent counter-figures.",
)
EXPERT = Angle(
    "expert",
    "Expert",
    "Your angle in this contemplation: the domain expert. Put the facts in context for a "
    "practitioner: what they mean in practice for developers and users, the trade-offs, and how "
    "they compare with the field. Any figure you give must come from the knowledge base.",
)
ANGLES: tuple[Angle, ...] = (GROUNDED, SKEPTIC, EXPERT)


@dataclass(frozen=True)
class ContemplateConfig:
    """The operator's switches: `CONTEMPLATE_ENABLED`, `CONTEMPLATE_AGENTS`,
    `CONTEMPLATE_MAX_AGENTS` (a cap), `CONTEMPLATE_AGENT_TIMEOUT`."""

    enabled: bool = True
    agents: int = 3
    max_agents: int = 5
    agent_timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ContemplateConfig:
        return cls(
            enabled=settings.contemplate_enabled,
            agents=settings.contemplate_agents,
            max_agents=settings.contemplate_max_agents,
            agent_timeout=settings.contemplate_agent_timeout,
        )

    @property
    def agent_count(self) -> int:
        """Agents per contemplation: the configured number, within the operator's cap, at least 1."""
        return max(1, min(self.agents, self.max_agents))


class ContemplateUnavailable(Exception):
    """Contemplation cannot run here (switched off, or no model); `str()` is for the user."""


# --- what a run plans, reports and returns --------------------------------------------------


@dataclass(frozen=True)
class AgentSpec:
    """One agent of a plan: its angle, the backend it asks, and how it is shown."""

    index: int
    angle: Angle
    label: str
    backend: LLMBackend
    temperature: float | None = None


@dataclass(frozen=True)
class Plan:
    """Who will think about the question, known before anything is spent."""

    agents: tuple[AgentSpec, ...]
    synthesizer: LLMBackend

    @property
    def cost(self) -> int:
        """LLM calls to charge toward a user's limits: one per agent plus the synthesis."""
        return len(self.agents) + 1


@dataclass(frozen=True)
class Draft:
    """One agent's finished work: its text, or why there is none. Plain data, safe to keep."""

    index: int
    angle: str
    label: str
    backend: str
    text: str = ""
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.text.strip())


@dataclass(frozen=True)
class Progress:
    """Where a run stands: `thinking` while agents work, `writing` once the synthesis starts."""

    stage: Literal["thinking", "writing"]
    labels: tuple[str, ...]
    finished: tuple[Draft, ...] = ()

    @property
    def total(self) -> int:
        return len(self.labels)

    @property
    def done(self) -> int:
        return len(self.finished)

    @property
    def failed(self) -> int:
        return sum(not d.ok for d in self.finished)

    def describe(self) -> str:
        """One line for people: "3 agents thinking… 2 of 3 done (1 failed)"."""
        failed = f" ({self.failed} failed)" if self.failed else ""
        if self.stage == "writing":
            return f"{self.done} of {self.total} done{failed} — writing the answer…"
        noun = "agent" if self.total == 1 else "agents"
        head = f"{self.total} {noun} thinking…"
        return f"{head} {self.done} of {self.total} done{failed}" if self.done else head

    def board(self) -> str:
        """Each agent with a mark: ✓ drafted, ✗ failed, … still thinking."""
        by_label = {d.label: d for d in self.finished}
        marks = []
        for label in self.labels:
            draft = by_label.get(label)
            mark = "…" if draft is None else "✓" if draft.ok else "✗"
            marks.append(f"{mark} {label}")
        return " · ".join(marks)


ProgressCallback = Callable[[Progress], Awaitable[None]]


@dataclass
class ContemplatedAnswer(Answer):
    """An `Answer` whose footer also says which agents contributed, so every channel that
    shows `markdown()` (streaming, delivery, the terminal) shows that line too."""

    contributors: str = ""

    def footer(self) -> str:
        return "\n".join(line for line in (self.contributors, super().footer()) if line)


@dataclass
class Contemplation:
    """The result of a run: every agent's draft and, if any survived, the synthesis stream."""

    question: str
    plan: Plan
    drafts: list[Draft]
    sources: list[SourceRef] = field(default_factory=list)
    stream: AsyncIterator[str] | None = None
    message: str = ""

    @property
    def survivors(self) -> list[Draft]:
        return [d for d in self.drafts if d.ok]

    @property
    def cost(self) -> int:
        """What this contemplation counts toward limits: N + 1, as planned."""
        return self.plan.cost

    def contributors(self) -> str:
        """One italic line: who contributed, and why the others did not."""
        if not self.drafts:
            return ""
        parts = [
            f"{d.label} ({d.backend})" if d.ok else f"{d.label}: {d.error or 'no answer'}"
            for d in self.drafts
        ]
        head = f"Contemplated by {len(self.survivors)} of {len(self.drafts)} agents"
        return f"_{head}: " + " · ".join(parts) + "_"

    def to_answer(self) -> Answer:
        """The answer for a channel: empty until the synthesis `stream` is read into it, or the
        all-failed message when no draft survived."""
        if self.stream is None:
            return Answer(self.message, "fallback", subject="contemplate")
        return ContemplatedAnswer(
            "", "llm", list(self.sources), subject="contemplate", contributors=self.contributors()
        )
