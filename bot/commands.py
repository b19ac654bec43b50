"""The slash commands: one list for every channel, and what each one does.

Telegram registers the list (and publishes it as the command menus); the terminal runs the same
names. Every command turns its arguments into a `Reply` through the conversation, so `/compare`
or `/usage` reads the same in a group chat as in `musebot chat`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot import texts
from bot.answering import briefs
from bot.answering.answer import Answer
from bot.answering.words import verbatim
from bot.contemplation import ContemplateUnavailable
from bot.conversation import Asker, Button, Conversation, Question, Reply
from bot.i18n import LANGUAGE_NAMES, Speaker, language_code, speaker
from bot.knowledge import KnowledgeError
from bot.state.access import Standing

__all__ = ["COMMANDS", "Command", "available", "run", "unknown"]

_LOG = logging.getLogger(__name__)
_CONTEMPLATE_WORDS = frozenset({"contemplate", "contemplating", "think", "deep"})
_FAST_WORDS = frozenset({"fast", "normal", "quick", "off"})

Run = Callable[[Conversation, Asker, Sequence[str], Speaker], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    """A command as menus and `/help` list it: where it is offered, and what it needs."""

    name: str
    description: str
    in_groups: bool = True
    needs_model: bool = False
    admin: bool = False
    channels: frozenset[str] = frozenset({"telegram", "terminal"})


COMMANDS: tuple[Command, ...] = (
    Command("start", texts.CMD_START, in_groups=False),
    Command("help", texts.CMD_HELP),
    Command("compare", texts.CMD_COMPARE),
    Command("benchmarks", texts.CMD_BENCHMARKS),
    Command("rollout", texts.CMD_ROLLOUT),
    Command("about", texts.CMD_ABOUT),
    Command("sources", texts.CMD_SOURCES),
    Command("ask", texts.CMD_ASK, needs_model=True),
    Command("contemplate", texts.CMD_CONTEMPLATE, needs_model=True),
    Command("mode", texts.CMD_MODE, needs_model=True),
    Command("cancel", texts.CMD_CANCEL, needs_model=True),
    Command("reset", texts.CMD_RESET),
    Command("usage", texts.CMD_USAGE, needs_model=True),
    Command("language", texts.CMD_LANGUAGE),
    Command("stats", texts.CMD_STATS, admin=True, channels=frozenset({"telegram"})),
    Command("reload", texts.CMD_RELOAD, admin=True),
    Command("quit", texts.CMD_QUIT, channels=frozenset({"terminal"})),
)
BY_NAME = {c.name: c for c in COMMANDS}


def available(channel: str, *, group: bool = False, model: bool = True, admin: bool = False) -> list[Command]:
    """The commands this kind of chat offers, in menu order."""
    return [
        c
        for c in COMMANDS
        if channel in c.channels
        and (c.in_groups or not group)
        and (model or not c.needs_model)
        and (admin or not c.admin)
    ]


async def run(conversation: Conversation, name: str, args: Sequence[str], asker: Asker) -> Reply | None:
    """Run `/name args`; None for a name that is no command of this channel."""
    command = BY_NAME.get(name.lower())
    if command is None or asker.channel not in command.channels:
        return None
    say = speaker(conversation.language_for(asker))
    if command.admin and not conversation.policy.is_admin(asker.user_id):
        return Reply(_note(say(texts.ADMIN_ONLY) if asker.private else "", say))
    return await _RUNNERS[command.name](conversation, asker, args, say)


def _note(text: str, say: Speaker) -> Answer:
    return Answer(text, "fallback", language=say.language)


def unknown(conversation: Conversation, name: str, asker: Asker) -> Reply:
    """The reply to `/name` that is no command here: the ones this chat can use (not those that
    need a model none is configured for), in the chat's language. The name is shown as typed."""
    say = speaker(conversation.language_for(asker))
    known = " ".join(f"/{c.name}" for c in _usable(conversation, asker) if c.name != "start")
    return Reply(_note(say(texts.UNKNOWN_COMMAND, name=verbatim(name[:40]), known=known), say))


def _usable(conversation: Conversation, asker: Asker) -> list[Command]:
    return available(
        asker.channel,
        group=not asker.private,
        model=conversation.engine.llm is not None,
        admin=conversation.policy.is_admin(asker.user_id),
    )


def help_text(conversation: Conversation, asker: Asker, say: Speaker) -> str:
    """The commands this chat can use, one a line, in the chat's language."""
    lines = [f"/{c.name} — {say(c.description)}" for c in _usable(conversation, asker) if c.name != "start"]
    return f"{say(texts.HELP_HEAD)}\n\n" + "\n".join(lines) + f"\n\n{say(texts.HELP_GROUPS)}"


# --- knowledge commands -----------------------------------------------------------------------


async def _start(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    buttons = tuple(Button(say(q), f"ask:{i}") for i, q in enumerate(texts.EXAMPLES))
    return Reply(briefs.welcome(conv.engine.kb, say), buttons=buttons)


async def _help(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    return Reply(Answer(help_text(conv, asker, say), "knowledge", language=say.language))


async def _compare(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    return Reply(conv.engine.compare(list(args), say))


async def _benchmarks(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    return Reply(briefs.benchmarks(conv.engine.kb, say))


async def _rollout(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    kb = conv.engine.kb
    return Reply(briefs.rollout(kb, say) or conv.engine.lookup("where is muse spark rolling out"))


async def _about(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    return Reply(briefs.about(conv.engine.kb, say) or conv.engine.lookup("what is muse spark"))


async def _sources(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    return Reply(briefs.sources(conv.engine.kb, say))


# --- conversation commands ----------------------------------------------------------------------


async def _ask(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    question = " ".join(args).strip()
    if not question:
        return Reply(_note(say(texts.ASK_USAGE), say))
    return await conv.turn(Question(question, asker, force="model"))


async def _contemplate(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    question = " ".join(args).strip()
    if not question:
        return Reply(_note(say(texts.CONTEMPLATE_USAGE), say))
    return await conv.turn(Question(question, asker, force="contemplate"))


async def _mode(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    choice = (args[0] if args else "").lower()
    if choice in _CONTEMPLATE_WORDS:
        try:
            plan = conv.contemplator().plan()
        except ContemplateUnavailable as exc:
            return Reply(_note(say(str(exc)), say))
        conv.set_mode(asker, "contemplate")
        text = say(texts.MODE_CONTEMPLATE_ON, agents=len(plan.agents), cost=plan.cost)
    elif choice in _FAST_WORDS:
        conv.set_mode(asker, "fast")
        text = say(texts.MODE_FAST_ON)
    else:  # no choice, or one it does not know ("/mode xyz"): say so, and what there is
        text = say(texts.MODE_NOW, mode=conv.mode(asker))
        if choice:
            text = f"{say(texts.MODE_UNKNOWN, choice=verbatim(choice[:40]))}\n{text}"
    return Reply(_note(text, say))


async def _cancel(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    """Stop this conversation's contemplation; its status line then says it was cancelled."""
    if not conv.jobs.running(asker.key):
        return Reply(_note(say(texts.NOTHING_TO_CANCEL), say))
    owner = conv.jobs.owner(asker.key)
    if not asker.private and owner is not None and asker.user_id != owner:
        return Reply(_note(say(texts.NOT_YOURS), say))
    conv.jobs.cancel(asker.key)
    return Reply(Answer("", "fallback"))


async def _reset(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    conv.store.forget(asker.chat_id, thread_id=asker.thread_id)
    return Reply(_note(say(texts.FORGOTTEN), say))


async def _usage(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    """Your own model counters and limits (and the group's, asked in a group)."""
    standing = conv.policy.standing(asker.spender, asker.chat_id, private=asker.private)
    if standing is not Standing.FULL:
        return Reply(_note(say(texts.NOT_ALLOWED_LLM), say))
    report = conv.quotas.report(asker.spender, asker.chat_id, group=not asker.private)
    return Reply(_note(report.markdown(conv.quotas.now(), say), say))


async def _language(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    """Pin the chat's language (`/language es`), or follow each question's (`/language auto`)."""
    choice = " ".join(args).strip()
    if choice.lower() in ("auto", "off", "reset"):
        conv.set_language(asker, None)
        return Reply(_note(say(texts.LANGUAGE_AUTO), say))
    code = language_code(choice) if choice else None
    if code is not None:
        conv.set_language(asker, code)
        pinned = speaker(code)
        return Reply(_note(pinned(texts.LANGUAGE_SET), pinned))
    if choice:  # "/language en es", "/language klingon"
        return Reply(_note(say(texts.LANGUAGE_UNKNOWN), say))
    pinned_code = conv.pinned_language(asker)
    how = (
        say(texts.LANGUAGE_PINNED, name=LANGUAGE_NAMES[pinned_code])
        if pinned_code
        else say(texts.LANGUAGE_FOLLOWS)
    )
    return Reply(_note(say(texts.LANGUAGE_NOW, how=how), say))


async def _quit(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    return Reply(Answer("", "fallback"))


# --- operator commands ------------------------------------------------------------------------


async def _stats(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    """What the bot has done since it started, and how it is."""
    m = conv.metrics
    ok, health = conv.health.report()
    answers = ", ".join(f"{route} {n}" for route, n in sorted(m.totals(m.answers).items())) or "none yet"
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(m.totals(m.errors).items())) or "none"
    kb = conv.engine.kb
    counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
    llm = conv.engine.llm.name if conv.engine.llm else "none configured"
    last_error = health["llm"]["last_error"]
    text = (
        f"**Muse Bot** — {'healthy' if ok else 'UNHEALTHY'}, up {_duration(health['uptime_s'])}\n"
        f"Updates: {sum(m.totals(m.updates).values())} · Answers: {answers}\n"
        f"Errors: {errors}\n"
        f"Knowledge: {counts} (as of {kb.as_of.isoformat()})\n"
        f"LLM: {llm}{' — last error: ' + last_error if last_error else ''}"
    )
    return Reply(Answer(text, "fallback"))


async def _reload(conv: Conversation, asker: Asker, args: Sequence[str], say: Speaker) -> Reply:
    """Re-read `knowledge/`; a broken file keeps the old knowledge and says why."""
    try:
        counts = await conv.reload()
    except KnowledgeError as exc:
        _LOG.warning("Reload refused: %s", exc)
        return Reply(_note(say(texts.RELOAD_REFUSED, problem=exc), say))
    listed = ", ".join(f"{n} {k}" for k, n in counts.items())
    _LOG.info("Knowledge base reloaded: %s", listed)
    return Reply(_note(say(texts.RELOADED, counts=listed), say))


def _duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


_RUNNERS: dict[str, Run] = {
    "start": _start,
    "help": _help,
    "compare": _compare,
    "benchmarks": _benchmarks,
    "rollout": _rollout,
    "about": _about,
    "sources": _sources,
    "ask": _ask,
    "contemplate": _contemplate,
    "mode": _mode,
    "cancel": _cancel,
    "reset": _reset,
    "usage": _usage,
    "language": _language,
    "quit": _quit,
    "stats": _stats,
    "reload": _reload,
}
