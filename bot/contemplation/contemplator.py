"""Running a contemplation: one task per agent, each with its own angle and timeout, progress as
drafts arrive, then the synthesis as a stream.

Nothing here raises for a model's failure: a failed agent is a `Draft` with an `error`; when
every agent fails the result carries a sentence for the user instead of a stream. Cancelling the
task that awaits `run()` (or that reads `stream`) cancels every agent and closes every HTTP
response: each agent runs in a `TaskGroup` and every backend stream is closed explicitly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence

from bot import texts
from bot.answering.answer import SourceRef, Turn
from bot.answering.engine import MAX_QUESTION_CHARS, Engine
from bot.answering.prompt import build_messages, relevant_source_ids
from bot.answering.retrieval import Retriever
from bot.contemplation.plan import (
    ANGLES,
    DISABLED_NOTE,
    NO_BACKEND_NOTE,
    AgentSpec,
    ContemplateConfig,
    ContemplateUnavailable,
    Contemplation,
    Draft,
    Plan,
    Progress,
    ProgressCallback,
)
from bot.contemplation.prompts import agent_messages, synthesis_messages
from bot.knowledge import KnowledgeBase
from bot.llm import (
    BackendMisconfigured,
    ChatMessage,
    LLMBackend,
    LLMError,
    StreamInterrupted,
    combine,
    members,
)

_LOG = logging.getLogger(__name__)
_REPEAT_TEMPERATURE = 0.7


def backends_of(llm: LLMBackend) -> list[LLMBackend]:
    """The distinct backends behind the engine's one: agents go round-robin over them."""
    return members(llm)


class Contemplator:
    """Runs contemplations over one knowledge base with the given backends.

    It does not own the backends (the engine does), so it never closes them.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        retriever: Retriever,
        backends: Sequence[LLMBackend],
        *,
        agents: int = 3,
        agent_timeout: float = 60.0,
        synthesizer: LLMBackend | None = None,
    ) -> None:
        if not backends:
            raise ContemplateUnavailable(NO_BACKEND_NOTE)
        self.kb = kb
        self.retriever = retriever
        self.backends = tuple(backends)
        self.agents = max(1, agents)
        self.agent_timeout = agent_timeout
        self.synthesizer = synthesizer or combine(self.backends)

    @classmethod
    def for_engine(cls, engine: Engine, config: ContemplateConfig | None = None) -> Contemplator:
        """The engine's knowledge and models with the operator's settings.

        Raises `ContemplateUnavailable` (a sentence for the user) when the mode is off or no
        model is configured. The synthesis uses the engine's own backend, fallbacks included.
        """
        config = config or ContemplateConfig()
        if not config.enabled:
            raise ContemplateUnavailable(DISABLED_NOTE)
        if engine.llm is None:
            raise ContemplateUnavailable(NO_BACKEND_NOTE)
        return cls(
            engine.kb,
            engine.retriever,
            backends_of(engine.llm),
            agents=config.agent_count,
            agent_timeout=config.agent_timeout,
            synthesizer=engine.llm,
        )

    def plan(self) -> Plan:
        """Angles in turn, backends in turn; a repeated angle gets a number and more warmth,
        since the same angle on the same model would otherwise write nearly the same draft."""
        specs = []
        for i in range(self.agents):
            angle, cycle = ANGLES[i % len(ANGLES)], i // len(ANGLES)
            specs.append(
                AgentSpec(
                    index=i + 1,
                    angle=angle,
                    label=angle.label if cycle == 0 else f"{angle.label} {cycle + 1}",
                    backend=self.backends[i % len(self.backends)],
                    temperature=None if cycle == 0 else _REPEAT_TEMPERATURE,
                )
            )
        return Plan(tuple(specs), self.synthesizer)

    async def run(
        self,
        question: str,
        history: Sequence[Turn] = (),
        *,
        on_progress: ProgressCallback | None = None,
        plan: Plan | None = None,
    ) -> Contemplation:
        """Let every agent draft, then prepare the synthesis; returns once the drafts are in.

        The synthesis has not started when this returns: it runs as `stream` is read.
        """
        question = question.strip()[:MAX_QUESTION_CHARS]
        plan = plan or self.plan()
        base = build_messages(self.kb, self.retriever, question, history)
        drafts = await self._gather(plan, base, on_progress)
        sources = SourceRef.lookup(self.kb, relevant_source_ids(self.kb, self.retriever, question))
        result = Contemplation(question, plan, drafts, sources)
        survivors = result.survivors
        if not survivors:
            result.message = _all_failed_note(drafts)
            return result
        labels = tuple(a.label for a in plan.agents)
        await _notify(on_progress, Progress("writing", labels, tuple(drafts)))
        messages = synthesis_messages(base, survivors)
        result.stream = _synthesis(plan.synthesizer, messages, survivors[0])
        return result

    async def _gather(
        self, plan: Plan, base: Sequence[ChatMessage], on_progress: ProgressCallback | None
    ) -> list[Draft]:
        labels = tuple(a.label for a in plan.agents)
        finished: list[Draft] = []
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(self._draft(agent, base), name=f"contemplate-{agent.label}")
                for agent in plan.agents
            ]
            # Agents first, then the first progress report: showing it must not delay them.
            await _notify(on_progress, Progress("thinking", labels))
            for next_draft in asyncio.as_completed(tasks):
                finished.append(await next_draft)
                await _notify(on_progress, Progress("thinking", labels, tuple(finished)))
        return sorted(finished, key=lambda d: d.index)

    async def _draft(self, agent: AgentSpec, base: Sequence[ChatMessage]) -> Draft:
        """One agent's draft within its own timeout; a failure becomes the draft's `error`."""
        messages = agent_messages(base, agent.angle)
        started = time.monotonic()
        text, error = "", ""
        try:
            async with asyncio.timeout(self.agent_timeout):
                text = await _collect(agent.backend.stream(messages, temperature=agent.temperature))
        except TimeoutError:
            error = f"timed out after {self.agent_timeout:g} s"
        except LLMError as exc:
            _LOG.warning("Contemplation agent %s failed: %s", agent.label, exc)
            error = _short_reason(exc)
        except Exception:  # one agent's bug must not sink the others
            _LOG.exception("Contemplation agent %s failed unexpectedly", agent.label)
            error = "failed"
        if not error and not text.strip():
            error = "gave an empty answer"
        return Draft(
            index=agent.index,
            angle=agent.angle.key,
            label=agent.label,
            backend=agent.backend.name,
            text=text.strip(),
            error=error,
            seconds=time.monotonic() - started,
        )


async def _notify(callback: ProgressCallback | None, progress: Progress) -> None:
    """Progress is for show: a channel failing to show it must not stop the contemplation."""
    if callback is None:
        return
    try:
        await callback(progress)
    except Exception:
        _LOG.warning("Could not show contemplation progress", exc_info=True)


async def _collect(pieces: AsyncIterator[str]) -> str:
    parts: list[str] = []
    try:
        async for piece in pieces:
            parts.append(piece)
    finally:
        await _aclose(pieces)
    return "".join(parts)


async def _aclose(pieces: AsyncIterator[str]) -> None:
    """Close a backend's stream (and so its HTTP response) now, not when it is collected."""
    aclose = getattr(pieces, "aclose", None)
    if aclose is not None:
        await aclose()


async def _synthesis(backend: LLMBackend, messages: list[ChatMessage], best: Draft) -> AsyncIterator[str]:
    """The synthesis as it is written; a failure before any text falls back to the best draft,
    because the user should still get the contemplation's work rather than an apology."""
    pieces = backend.stream(messages)
    produced = False
    try:
        async for piece in pieces:
            produced = produced or bool(piece.strip())
            yield piece
    except StreamInterrupted as exc:
        _LOG.warning("Contemplation synthesis cut off: %s", exc)
        yield texts.CUT_OFF
    except LLMError as exc:
        _LOG.warning("Contemplation synthesis failed: %s", exc)
        if produced:
            yield texts.CUT_OFF
        else:
            yield f"{texts.MERGE_FAILED.format(label=best.label)}\n\n{best.text}"
    finally:
        await _aclose(pieces)


def _short_reason(exc: LLMError) -> str:
    if isinstance(exc, StreamInterrupted):
        return "was cut off"
    if isinstance(exc, BackendMisconfigured):
        return "model not set up correctly"
    return "model busy or unreachable"


def _all_failed_note(drafts: Sequence[Draft]) -> str:
    reasons = "; ".join(f"{d.label}: {d.error}" for d in drafts)
    return texts.ALL_AGENTS_FAILED.format(n=len(drafts), reasons=reasons)
