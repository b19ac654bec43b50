"""Composing the engine's pieces into one `Answer`: several parts kept short enough for a busy
chat, a comparison with its chart data, and the friendly note of what the bot knows."""

from __future__ import annotations

import re

from bot import texts
from bot.answering.answer import Answer, SourceRef
from bot.answering.answers import Answerers, Piece
from bot.answering.compare import Comparison, Ranking
from bot.answering.phrasing import phrasing
from bot.i18n import Speaker
from bot.knowledge import KnowledgeBase

__all__ = ["ANSWER_BUDGET", "PARTS_BUDGET", "comparison_answer", "compose", "corrected", "fallback"]

#: Characters an answer to several questions at once may take before each is cut to its lead:
#: a busy group chat reads a few lines, not an essay.
ANSWER_BUDGET = 600
#: Past the budget each part keeps its lead; the parts asked still all get one, up to this many
#: characters in all (a reply a phone shows in two screens, not a wall of text in a group).
PARTS_BUDGET = 1000
_LEAD_CHARS = 80
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[*A-Z0-9\u0900-\u097f¿¡])")


def corrected(text: str, say: Speaker) -> str:
    """The answer to a false premise, starting with the correction ("No — …"), unless it
    already starts with one ("Not across the board…", "Não em tudo…"): one "no", not two."""
    no = say(texts.CORRECTION, text="").strip(" —-").casefold()
    first = text.lstrip("*_ ").split(maxsplit=1)[:1]
    word = first[0].strip(".,:;!").casefold() if first else ""
    if no and word.startswith(no) and len(word) <= len(no) + 1:
        return text
    stop = phrasing().stopwords(say.language)
    if word in stop and text[:1].isupper():  # "No — on HLE, …", not "No — On HLE, …"
        text = text[0].lower() + text[1:]
    return say(texts.CORRECTION, text=text)


def compose(kb: KnowledgeBase, pieces: list[Piece], say: Speaker) -> Answer:
    """One answer from the pieces, in the order asked (at least one piece). A single piece keeps
    its route and comparison; several are `knowledge`, each cut to its gist past the budget."""
    first = pieces[0]
    route = first.route if len(pieces) == 1 else "knowledge"
    sources = [s for p in pieces for s in p.sources]
    texts_ = [p.text for p in pieces]
    if len(pieces) > 1 and sum(map(len, texts_)) > ANSWER_BUDGET:
        texts_ = _within_budget([_lead(t) for t in texts_])
    answer = Answer(
        "\n\n".join(texts_),
        route,  # type: ignore[arg-type]
        SourceRef.lookup(kb, sources),
        subject=first.subject if len(pieces) == 1 else ",".join(p.subject for p in pieces),
        title=first.title,
        language=say.language,
    )
    if len(pieces) == 1:
        answer.comparison = first.comparison
    return answer


def comparison_answer(
    kb: KnowledgeBase, answerers: Answerers, result: Comparison | Ranking, say: Speaker
) -> Answer:
    """A `/compare` result as a `compare` answer: the table or ranking, with its chart data."""
    if isinstance(result, Ranking):
        subject = result.benchmark.id
        text = result.to_markdown(say, measures=answerers.measures(result.benchmark, say, sentence=True))
    else:
        subject = ",".join(m.id for m in result.models)
        text = result.to_markdown(say)
    answer = Answer(
        text, "compare", SourceRef.lookup(kb, result.source_ids), subject=subject, language=say.language
    )
    answer.comparison = result
    answer.title = result.title
    return answer


def fallback(say: Speaker, *, greeting: bool = False) -> Answer:
    """What the bot knows and examples to try: the reply to a greeting (subject `greeting`) or
    to a question outside the knowledge base (route `fallback`, empty subject)."""
    head = say(texts.GREETING_HEAD if greeting else texts.OUTSIDE_HEAD)
    text = f"{head} {say(texts.WHAT_I_KNOW)}\n\n{say(texts.TRY_EXAMPLES)}"
    return Answer(text, "fallback", subject="greeting" if greeting else "", language=say.language)


def _lead(text: str) -> str:
    """The first sentences of a prose answer, at least `_LEAD_CHARS` long ("No." alone is not
    an answer); text that is not prose (a table, a list) is kept whole."""
    if "\n" in text.strip() or "|" in text:
        return text
    lead = ""
    for sentence in _SENTENCE_END.split(text.strip()):
        lead = f"{lead} {sentence}".strip()
        if len(lead) >= _LEAD_CHARS:
            break
    return lead


def _within_budget(texts_: list[str]) -> list[str]:
    """As many answers, in the order asked, as fit `PARTS_BUDGET` (the first always): a
    question asked in three parts wants three answers more than it wants each one whole."""
    kept = texts_[:1]
    for text in texts_[1:]:
        if sum(map(len, kept)) + len(text) > PARTS_BUDGET:
            break
        kept.append(text)
    return kept
