"""Fixed answers from the knowledge base: the welcome, and the overviews behind `/benchmarks`,
`/rollout`, `/about` and `/sources`. Each reads only the knowledge base, so it reads the same in a
group chat as in `musebot chat`, and each speaks the reader's language (`say`).
"""

from __future__ import annotations

from bot import texts
from bot.answering.answer import Answer, SourceRef
from bot.answering.compare import figure
from bot.i18n import Speaker
from bot.knowledge import Entry, KnowledgeBase
from bot.knowledge.translated import EntryText

OVERVIEW_ENTRY = "what-is-muse-spark"


def welcome(kb: KnowledgeBase, say: Speaker) -> Answer:
    """`/start`: what the bot knows, as of when, and example questions."""
    examples = "\n".join(f"• _{say(q)}_" for q in texts.EXAMPLES)
    text = say(texts.WELCOME, peers=_peer_names(kb, say), as_of=say.date(kb.as_of), examples=examples)
    return Answer(text, "knowledge", SourceRef.lookup(kb, list(kb.sources)), language=say.language)


def about(kb: KnowledgeBase, say: Speaker) -> Answer | None:
    """`/about`: the overview entry, or None when the knowledge base has none."""
    entry = kb.entries.get(OVERVIEW_ENTRY)
    if entry is None:
        return None
    _, answer = _prose(kb, entry, say)
    return Answer(
        answer, "knowledge", SourceRef.lookup(kb, [entry.source]), subject=entry.id, language=say.language
    )


def benchmarks(kb: KnowledgeBase, say: Speaker) -> Answer:
    """`/benchmarks`: Muse Spark's figure (and mode) on each benchmark, and who leads it."""
    lines = []
    for b in kb.benchmarks.values():
        spark = b.score_for(kb.subject)
        leader = kb.models[b.ranked()[0].model].name
        if spark is None:
            own = say(texts.NO_SPARK_FIGURE)
        else:
            mode = f" ({spark.mode})" if spark.mode else ""
            own = f"Muse Spark **{figure(b, spark.value, say)}**{mode}"
        lines.append(say(texts.BENCHMARK_LINE, benchmark=b.name, own=own, leader=leader))
    text = say(texts.BENCHMARKS_HEAD) + "\n\n" + "\n".join(lines) + "\n\n" + say(texts.BENCHMARKS_MORE)
    sources = SourceRef.lookup(kb, [b.source for b in kb.benchmarks.values()])
    return Answer(text, "knowledge", sources, language=say.language)


def rollout(kb: KnowledgeBase, say: Speaker) -> Answer | None:
    """`/rollout`: every entry on the rollout topic, or None when there is none."""
    entries = [e for e in kb.entries.values() if e.topic == "rollout"]
    if not entries:
        return None
    text = "\n\n".join("**{}** — {}".format(*_prose(kb, e, say)) for e in entries)
    return Answer(text, "knowledge", SourceRef.lookup(kb, [e.source for e in entries]), language=say.language)


def sources(kb: KnowledgeBase, say: Speaker) -> Answer:
    """`/sources`: where every fact comes from, as of when, and how much there is."""
    lines = [
        say(
            texts.SOURCE_LINE,
            title=s.title,
            as_of=say.date(s.as_of),
            note=s.note if say.language == "en" else "",
        ).rstrip()
        for s in kb.sources.values()
    ]
    counts = kb.counts()
    text = (
        say(texts.SOURCES_HEAD)
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + say(
            texts.SOURCES_COUNTS, entries=counts["entries"], scores=counts["scores"], models=counts["models"]
        )
    )
    return Answer(text, "knowledge", language=say.language)


def _prose(kb: KnowledgeBase, entry: Entry, say: Speaker) -> tuple[str, str]:
    found = kb.translations.get(say.language, "entries", entry.id)
    return (found.title, found.answer) if isinstance(found, EntryText) else (entry.title, entry.answer)


def _peer_names(kb: KnowledgeBase, say: Speaker) -> str:
    return say.join([m.name for m in kb.models.values() if m.id != kb.subject and not m.variant_of])
