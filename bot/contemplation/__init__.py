"""Contemplating mode: several agents answer in parallel, one synthesis merges their drafts.

Muse Spark's signature feature is Contemplating mode (parallel sub-agents whose drafts are
synthesized); Muse Bot shows the same idea with the operator's own models, so a chat can watch
it think. Like the engine this is transport-agnostic: Telegram and the terminal both call it,
and it never imports telegram.

- `Contemplator.plan()` says what a run will cost (N agent calls + 1 synthesis) before anything
  is spent, so quotas can charge it up front.
- `Contemplator.run()` starts one task per agent, each with its own angle and its own timeout,
  reports progress as drafts arrive, and returns a `Contemplation` whose `stream` is the
  synthesis over the drafts that survived.
- Nothing here raises for a model's failure: a failed agent is a `Draft` with an `error`; when
  every agent fails the result carries a sentence for the user instead of a stream.
- Cancelling the task that awaits `run()` (or that reads `stream`) cancels every agent and
  closes every HTTP response: each agent runs in a `TaskGroup` and every backend stream is
  closed explicitly, never left to the garbage collector.

The grounding is `bot.answering.prompt`'s, reused rather than repeated: each agent gets the grounded
system prompt plus its angle, and the synthesis gets it plus the rules for merging.
"""

from bot.contemplation.contemplator import Contemplator, backends_of
from bot.contemplation.plan import (
    ANGLES,
    DISABLED_NOTE,
    NO_BACKEND_NOTE,
    AgentSpec,
    Angle,
    ContemplateConfig,
    ContemplatedAnswer,
    ContemplateUnavailable,
    Contemplation,
    Draft,
    Plan,
    Progress,
    ProgressCallback,
)
from bot.contemplation.prompts import agent_messages, synthesis_messages

__all__ = [
    "ANGLES",
    "DISABLED_NOTE",
    "NO_BACKEND_NOTE",
    "AgentSpec",
    "Angle",
    "ContemplateConfig",
    "ContemplateUnavailable",
    "ContemplatedAnswer",
    "Contemplation",
    "Contemplator",
    "Draft",
    "Plan",
    "Progress",
    "ProgressCallback",
    "agent_messages",
    "backends_of",
    "synthesis_messages",
]
