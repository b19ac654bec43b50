"""How much of the operator's LLM budget each person and group may spend.

`Quotas` counts model requests per user and per group, per minute and per UTC day, in the
`usage` table of `Store`, so a restart does not hand everyone a fresh allowance. Knowledge
answers cost the operator nothing and are never counted.

Windows are fixed (the minute "14:03", the UTC day "2026-11-26") rather than sliding: one
indexed row per counter, a reset time that can be told to the user exactly, and old windows
pruned with one statement.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from bot import texts
from bot.i18n import Speaker, TimeUnit, speaker
from bot.ops.settings import Settings
from bot.state.store import Store

__all__ = ["Decision", "Limits", "Quotas", "UsageLine", "UsageReport", "current_windows"]

Clock = Callable[[], float]
Reason = Literal["ok", "not_allowed", "user_minute", "user_day", "chat_minute", "chat_day"]


@dataclass(frozen=True)
class Limits:
    """LLM requests allowed per window; 0 (or less) means no limit for that window."""

    user_per_minute: int = 5
    user_per_day: int = 100
    chat_per_minute: int = 20
    chat_per_day: int = 500

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            user_per_minute=settings.llm_per_user_per_minute,
            user_per_day=settings.llm_per_user_per_day,
            chat_per_minute=settings.llm_per_chat_per_minute,
            chat_per_day=settings.llm_per_chat_per_day,
        )


@dataclass(frozen=True)
class Decision:
    """The answer to "may this request go to the LLM?"; `message` (Markdown) says why not."""

    allowed: bool
    reason: Reason = "ok"
    message: str = ""
    reset_at: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class UsageLine:
    label: str
    used: int
    limit: int
    reset_at: dt.datetime


@dataclass(frozen=True)
class UsageReport:
    """What `/usage` shows: the user's own counters (and the group's, asked in a group)."""

    lines: tuple[UsageLine, ...]
    exempt: bool = False

    def markdown(self, now: dt.datetime, say: Speaker | None = None) -> str:
        say = say or speaker("en")
        head = say(texts.USAGE_EXEMPT if self.exempt else texts.USAGE_HEAD)
        rows = []
        for line in self.lines:
            limit = say(texts.USAGE_OF, limit=line.limit) if line.limit > 0 else say(texts.USAGE_NO_LIMIT)
            reset = say(texts.USAGE_RESETS, when=_when(line.reset_at, now, say)) if line.limit > 0 else ""
            rows.append(f"• {say(line.label)}: **{line.used}** {limit}{reset}")
        return "\n".join([head, "", *rows])


@dataclass(frozen=True)
class _Counter:
    """One counter a request is checked against: whose, which window, its limit."""

    subject: str
    window: str
    limit: int
    reason: Reason
    reset_at: dt.datetime
    what: str


class Quotas:
    """Per-user and per-group LLM request counters on top of `Store`'s `usage` table.

    All checks and writes for one request happen without an `await` in between, so on one
    event loop two requests can never both squeeze into the last slot.
    """

    def __init__(
        self,
        store: Store,
        limits: Limits | None = None,
        *,
        exempt: Iterable[int] = (),
        clock: Clock = time.time,
    ) -> None:
        self._store = store
        self.limits = limits or Limits()
        self._exempt = frozenset(exempt)
        self._clock = clock
        self._pruned_minute = ""

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    def spend(
        self,
        user_id: int,
        chat_id: int | None = None,
        *,
        group: bool = False,
        cost: int = 1,
        say: Speaker | None = None,
    ) -> Decision:
        """Charge `cost` requests (a Contemplating answer that makes N model calls plus a
        summary costs N+1) to the user and, in a group, to the group; or refuse without
        charging anything.

        A request that alone costs more than a limit is let into an empty window only, so an
        expensive mode stays usable once a minute/day instead of never.
        """
        cost = max(1, cost)
        if user_id in self._exempt:
            return Decision(True)
        now = self.now()
        counters = self._counters(user_id, chat_id if group else None, now)
        self._prune(now)
        for counter in counters:
            if counter.limit <= 0:
                continue
            used = self._store.usage(counter.subject, counter.window)
            if used > 0 and used + cost > counter.limit:
                message = _over_message(counter, now, say or speaker("en"))
                return Decision(False, counter.reason, message, counter.reset_at)
        for counter in counters:
            self._store.add_usage(counter.subject, counter.window, cost)
        return Decision(True)

    def report(self, user_id: int, chat_id: int | None = None, *, group: bool = False) -> UsageReport:
        now = self.now()
        lines = tuple(
            UsageLine(c.what, self._store.usage(c.subject, c.window), c.limit, c.reset_at)
            for c in self._counters(user_id, chat_id if group else None, now)
        )
        return UsageReport(lines, exempt=user_id in self._exempt)

    def _counters(self, user_id: int, group_id: int | None, now: dt.datetime) -> list[_Counter]:
        minute, day = _minute_window(now), _day_window(now)
        next_minute = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        next_day = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
        lim = self.limits
        user = f"llm:user:{user_id}"
        counters = [
            _Counter(user, minute, lim.user_per_minute, "user_minute", next_minute, texts.USAGE_YOU_MINUTE),
            _Counter(user, day, lim.user_per_day, "user_day", next_day, texts.USAGE_YOU_DAY),
        ]
        if group_id is not None:
            chat = f"llm:chat:{group_id}"
            counters += [
                _Counter(
                    chat, minute, lim.chat_per_minute, "chat_minute", next_minute, texts.USAGE_GROUP_MINUTE
                ),
                _Counter(chat, day, lim.chat_per_day, "chat_day", next_day, texts.USAGE_GROUP_DAY),
            ]
        return counters

    def _prune(self, now: dt.datetime) -> None:
        """Once a minute, drop counters of windows that have passed (the table stays tiny)."""
        minute = _minute_window(now)
        if minute == self._pruned_minute:
            return
        self._pruned_minute = minute
        self._store.prune_usage(current_windows(now))

    # -- strangers -------------------------------------------------------------------------

    def first_today(self, kind: str, subject_id: int) -> bool:
        """True the first time today (UTC) that `kind` happens for this id; persisted, so a
        stranger is told "this bot is private" at most once a day, even across restarts."""
        return self._store.add_usage(f"{kind}:{subject_id}", _day_window(self.now())) == 1


def current_windows(now: dt.datetime) -> set[str]:
    """The windows still in force; `Store.prune_usage` keeps these and drops the rest."""
    return {_minute_window(now), _day_window(now)}


def _minute_window(now: dt.datetime) -> str:
    return "min:" + now.strftime("%Y-%m-%dT%H:%M")


def _day_window(now: dt.datetime) -> str:
    return "day:" + now.strftime("%Y-%m-%d")


def _over_message(counter: _Counter, now: dt.datetime, say: Speaker) -> str:
    """Friendly, specific, and says when it will work again."""
    return say(
        texts.OVER_LIMIT,
        whose=say(texts.WHOSE_YOU if counter.reason.startswith("user") else texts.WHOSE_GROUP),
        limit=counter.limit,
        plural="s" if counter.limit != 1 and say.language == "en" else "",  # English's plural "s" only
        per=say(texts.PER_MINUTE if counter.reason.endswith("minute") else texts.PER_DAY),
        when=_when(counter.reset_at, now, say),
    )


def _when(reset_at: dt.datetime, now: dt.datetime, say: Speaker) -> str:
    """ "at 14:03 UTC (in 42 s)" — a clock time for people, and a countdown for time zones."""
    seconds = max(1, round((reset_at - now).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts: list[tuple[int, TimeUnit]]
    if hours:
        parts = [(hours, "hour"), (minutes, "minute")]
    elif minutes:
        parts = [(minutes, "minute"), (secs, "second")] if secs and minutes < 10 else [(minutes, "minute")]
    else:
        parts = [(secs, "second")]
    left = " ".join(say.duration(n, unit) for n, unit in parts)
    return say(texts.RESETS_AT, clock=reset_at.strftime("%H:%M"), left=left)
