"""`Conversation.turn()`: one message in, one `Reply` out, the same for every channel."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Literal

from bot import texts
from bot.answering.answer import Answer, Turn
from bot.answering.engine import Engine, ForModel
from bot.contemplation import ContemplateConfig, ContemplateUnavailable, Contemplator, Plan
from bot.conversation.remembered import RememberedAnswers
from bot.conversation.reply import Asker, ProgressCallback, Question, Reply, clip_question
from bot.i18n import LOCALES, Speaker, speaker
from bot.jobs import Jobs
from bot.knowledge import load_knowledge
from bot.llm import (
    AnswerCutOff,
    BackendMisconfigured,
    BackendTimeout,
    ChatMessage,
    LLMBackend,
    LLMError,
    StreamInterrupted,
)
from bot.ops.health import Health
from bot.ops.metrics import Metrics
from bot.ops.settings import Settings
from bot.state.access import AccessPolicy, Standing
from bot.state.quotas import Limits, Quotas
from bot.state.store import Store

__all__ = ["MODE_SETTING", "Conversation", "Mode"]

_LOG = logging.getLogger(__name__)
Mode = Literal["fast", "contemplate"]
MODE_SETTING = "answer_mode"
LANGUAGE_SETTING = "language"


class Conversation:
    """The turn logic over one engine (swapped whole on `/reload`), one store and one policy."""

    def __init__(
        self,
        engine: Engine,
        store: Store,
        *,
        policy: AccessPolicy | None = None,
        quotas: Quotas | None = None,
        history_turns: int = 6,
        max_question_chars: int = 2000,
        contemplate: ContemplateConfig | None = None,
        metrics: Metrics | None = None,
        health: Health | None = None,
        knowledge_dir: Path | None = None,
        remembered_answers: int = 1024,
    ) -> None:
        self.engine = engine
        self.remembered = RememberedAnswers(remembered_answers)
        self.knowledge_dir = knowledge_dir
        self.store = store
        self.policy = policy or AccessPolicy()
        self.quotas = quotas or Quotas(store, exempt=self.policy.admins)
        self.history_turns = history_turns
        self.max_question_chars = max_question_chars
        self.contemplate_config = contemplate or ContemplateConfig()
        self.metrics = metrics or Metrics()
        self.health = health or Health()
        self.jobs = Jobs()
        self.health.knowledge_counts = engine.kb.counts()
        self.health.llm_configured = engine.llm is not None
        self.metrics.track_knowledge(engine.kb.counts())

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        engine: Engine,
        store: Store,
        *,
        health: Health | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
        contemplate: ContemplateConfig | None = None,
    ) -> Conversation:
        """The conversation every channel of a running bot shares, from its settings."""
        policy = AccessPolicy.from_settings(settings)
        return cls(
            engine,
            store,
            policy=policy,
            quotas=Quotas(store, Limits.from_settings(settings), exempt=policy.admins, clock=clock),
            history_turns=settings.llm_history_turns,
            max_question_chars=settings.max_question_chars,
            contemplate=contemplate or ContemplateConfig.from_settings(settings),
            metrics=metrics,
            health=health,
            knowledge_dir=settings.knowledge_dir,
            remembered_answers=settings.remembered_answers,
        )

    async def reload(self) -> dict[str, int]:
        """Re-read the knowledge folder and answer from it from now on; returns its counts.

        Raises `KnowledgeError` (and keeps the current knowledge) when a file is broken."""
        kb = await asyncio.to_thread(load_knowledge, self.knowledge_dir)
        self.engine = Engine(kb, llm=self.engine.llm)
        self.remembered = RememberedAnswers(self.remembered.size)
        self.health.knowledge_counts = kb.counts()
        self.metrics.track_knowledge(kb.counts())
        return kb.counts()

    # -- the turn -------------------------------------------------------------------------

    async def turn(self, question: Question) -> Reply:
        """Answer one message: at once from the knowledge base, or as a stream from the model."""
        started = time.monotonic()
        clipped = clip_question(question.text.strip(), self.max_question_chars)
        asker = question.asker
        history = self.history(asker)
        decision = self._decide(clipped.text, history, question)
        say = speaker(decision.language)
        notices = (
            [clip_question(question.text.strip(), self.max_question_chars, say).notice]
            if clipped.notice
            else []
        )
        if isinstance(decision, Answer):
            return self._instant(decision, clipped.text, asker, notices, started)
        contemplator = self._contemplator_for(question)
        refusal = self._model_refusal(question, contemplator, say)
        if refusal is not None:
            return self._instant(refusal, clipped.text, asker, notices, started, remember=False)
        if isinstance(contemplator, Contemplator):
            return self._contemplation(contemplator, decision, clipped.text, history, asker, notices, started)
        return self._model_reply(decision, clipped.text, asker, notices, started)

    def _decide(self, text: str, history: list[Turn], question: Question) -> Answer | ForModel:
        pictured = bool(question.images) or question.unseen > 0
        wants_model = question.force is not None or pictured
        pinned = self.pinned_language(question.asker)
        opening = None if history or wants_model else (text, question.asker.language, pinned)
        remembered = self.remembered.get(opening) if opening else None
        if remembered is not None:
            return remembered
        decision = self.engine.decide(
            text,
            history,
            images=question.images,
            force_model=wants_model,
            language_hint=question.asker.language,
            language=pinned,
            shared=not question.asker.private,
            language_from=question.own,
        )
        if not isinstance(decision, ForModel):
            if opening:
                self.remembered.keep(opening, decision)
            return decision
        say = speaker(decision.language)
        if pictured and (question.unseen or not self.engine.sees_images):
            return _words_only(decision.closest, say)
        if self.engine.llm is None:
            _LOG.info("No LLM configured: a model would have taken %r; answered from knowledge", text[:80])
            if question.force == "contemplate":
                return Answer(say(texts.CONTEMPLATE_NO_MODEL), "fallback", language=say.language)
            return decision.closest
        return decision

    def pinned_language(self, asker: Asker) -> str | None:
        """The language a chat chose with `/language` (None: each question's own)."""
        return self.store.chat_setting(asker.chat_id, LANGUAGE_SETTING)

    def set_language(self, asker: Asker, language: str | None) -> None:
        self.store.set_chat_setting(asker.chat_id, LANGUAGE_SETTING, language)

    def language_for(self, asker: Asker) -> str:
        """The language to answer a command in: the chat's choice, else the client's, else English."""
        pinned = self.pinned_language(asker)
        hint = (asker.language or "").lower().split("-")[0]
        return pinned or (hint if hint in LOCALES else "en")

    def _contemplator_for(self, question: Question) -> Contemplator | ContemplateUnavailable | None:
        """The contemplator when this question is to be contemplated (`/contemplate`, or a chat
        in contemplate mode), the reason it cannot be, or None for a fast answer."""
        in_mode = (
            question.force is None and not question.images and self.mode(question.asker) == "contemplate"
        )
        if question.force != "contemplate" and not in_mode:
            return None
        try:
            return self.contemplator()
        except ContemplateUnavailable as exc:
            return exc if question.force == "contemplate" else None  # in mode: answer the fast way

    def _model_refusal(
        self, question: Question, contemplator: Contemplator | ContemplateUnavailable | None, say: Speaker
    ) -> Answer | None:
        """Why this question cannot go to the model now (access, quota, a running contemplation)."""
        asker = question.asker
        if isinstance(contemplator, ContemplateUnavailable):
            return Answer(say(str(contemplator)), "fallback", language=say.language)
        if self.policy.standing(asker.spender, asker.chat_id, private=asker.private) is not Standing.FULL:
            return Answer(say(texts.NOT_ALLOWED_LLM), "fallback", language=say.language)
        if contemplator is not None and self.jobs.running(asker.key):
            return Answer(say(texts.CONTEMPLATE_BUSY), "fallback", language=say.language)
        cost = contemplator.plan().cost if contemplator is not None else 1
        spent = self.quotas.spend(asker.spender, asker.chat_id, group=not asker.private, cost=cost, say=say)
        if not spent:
            _LOG.info("LLM limit %s reached by %s in chat %s", spent.reason, asker.spender, asker.chat_id)
            return Answer(spent.message, "fallback", language=say.language)
        return None

    def _instant(
        self,
        answer: Answer,
        text: str,
        asker: Asker,
        notices: list[str],
        started: float,
        *,
        remember: bool = True,
    ) -> Reply:
        if remember and not answer.courtesy:
            self.store.remember(
                asker.chat_id, text, answer.text, thread_id=asker.thread_id, language=answer.language
            )
        self._count(answer, started)
        return Reply(answer, notices)

    # -- model answers ------------------------------------------------------------------------

    def _model_reply(
        self, decision: ForModel, text: str, asker: Asker, notices: list[str], started: float
    ) -> Reply:
        llm = self.engine.llm
        assert llm is not None
        answer = Answer("", "llm", decision.sources, subject="llm", language=decision.language)
        messages = self.engine.messages(decision)

        async def pieces(_: ProgressCallback | None) -> AsyncIterator[str]:
            async for piece in self._model_stream(llm, messages, answer):
                yield piece
            self._finish(answer, text, asker, started)

        return Reply(answer, notices, _pieces=pieces)

    async def _model_stream(
        self, llm: LLMBackend, messages: list[ChatMessage], answer: Answer
    ) -> AsyncIterator[str]:
        """The model's text; a failure becomes a sentence for the user and `answer.error`."""
        parts: list[str] = []
        first = time.monotonic()
        try:
            async for chunk in llm.stream(messages):
                if not parts:
                    self.metrics.llm_seconds.labels("first_text").observe(time.monotonic() - first)
                parts.append(chunk)
                yield chunk
        except LLMError as exc:
            note = _failure_note(exc, produced=any(p.strip() for p in parts), say=speaker(answer.language))
            answer.error = _failure_kind(exc)
            parts.append(note)
            yield note
        answer.text = self._checked("".join(parts).strip()) or speaker(answer.language)(texts.MODEL_EMPTY)

    def _checked(self, text: str) -> str:
        """The model's final text with its benchmark figures checked against the knowledge base
        (previews may have shown the raw stream; the final message never does)."""
        guarded = self.engine.guard.check(text)
        for kind, n in guarded.kinds.items():
            self.metrics.figure_checks.labels(kind).inc(n)
        if guarded.changed:
            _LOG.info("Figure guard changed a model answer: %s", dict(guarded.kinds))
        return guarded.text

    def _finish(self, answer: Answer, text: str, asker: Asker, started: float) -> None:
        self.health.llm_result(answer.error or None)
        self.metrics.llm_seconds.labels("total").observe(time.monotonic() - started)
        if answer.error:
            self.metrics.errors.labels(f"llm_{answer.error}").inc()
        else:  # "the model is busy" is not something to show the model next time
            self.store.remember(
                asker.chat_id, text, answer.text, thread_id=asker.thread_id, language=answer.language
            )
        self._count(answer, started)

    # -- contemplation ------------------------------------------------------------------------

    def contemplator(self) -> Contemplator:
        """Built per question from the current engine, so `/reload` and settings both apply.

        Raises `ContemplateUnavailable` (a sentence for the user) when it cannot run here."""
        return Contemplator.for_engine(self.engine, self.contemplate_config)

    def _contemplation(
        self,
        contemplator: Contemplator,
        decision: ForModel,
        text: str,
        history: list[Turn],
        asker: Asker,
        notices: list[str],
        started: float,
    ) -> Reply:
        plan = contemplator.plan()
        reply = Reply(Answer("", "llm", decision.sources, subject="contemplate"), notices, contemplation=True)

        async def pieces(on_progress: ProgressCallback | None) -> AsyncIterator[str]:
            async for piece in self._contemplate(contemplator, plan, text, history, reply, on_progress):
                yield piece
            self._finish(reply.answer, text, asker, started)

        reply._pieces = pieces
        return reply

    async def _contemplate(
        self,
        contemplator: Contemplator,
        plan: Plan,
        text: str,
        history: list[Turn],
        reply: Reply,
        on_progress: ProgressCallback | None,
    ) -> AsyncIterator[str]:
        result = await contemplator.run(text, history, on_progress=on_progress, plan=plan)
        reply.drafts = tuple(result.drafts)
        found = result.to_answer()
        found.sources = found.sources or reply.answer.sources
        found.language = reply.answer.language
        reply.answer = found
        if result.stream is None:
            yield found.text
            return
        parts: list[str] = []
        async for piece in result.stream:
            parts.append(piece)
            yield piece
        found.text = self._checked("".join(parts).strip()) or speaker(found.language)(texts.MODEL_EMPTY)

    # -- chat state ---------------------------------------------------------------------------

    def history(self, asker: Asker) -> list[Turn]:
        return self.store.history(asker.chat_id, turns=self.history_turns, thread_id=asker.thread_id)

    def mode(self, asker: Asker) -> Mode:
        found = self.store.chat_setting(asker.chat_id, MODE_SETTING)
        return "contemplate" if found == "contemplate" else "fast"

    def set_mode(self, asker: Asker, mode: Mode) -> None:
        self.store.set_chat_setting(asker.chat_id, MODE_SETTING, None if mode == "fast" else mode)

    def _count(self, answer: Answer, started: float) -> None:
        self.metrics.answers.labels(answer.route).inc()
        self.metrics.answer_seconds.labels(answer.route).observe(time.monotonic() - started)


def _words_only(closest: Answer, say: Speaker) -> Answer:
    """A picture nobody here can look at: answer its caption from the knowledge base, and say
    the picture was not looked at; with nothing to answer, just say so."""
    if closest.route == "fallback":
        return Answer(say(texts.NO_IMAGES), "fallback", language=say.language)
    closest.text = f"{say(texts.PICTURE_NOT_SEEN)}\n\n{closest.text}"
    return closest


_CUT_OFF_NOTES: dict[str, str] = {
    "max_tokens": texts.CUT_OFF_LENGTH,
    "content_filter": texts.CUT_OFF_FILTER,
    "incomplete": texts.CUT_OFF_BROKEN,
}


def _failure_kind(exc: LLMError) -> str:
    """The `Answer.error` (and metrics label) of a backend failure."""
    if isinstance(exc, AnswerCutOff):
        return "cut_off"
    if isinstance(exc, StreamInterrupted):
        return "interrupted"
    if isinstance(exc, BackendMisconfigured):
        return "misconfigured"
    if isinstance(exc, BackendTimeout):
        return "timeout"
    return "unavailable"


def _failure_note(exc: LLMError, *, produced: bool, say: Speaker) -> str:
    """The user's sentence for a backend failure; the operator's detail goes to the log (the
    backend has already logged a cut-off, with the advice that fits)."""
    if isinstance(exc, AnswerCutOff):
        _LOG.info("LLM answer cut off (%s).", exc.reason)
        note = say(_CUT_OFF_NOTES.get(exc.reason, texts.CUT_OFF.strip()))
        return f"\n\n{note}" if produced else note
    if isinstance(exc, StreamInterrupted):
        _LOG.warning("LLM stream cut off: %s", exc)
        return say(texts.CUT_OFF)
    if isinstance(exc, BackendMisconfigured):
        _LOG.error("LLM backend misconfigured: %s", exc)
        return say(texts.CUT_OFF) if produced else say(texts.MODEL_MISCONFIGURED)
    if isinstance(exc, BackendTimeout):
        _LOG.warning("LLM backend timed out: %s", exc)
        return say(texts.CUT_OFF) if produced else say(texts.MODEL_TIMEOUT)
    _LOG.warning("LLM backend unavailable: %s", exc)
    return say(texts.CUT_OFF) if produced else say(texts.MODEL_UNAVAILABLE)
