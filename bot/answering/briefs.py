"""Fixed answers from the knowledge base: the welcome, and the overviews behind `/benchmarks`,
`/rollout`, `/about` and `/sources`. Each reads only the knowledge base, so it reads the same in a
group chat as in `musebot chat`.
"""

from __future__ import annotations

from bot import texts
from bot.answering.answer import Answer, SourceRef
from bot.knowledge import KnowledgeBase

OVERVIEW_ENTRY = "what-is-muse-spark"


def welcome(kb: KnowledgeBase) -> Answer:
    """`/start`: what the bot knows, as of when, and example questions."""
    examples = "\n".join(f"• _{q}_" for q in texts.EXAMPLES)
    text = texts.WELCOME.format(peers=_peer_names(kb), as_of=kb.as_of.isoformat(), examples=examples)
    return Answer(text, "knowledge", SourceRef.lookup(kb, list(kb.sources)))


def about(kb: KnowledgeBase) -> Answer | None:
    """`/about`: the overview entry, or None when the knowledge base has none."""
    entry = kb.entries.get(OVERVIEW_ENTRY)
    if entry is None:
        return None
    return Answer(entry.answer, "knowledge", SourceRef.lookup(kb, [entry.source]), subject=entry.id)


def benchmarks(kb: KnowledgeBase) -> Answer:
    """`/benchmarks`: Muse Spark's figure (and mode) on each benchmark, and who leads it."""
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
    return Answer(text, "knowledge", SourceRef.lookup(kb, [b.source for b in kb.benchmarks.values()]))


def rollout(kb: KnowledgeBase) -> Answer | None:
    """`/rollout`: every entry on the rollout topic, or None when there is none."""
    entries = [e for e in kb.entries.values() if e.topic == "rollout"]
    if not entries:
        return None
    text = "\n\n".join(f"**{e.title}** — {e.answer}" for e in entries)
    return Answer(text, "knowledge", SourceRef.lookup(kb, [e.source for e in entries]))


def sources(kb: KnowledgeBase) -> Answer:
    """`/sources`: where every fact comes from, as of when, and how much there is."""
    lines = [f"• **{s.title}** — as of {s.as_of.isoformat()}. {s.note}".rstrip() for s in kb.sources.values()]
    counts = kb.counts()
    text = (
        "Every fact and figure I give comes from:\n\n"
        + "\n".join(lines)
        + f"\n\n{counts['entries']} facts, {counts['scores']} benchmark figures for "
        f"{counts['models']} models. Questions beyond these I say I can't answer, rather than guess."
    )
    return Answer(text, "knowledge")


def _peer_names(kb: KnowledgeBase) -> str:
    peers = [m.name for m in kb.models.values() if m.id != "muse-spark" and not m.variant_of]
    return ", ".join(peers[:-1]) + f" and {peers[-1]}" if len(peers) > 1 else "".join(peers)
