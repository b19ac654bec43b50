"""Contemplating mode in Telegram: `/contemplate`, `/mode`, `/cancel` and the drafts button.

Why a contemplation runs as a background task: updates of one chat are handled in order
(`PerChatUpdateProcessor`), so a handler that waited for the agents would hold that chat's
queue and `/cancel` could never get through. The handler starts a task and returns at once;
`Contemplations` keeps one task per chat, so `/cancel` and the bot's stop can cancel it, and
the agents, the synthesis and their HTTP requests go with it.

What the chat sees: one status message, edited sparsely while the agents think (private chats
at most once a second; groups every 3 s, since edits count toward the 20-a-minute group limit;
never with the same text); then the answer, streamed like any LLM answer, whose footer names
the agents that contributed; finally the status message becomes a summary card with a
"Show drafts" button that posts each agent's (shortened) draft.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.answer import Answer, Turn
from bot.contemplate import (
    ContemplateConfig,
    ContemplateUnavailable,
    Contemplation,
    Contemplator,
    Draft,
    Plan,
    Progress,
)
from bot.telegram.delivery import Target, send_answer, send_text
from bot.telegram.guard import admit_llm
from bot.telegram.render import render_messages
from bot.telegram.streaming import stream_answer

if TYPE_CHECKING:
    from bot.telegram.handlers import Services

__all__ = [
    "CONFIG_KEY",
    "CONTEMPLATE_COMMANDS",
    "POLICY_KEY",
    "Contemplations",
    "StatusPolicy",
    "contemplate_if_in_mode",
    "drafts_markdown",
    "register",
    "start_contemplation",
    "stop_contemplations",
]

_LOG = logging.getLogger(__name__)

CONTEMPLATE_COMMANDS = (
    ("contemplate", "several agents think it over, then one answer: /contemplate QUESTION"),
    ("mode", "how I answer in this chat: /mode contemplate or /mode fast"),
    ("cancel", "stop a contemplation in progress"),
)
CONFIG_KEY = "contemplate_config"  # bot_data: a ContemplateConfig overriding the settings (tests)
POLICY_KEY = "contemplate_policy"  # bot_data: a StatusPolicy (defaults if absent)

USAGE = "Usage: `/contemplate QUESTION`, e.g. `/contemplate is Muse Spark good at health questions?`"
BUSY_NOTE = "I'm already contemplating a question in this chat. Wait for that answer, or send /cancel."
NOTHING_TO_CANCEL = "Nothing to cancel: no contemplation is running in this chat."
NOT_YOURS = "Only the person who asked can cancel this contemplation."
CANCELLED = "✖ Contemplation cancelled."
STOPPED = "✖ Contemplation stopped: I'm restarting. Please ask again in a minute."
FAILED = "Sorry — something went wrong while contemplating. Please try again in a moment."
DRAFTS_GONE = "Those drafts are no longer available."
DRAFTS_SHOWN = "The drafts are already shown above."
SHOW_DRAFTS = "Show drafts"

_JOBS_KEY = "contemplations"
_REGISTERED_KEY = "contemplate_registered"
_MODE_KEY = "answer_mode"
_DRAFTS_KEY = "contemplate_drafts"
_CONTEMPLATE_WORDS = frozenset({"contemplate", "contemplating", "think", "deep"})
_FAST_WORDS = frozenset({"fast", "normal", "quick", "off"})
_KEEP_DRAFT_SETS = 10
_DRAFTS_BUDGET = 3400  # characters of draft text in the drafts message, all agents together
_MIN_DRAFT_CHARS = 200
_CLEANUP_TIMEOUT = 5.0  # the last status edit when cancelled must not hold up a stopping bot


@dataclass(frozen=True)
class StatusPolicy:
    """Least seconds between two edits of the status message, per kind of chat."""

    private_interval: float = 1.0
    group_interval: float = 3.0

    def interval(self, *, private: bool) -> float:
        return self.private_interval if private else self.group_interval


# --- the running contemplations ---------------------------------------------------------------


@dataclass
class _Job:
    task: asyncio.Task[None]
    user_id: int | None
    reason: str = CANCELLED


class Contemplations:
    """The contemplations running now, at most one per chat, so they can be cancelled."""

    def __init__(self) -> None:
        self._jobs: dict[int, _Job] = {}

    def running(self, chat_id: int) -> bool:
        job = self._jobs.get(chat_id)
        return job is not None and not job.task.done()

    def owner(self, chat_id: int) -> int | None:
        job = self._jobs.get(chat_id)
        return job.user_id if job is not None else None

    def reason(self, chat_id: int) -> str:
        job = self._jobs.get(chat_id)
        return job.reason if job is not None else CANCELLED

    def start(self, chat_id: int, user_id: int | None, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name=f"contemplate-chat-{chat_id}")
        self._jobs[chat_id] = _Job(task, user_id)
        task.add_done_callback(lambda done: self._forget(chat_id, done))

    def cancel(self, chat_id: int, reason: str = CANCELLED) -> bool:
        job = self._jobs.get(chat_id)
        if job is None or job.task.done():
            return False
        job.reason = reason
        job.task.cancel()
        return True

    async def cancel_all(self, reason: str = STOPPED) -> None:
        """Cancel every contemplation and wait until each has tidied up (bounded)."""
        tasks = [job.task for chat_id, job in list(self._jobs.items()) if self.cancel(chat_id, reason)]
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, chat_id: int, task: asyncio.Task[None]) -> None:
        job = self._jobs.get(chat_id)
        if job is not None and job.task is task:
            del self._jobs[chat_id]


# --- the status message -------------------------------------------------------------------------


class _StatusMessage:
    """One message that shows progress, edited sparsely: at most once per `interval`, never
    with the text it already shows, and the latest text always shown in the end.

    Only one edit is ever in flight: `show` just records the newest text and a single
    flusher task edits when the interval allows, so bursts of progress collapse into one edit.
    """

    def __init__(self, target: Target, interval: float) -> None:
        self._target = target
        self._interval = interval
        self.message_id: int | None = None
        self._shown = ""
        self._shown_at = float("-inf")
        self._pending: str | None = None
        self._flusher: asyncio.Task[None] | None = None

    async def show(self, markdown: str) -> None:
        html = _html(markdown)
        if self.message_id is None:
            await self._send(markdown, html)
            return
        self._pending = html
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="contemplate-status")

    async def settle(self, markdown: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """The last word (summary, or cancelled): waits its turn, then edits once more."""
        await self.close()
        if self.message_id is None:
            return
        await asyncio.sleep(self._wait())
        await self._edit(_html(markdown), markup)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        self._pending = None

    async def _send(self, markdown: str, html: str) -> None:
        try:
            sent = await send_text(self._target, markdown)
        except TelegramError as exc:
            _LOG.info("Could not send the contemplation status: %s", exc.message)
            return
        if sent is not None:
            self.message_id = sent.message_id
            self._shown, self._shown_at = html, time.monotonic()

    async def _flush(self) -> None:
        while self._pending is not None:
            await asyncio.sleep(self._wait())
            html, self._pending = self._pending, None
            await self._edit(html)

    def _wait(self) -> float:
        return max(0.0, self._shown_at + self._interval - time.monotonic())

    async def _edit(self, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Status is cosmetic: a failed edit is logged, never raised."""
        if self.message_id is None or (html == self._shown and markup is None):
            return
        try:
            await self._target.bot.edit_message_text(
                html, self._target.chat_id, self.message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                _LOG.info("Could not update the contemplation status: %s", exc.message)
        except TelegramError as exc:
            _LOG.info("Could not update the contemplation status: %s", exc.message)
        self._shown, self._shown_at = html, time.monotonic()


def _html(markdown: str) -> str:
    chunks = render_messages(markdown)
    return chunks[0] if chunks else ""


# --- one contemplation in one chat ------------------------------------------------------------


@dataclass
class _DraftSet:
    drafts: tuple[Draft, ...]
    shown: bool = False


@dataclass
class _Session:
    """One contemplation, from the first status line to the summary card."""

    target: Target
    chat_id: int
    private: bool
    question: str
    history: list[Turn]
    contemplator: Contemplator
    services: Services
    chat_data: dict[Any, Any]
    status: _StatusMessage
    jobs: Contemplations

    async def run(self, plan: Plan) -> None:
        try:
            await self._contemplate(plan)
        except asyncio.CancelledError:
            await self._settle_quietly(self.jobs.reason(self.chat_id))
            raise
        except Exception:  # a background task has no error handler to fall back on
            _LOG.exception("Contemplation failed")
            with contextlib.suppress(TelegramError):
                await send_text(self.target, FAILED)
        finally:
            await self.status.close()

    async def _contemplate(self, plan: Plan) -> None:
        result = await self.contemplator.run(
            self.question, self.history, on_progress=self._progress, plan=plan
        )
        answer = result.to_answer()
        if answer.stream is not None:
            await stream_answer(self.target, answer, private=self.private, policy=self.services.stream_policy)
        else:
            await send_answer(self.target, answer)
        self.services.store.remember(self.chat_id, self.question, answer.text)
        await self.status.settle(_summary(result), self._drafts_button(result))

    async def _progress(self, progress: Progress) -> None:
        await self.status.show(f"🧠 _Contemplating:_ {progress.describe()}\n{progress.board()}")

    def _drafts_button(self, result: Contemplation) -> InlineKeyboardMarkup | None:
        """Keep the drafts for the button (a few sets per chat, in memory) and offer it."""
        key = self.status.message_id
        if key is None or not result.survivors:
            return None
        sets: dict[int, _DraftSet] = self.chat_data.setdefault(_DRAFTS_KEY, {})
        sets[key] = _DraftSet(tuple(result.drafts))
        for old in list(sets)[:-_KEEP_DRAFT_SETS]:
            del sets[old]
        return InlineKeyboardMarkup([[InlineKeyboardButton(SHOW_DRAFTS, callback_data=f"drafts:{key}")]])

    async def _settle_quietly(self, text: str) -> None:
        with contextlib.suppress(TimeoutError, TelegramError):
            async with asyncio.timeout(_CLEANUP_TIMEOUT):
                await self.status.settle(text)


def _summary(result: Contemplation) -> str:
    board = Progress("writing", tuple(d.label for d in result.drafts), tuple(result.drafts)).board()
    n, ok = len(result.drafts), len(result.survivors)
    head = f"Contemplated by {ok} of {n} agents" if ok else f"None of the {n} agents could answer"
    return f"🧠 _{head}_\n{board}"


def drafts_markdown(drafts: tuple[Draft, ...] | list[Draft]) -> str:
    """Every agent's draft, shortened so that all of them fit in one message."""
    budget = max(_MIN_DRAFT_CHARS, _DRAFTS_BUDGET // max(1, len(drafts)))
    parts = ["**Drafts** — what each agent wrote before the synthesis:"]
    for d in drafts:
        head = f"**{d.index} · {d.label}** _({d.backend}, {d.seconds:.1f} s)_"
        body = _shorten(d.text, budget) if d.ok else f"_{d.error}_"
        parts.append(f"{head}\n{body}")
    return "\n\n".join(parts)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip() + " …"


# --- handlers -----------------------------------------------------------------------------------


async def on_contemplate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/contemplate QUESTION`: several agents, one synthesized answer."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await send_text(Target.for_message(message), USAGE)
        return
    await start_contemplation(message, question, context)


async def contemplate_if_in_mode(message: Message, question: str, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """For plain questions: in a chat switched to contemplate mode, contemplate and return True.

    Only questions that would go to the LLM anyway are contemplated: what the knowledge base
    answers (exact figures, known facts) stays instant, greetings are not worth N+1 model calls,
    and when contemplation is unavailable the question is answered the fast way.
    """
    if _services(context).store.chat_setting(message.chat_id, _MODE_KEY) != "contemplate":
        return False
    svc = _services(context)
    found = svc.engine.lookup(question, svc.store.history(message.chat_id, turns=svc.history_turns))
    if found.route != "fallback" or found.subject == "greeting":
        return False  # exact figures and known facts stay instant; greetings aren't worth N+1 calls
    return await start_contemplation(message, question, context, explain_unavailable=False)


async def start_contemplation(
    message: Message,
    question: str,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    explain_unavailable: bool = True,
) -> bool:
    """Start contemplating in the background; False if contemplation is unavailable here."""
    target = Target.for_message(message)
    try:
        contemplator = _contemplator(context)
    except ContemplateUnavailable as exc:
        if explain_unavailable:
            await send_text(target, str(exc))
        return False
    jobs = _jobs(context.application)
    if jobs.running(message.chat_id):
        await send_text(target, BUSY_NOTE)
        return True
    plan = contemplator.plan()
    if not await admit_llm(message, context, cost=plan.cost):
        return True  # the asker has been told why: not allowed, or which limit and when it resets
    svc = _services(context)
    private = message.chat.type == "private"
    policy: StatusPolicy = context.application.bot_data.get(POLICY_KEY) or StatusPolicy()
    session = _Session(
        target=target,
        chat_id=message.chat_id,
        private=private,
        question=question,
        history=svc.store.history(message.chat_id, turns=svc.history_turns),
        contemplator=contemplator,
        services=svc,
        chat_data=context.chat_data if context.chat_data is not None else {},
        status=_StatusMessage(target, policy.interval(private=private)),
        jobs=jobs,
    )
    user_id = message.from_user.id if message.from_user is not None else None
    jobs.start(message.chat_id, user_id, session.run(plan))
    return True


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/cancel`: stop this chat's contemplation; the status message says it was cancelled."""
    message = update.effective_message
    if message is None:
        return
    jobs = _jobs(context.application)
    target = Target.for_message(message)
    if not jobs.running(message.chat_id):
        await send_text(target, NOTHING_TO_CANCEL)
        return
    owner = jobs.owner(message.chat_id)
    asker = message.from_user.id if message.from_user is not None else None
    if message.chat.type != "private" and owner is not None and asker != owner:
        await send_text(target, NOT_YOURS)
        return
    jobs.cancel(message.chat_id, CANCELLED)


async def on_mode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/mode contemplate|fast`: how plain questions in this chat are answered."""
    message = update.effective_message
    if message is None:
        return
    target = Target.for_message(message)
    store = _services(context).store
    choice = (context.args or [""])[0].lower()
    if choice in _CONTEMPLATE_WORDS:
        try:
            plan = _contemplator(context).plan()
        except ContemplateUnavailable as exc:
            await send_text(target, str(exc))
            return
        store.set_chat_setting(message.chat_id, _MODE_KEY, "contemplate")
        await send_text(
            target,
            f"Contemplate mode is on: each question here goes to {len(plan.agents)} agents in "
            f"parallel, then one synthesis ({plan.cost} model calls per question, so it is slower). "
            "`/mode fast` switches back.",
        )
    elif choice in _FAST_WORDS:
        store.set_chat_setting(message.chat_id, _MODE_KEY, None)
        await send_text(
            target, "Fast mode: I answer straight away. `/contemplate QUESTION` still works for one question."
        )
    else:
        current = store.chat_setting(message.chat_id, _MODE_KEY) or "fast"
        await send_text(
            target,
            f"This chat is in **{current}** mode.\n"
            "`/mode contemplate` — several agents think each question over, then one answer\n"
            "`/mode fast` — answers straight away",
        )


async def on_show_drafts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Show drafts" button: each agent's draft, once, under the summary card."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    sets: dict[int, _DraftSet] = (context.chat_data or {}).get(_DRAFTS_KEY, {})
    key = int(query.data.removeprefix("drafts:"))
    found = sets.get(key)
    if found is None or not isinstance(query.message, Message):
        await query.answer(DRAFTS_GONE)
        return
    if found.shown:
        await query.answer(DRAFTS_SHOWN)
        return
    found.shown = True
    await query.answer()
    target = Target(context.bot, query.message.chat_id, reply_to=key)
    await send_answer(target, Answer(drafts_markdown(found.drafts), "llm"))


# --- wiring ---------------------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add contemplating mode's handlers, and cancel running contemplations when the bot stops.

    Idempotent. The stop hook is chained onto `app.post_stop` (run by `run_polling` before
    shutdown, while the bot can still edit the status messages); code that stops the
    application by hand calls `stop_contemplations` itself.
    """
    if app.bot_data.get(_REGISTERED_KEY):
        return
    app.bot_data[_REGISTERED_KEY] = True
    app.add_handler(CommandHandler("contemplate", on_contemplate))
    app.add_handler(CommandHandler("mode", on_mode))
    app.add_handler(CommandHandler("cancel", on_cancel))
    app.add_handler(CallbackQueryHandler(on_show_drafts, pattern=r"^drafts:\d+$"))
    previous = app.post_stop

    async def post_stop(application: Application) -> None:  # type: ignore[type-arg]
        await stop_contemplations(application)
        if previous is not None:
            await previous(application)

    app.post_stop = post_stop


async def stop_contemplations(app: Application) -> None:  # type: ignore[type-arg]
    """Cancel every running contemplation (agents, synthesis, HTTP) and wait for the tidy-up."""
    await _jobs(app).cancel_all(STOPPED)


def _jobs(app: Application) -> Contemplations:  # type: ignore[type-arg]
    jobs = app.bot_data.get(_JOBS_KEY)
    if not isinstance(jobs, Contemplations):
        jobs = app.bot_data[_JOBS_KEY] = Contemplations()
    return jobs


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.application.bot_data["services"]
    return found


def _contemplator(context: ContextTypes.DEFAULT_TYPE) -> Contemplator:
    """Built per question from the current engine, so `/reload` and settings both apply."""
    svc = _services(context)
    config = context.application.bot_data.get(CONFIG_KEY)
    if not isinstance(config, ContemplateConfig):
        config = ContemplateConfig.from_settings(svc.settings)
    return Contemplator.for_engine(svc.engine, config)
