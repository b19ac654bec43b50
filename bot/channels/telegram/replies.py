"""Showing a conversation's `Reply` in a chat: notices, then the answer — at once, streamed, or
contemplated — then its chart and buttons.

A contemplation is shown by a background task (`Application.create_task`, so its failures
reach the error handler): the chat's other updates, `/cancel` among them, keep flowing while the
agents think. Its status line is a `LiveMessage`, edited sparsely, and becomes a summary card
with a "Show drafts" button when the answer is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.answering.answer import Answer
from bot.channels.telegram import delivery
from bot.channels.telegram.context import Context, Services
from bot.channels.telegram.delivery import Target
from bot.channels.telegram.edits import Answered
from bot.channels.telegram.live import LiveMessage, show_stream
from bot.channels.telegram.render import render_messages
from bot.contemplation import Draft, Progress
from bot.conversation import Asker, ProgressCallback, Reply
from bot.i18n import Speaker, speaker

__all__ = ["drafts_markdown", "show", "show_in_place"]

_LOG = logging.getLogger(__name__)
_DRAFTS_BUDGET = 3400  # characters of draft text in the drafts message, all agents together
_MIN_DRAFT_CHARS = 200
_CLEANUP_TIMEOUT = 5.0  # the last status edit when cancelled must not hold up a stopping bot


_THANKED = "👍"


async def show(reply: Reply, target: Target, asker: Asker, context: Context, update: Update | None) -> None:
    """Everything the reply holds, in order; a contemplation continues in the background."""
    for notice in reply.notices:
        await delivery.send_text(target, notice)
    if reply.contemplation:
        task = context.application.create_task(
            _contemplate(reply, target, asker, context.services),
            update=update,
            name=f"contemplate-{asker.key}",
        )
        context.services.conversation.jobs.add(asker.key, asker.user_id, task)
        context.services.inbox.hold(update, task)  # answered when the contemplation is
    elif reply.streamed:
        await _stream(reply, target, asker, context.services)
    elif reply.answer.subject == "thanks" and not asker.private:
        await delivery.react(target, _THANKED)  # a busy group is not sent "you're welcome"
    elif reply.answer.text:
        await _instant(reply, target, context.services)


async def show_in_place(
    reply: Reply, target: Target, asker: Asker, context: Context, update: Update | None, before: Answered
) -> None:
    """A new answer to an edited question, in the messages that showed the old one: the text
    edited (parts added or taken back as the new answer needs), the old chart replaced. A
    contemplation cannot be edited in place; it is shown anew. A reply with no answer (an
    operator's command refused in a group, `/cancel`) leaves the old answer as it was."""
    if reply.contemplation:
        await show(reply, target, asker, context, update)
        return
    for notice in reply.notices:
        await delivery.send_text(target, notice)
    markup = delivery.keyboard(reply.buttons)

    async def replace(_: LiveMessage | None) -> None:
        await _replace(target, before, reply.answer, markup, context.services)

    if reply.streamed:
        await show_stream(target, reply.stream(), context.services.policy, private=False, finish=replace)
    else:
        await replace(None)


async def _replace(
    target: Target,
    before: Answered,
    answer: Answer,
    markup: InlineKeyboardMarkup | None,
    services: Services,
) -> None:
    """The old answer's messages (text and chart) made to show `answer`, unless it is empty:
    nothing to say is no reason to take back what was said."""
    chunks = render_messages(answer.markdown())
    if not chunks:
        return
    for i, chunk in enumerate(chunks):
        last = markup if i == len(chunks) - 1 else None
        if i < len(before.texts):
            await delivery.edit_html(target, before.texts[i], chunk, markup=last)
            target.texts.append(before.texts[i])
        else:
            await delivery.send_html(target, chunk, threaded=False, markup=last)
    for message_id in before.texts[len(chunks) :]:
        await delivery.delete(target, message_id)
    for message_id in before.charts:
        await delivery.delete(target, message_id)
    await _chart(answer, target, services)


async def _instant(reply: Reply, target: Target, services: Services) -> None:
    await delivery.send_answer(target, reply.answer, markup=delivery.keyboard(reply.buttons))
    await _chart(reply.answer, target, services)


async def _chart(answer: Answer, target: Target, services: Services) -> None:
    if answer.comparison is None:
        return
    png = await asyncio.to_thread(services.charts.get_or_render, answer.comparison)
    if png is not None:
        await delivery.send_chart(target, png, f"**{answer.title}** — {answer.footer() or 'chart'}")


async def _stream(
    reply: Reply,
    target: Target,
    asker: Asker,
    services: Services,
    on_progress: ProgressCallback | None = None,
) -> None:
    async def finish(live: LiveMessage | None) -> None:
        if live is not None:
            await live.finish(reply.answer)
        else:
            await delivery.send_answer(target, reply.answer)

    pieces = reply.stream(on_progress=on_progress)
    await show_stream(target, pieces, services.policy, private=asker.private, finish=finish)


async def _contemplate(reply: Reply, target: Target, asker: Asker, services: Services) -> None:
    policy = services.policy
    interval = policy.private_status_interval if asker.private else policy.group_status_interval
    status = LiveMessage(target, policy, interval=interval, drafts=False, cosmetic=False)
    say = speaker(services.conversation.language_for(asker))

    async def progress(p: Progress) -> None:
        status.show(say(texts.CONTEMPLATING, progress=p.describe(), board=p.board()))

    try:
        await _stream(reply, target, asker, services, on_progress=progress)
    except asyncio.CancelledError:
        reason = services.conversation.jobs.reason(asker.key)
        with contextlib.suppress(TimeoutError, TelegramError):
            async with asyncio.timeout(_CLEANUP_TIMEOUT):
                await status.settle(reason)
        raise
    finally:
        await status.stop()
    markup = _drafts_button(reply, target, status, services, say)
    await status.settle(_summary(reply.drafts, say), markup=markup)


def _drafts_button(
    reply: Reply, target: Target, status: LiveMessage, services: Services, say: Speaker
) -> InlineKeyboardMarkup | None:
    if status.message_id is None or not any(d.ok for d in reply.drafts):
        return None
    services.drafts.keep(target.chat_id, status.message_id, reply.drafts)
    data = f"drafts:{status.message_id}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(say(texts.SHOW_DRAFTS), callback_data=data)]])


def _summary(drafts: tuple[Draft, ...], say: Speaker) -> str:
    board = Progress("writing", tuple(d.label for d in drafts), drafts).board()
    n, ok = len(drafts), sum(d.ok for d in drafts)
    head = say(texts.CONTEMPLATED_BY, ok=ok, n=n) if ok else say(texts.NO_AGENT_ANSWERED, n=n)
    return f"🧠 _{head}_\n{board}"


def drafts_markdown(drafts: tuple[Draft, ...], say: Speaker | None = None) -> str:
    """Every agent's draft, shortened so that all of them fit in one message."""
    say = say or speaker("en")
    budget = max(_MIN_DRAFT_CHARS, _DRAFTS_BUDGET // max(1, len(drafts)))
    parts = [say(texts.DRAFTS_HEAD)]
    for d in drafts:
        head = f"**{d.index} · {d.label}** _({d.backend}, {d.seconds:.1f} s)_"
        body = _shorten(d.text, budget) if d.ok else f"_{d.error}_"
        parts.append(f"{head}\n{body}")
    return "\n\n".join(parts)


def drafts_answer(drafts: tuple[Draft, ...], say: Speaker | None = None) -> Answer:
    return Answer(drafts_markdown(drafts, say), "llm")


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip() + " …"
