"""The slash commands, once for every channel: Telegram registers them, the terminal runs them.

Each command turns arguments into an `Answer` using only the engine, so `/compare` or
`/sources` reads the same in a group chat as in `musebot chat`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answer import Answer, SourceRef
from bot.engine import Engine

EXAMPLES = (
    "what did muse spark score on healthbench?",
    "how does contemplating mode work?",
    "spark vs gpt 5.4",
    "where is muse spark rolling out?",
)


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    run: Callable[[Engine, Sequence[str]], Answer]
    in_groups: bool = True


def _start(engine: Engine, args: Sequence[str]) -> Answer:
    kb = engine.kb
    examples = "\n".join(f"• _{q}_" for q in EXAMPLES)
    text = (
        "Hi! I'm **Muse Bot**. I know Meta's **Muse Spark** well: its release, Contemplating mode, "
        f"its benchmark results against {_peer_names(engine)}, and where it is rolling out. "
        f"My knowledge is as of {kb.as_of.isoformat()}.\n\n"
        f"Ask me anything, for example:\n{examples}\n\nCommands: /help"
    )
    return Answer(text, "knowledge", SourceRef.lookup(kb, list(kb.sources)))


def help_text(extra: Sequence[tuple[str, str]] = ()) -> str:
    """The command list; each channel adds the commands only it has (`/ask`, `/usage`…)."""
    commands = [(c.name, c.description) for c in COMMANDS if c.name != "start"] + list(extra)
    lines = [f"/{name} — {description}" for name, description in commands]
    return (
        "Ask a question in plain words, or use a command:\n\n"
        + "\n".join(lines)
        + "\n\nIn groups, mention me or reply to one of my messages."
    )


def _help(engine: Engine, args: Sequence[str]) -> Answer:
    return Answer(help_text(), "knowledge")


def _about(engine: Engine, args: Sequence[str]) -> Answer:
    entry = engine.kb.entries.get("what-is-muse-spark")
    if entry is None:
        return engine.lookup("what is muse spark")
    return Answer(entry.answer, "knowledge", SourceRef.lookup(engine.kb, [entry.source]), subject=entry.id)


def _benchmarks(engine: Engine, args: Sequence[str]) -> Answer:
    kb = engine.kb
    lines = []
    for b in kb.benchmarks.values():
        spark = b.score_for("muse-spark")
        leader = kb.models[b.ranked()[0].model].name
        own = f"Muse Spark **{b.format_value(spark.value)}**" if spark else "no Muse Spark figure"
        mode = f" ({spark.mode})" if spark and spark.mode else ""
        lines.append(f"• **{b.name}** — {own}{mode}; leader: {leader}")
    text = (
        "Benchmarks in the source:\n\n"
        + "\n".join(lines)
        + "\n\nDetails: `/compare hle`, `/compare muse-spark gpt-5.4`"
    )
    sources = [b.source for b in kb.benchmarks.values()]
    return Answer(text, "knowledge", SourceRef.lookup(kb, sources))


def _rollout(engine: Engine, args: Sequence[str]) -> Answer:
    entries = [e for e in engine.kb.entries.values() if e.topic == "rollout"]
    if not entries:
        return engine.lookup("where is muse spark rolling out")
    text = "\n\n".join(f"**{e.title}** — {e.answer}" for e in entries)
    return Answer(text, "knowledge", SourceRef.lookup(engine.kb, [e.source for e in entries]))


def _sources(engine: Engine, args: Sequence[str]) -> Answer:
    kb = engine.kb
    lines = [f"• **{s.title}** — as of {s.as_of.isoformat()}. {s.note}".rstrip() for s in kb.sources.values()]
    counts = kb.counts()
    text = (
        "Every fact and figure I give comes from:\n\n"
        + "\n".join(lines)
        + f"\n\n{counts['entries']} facts, {counts['scores']} benchmark figures for "
        f"{counts['models']} models. Questions beyond these I say I can't answer, rather than guess."
    )
    return Answer(text, "knowledge")


def _compare(engine: Engine, args: Sequence[str]) -> Answer:
    return engine.compare(list(args))


def _peer_names(engine: Engine) -> str:
    peers = [m.name for m in engine.kb.models.values() if m.id != "muse-spark" and not m.variant_of]
    return ", ".join(peers[:-1]) + f" and {peers[-1]}" if len(peers) > 1 else "".join(peers)


COMMANDS: tuple[Command, ...] = (
    Command("start", "what I know and how to ask", _start, in_groups=False),
    Command("help", "how to use me", _help),
    Command("compare", "models side by side: /compare muse-spark gpt-5.4, or /compare hle", _compare),
    Command("benchmarks", "Muse Spark's benchmark results", _benchmarks),
    Command("rollout", "where and when Muse Spark arrives", _rollout),
    Command("about", "what Muse Spark is", _about),
    Command("sources", "where my facts come from, and as of when", _sources),
)
BY_NAME = {c.name: c for c in COMMANDS}


def run_command(engine: Engine, name: str, args: Sequence[str]) -> Answer | None:
    """None for a command this module does not own (the channel may handle it)."""
    command = BY_NAME.get(name.lower())
    return command.run(engine, args) if command else None
