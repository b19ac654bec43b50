"""Which knowledge entry answers a prose part — with the subject check.

Retrieval (`bot.answering.retrieval`) ranks entries by how well they match the words; this
module decides whether the best one may answer: an entry about the person, lab or app the part
names; a higher bar when the part names nothing the knowledge base holds ("is the store open"
only sounds like the subject); no benchmark figures for a "who" question or a near miss that
nobody asked for them in. The thresholds are confidences in 0..1 (`retrieval.Hit`), set on the
evaluation sets' dev part.
"""

from __future__ import annotations

from dataclasses import replace

from bot.answering.answers import Answerers
from bot.answering.parser import Parser
from bot.answering.query import Part, Query
from bot.answering.retrieval import Retriever
from bot.answering.vocabulary import FORMAT_UNITS, QUESTION_WORDS
from bot.knowledge import Entry, KnowledgeBase

__all__ = ["CONFIDENCE_THRESHOLD", "MAKERS_ENTRY", "OVERVIEW_ENTRY", "EntryChooser"]

CONFIDENCE_THRESHOLD = 0.5
OWNED_THRESHOLD = 0.3  # among the entries about a named person, organisation or surface
UNNAMED_THRESHOLD = 0.6  # for a question that names nothing the knowledge base holds
ON_TOPIC_THRESHOLD = 0.4  # for a question that names the subject or its domain (the API, weights)
TASK_THRESHOLD = 0.3  # a task without a model gets the closest entry, if any is this close
OVERVIEW_ENTRY = "what-is-muse-spark"
REACH_ENTRY = "rollout-users"  # how many people get it: more than 3 billion
MAKERS_ENTRY = "who-built-muse-spark"  # who did make it, when a question asks or credits someone
#: Words that mark a claim ("…, right?", "¿verdad?", "kan") or a request ("could you confirm
#: the release date"): what the claim or request is about is searched, not them.
_NOT_SEARCHED = frozenset({"right", "confirm", "kindly", "advise"})
_COUNTING = frozenset({"many", "much"})
#: What a summary request says besides "summarise": what of, for whom, how short.
_SUMMARY_FILLER = frozenset(
    {"summarize", "article", "this", "it", "thing", "about", "for", "my", "our", "the", "me", "give", "write",
     "boss", "manager", "team", "group", "class", "family", "friends", "editor", "leadership", "slide",
     "max", "quick", "short", "simple", "please", "pls", "one", "in", "a", "of", "to", "do", "so", "model"}
)  # fmt: skip


class EntryChooser:
    """Entries for prose parts, from one knowledge base and its retriever."""

    def __init__(self, kb: KnowledgeBase, retriever: Retriever, parser: Parser, answerers: Answerers) -> None:
        self.kb = kb
        self.retriever = retriever
        self.parser = parser
        self.answerers = answerers
        # The subject's makers, as the makers' entry names them: not "what did scale ai release".
        said = kb.entries[MAKERS_ENTRY].answer.lower() if MAKERS_ENTRY in kb.entries else ""
        self._makers = frozenset(n.id for n in kb.entities.values() if said and n.name.lower() in said)
        # Per series (Llama, the Muse series): the entries whose English answer names it.
        self._naming = {
            n.id: [e.id for e in kb.entries.values() if n.name.lower() in e.answer.lower()]
            for n in kb.entities.values()
            if n.kind == "series"
        }

    def entry_for(self, part: Part, query: Query) -> Entry | None:
        """The entry that answers the part and passes the subject check, or None: when the part
        names a person, an organisation or a surface, the entry is one about it. Without any
        name, the bar is higher."""
        if self._asks_maker(part):  # "which outfit at meta made this thing", "qual divisão desenvolveu"
            return self.kb.entries[MAKERS_ENTRY]
        if self._asks_release(part):  # "who leads msl" → "ok and what did they just release"
            return self.kb.entries[OVERVIEW_ENTRY]
        if self._asks_reach(part):  # "how many ppl is this thing rolling out to", "qts pessoas vao receber"
            return self.kb.entries[REACH_ENTRY]
        if query.task:  # "write 3 lines for our whatsapp group", "caption IG": where it goes, not what about
            part = replace(part, entities=tuple(e for e in part.entities if not self._surface(e)))
        stop = self.parser.stopwords(query.language) if query.language != "en" else frozenset()
        if self._asks_summary(part, query) and OVERVIEW_ENTRY in self.kb.entries:
            return self.kb.entries[OVERVIEW_ENTRY]  # "tl;dr this muse spark thing for my boss"
        text = self._search_text(part, query, stop)
        owned = self._owned(part)
        if owned:
            hits = self.retriever.search(text, limit=1, among=owned, language=query.language)
            return hits[0].entry if hits and hits[0].confidence >= OWNED_THRESHOLD else None
        about = part.named or part.topics or part.context or part.in_domain(stop)
        if not about and part.only_numbers(stop):  # "whats 2+2", "what is 10 divided by 2"
            return None
        bar = CONFIDENCE_THRESHOLD if about else UNNAMED_THRESHOLD
        hits = self.retriever.search(text, limit=1, language=query.language)
        if not hits:
            return None
        best, confidence = hits[0].entry, hits[0].confidence
        # Benchmark figures nobody asked for answer no "who" or "when" ("… and who's the oke
        # running it", "was it released before gpt 5.4?"), and a near miss only when it has none.
        unasked = not (part.benchmarks or part.topics) and self.answerers.quotes_figures(best)
        who_or_when = bool(part.asks & {"who", "when"}) or "released" in part.words
        aside = len(query.parts) > 1 and part.asserting and not part.asks  # "… my meta ai looks the same"
        if confidence >= bar and not (unasked and (who_or_when or aside)):
            return best
        near = query.on_topic and confidence >= ON_TOPIC_THRESHOLD  # beats "outside what I know"
        return best if near and not unasked else None

    def closest(self, part: Part, query: Query) -> Entry | None:
        """For a task with no model to write it: the closest entry, else the overview."""
        hits = self.retriever.search(
            " ".join([*self.names(part), *part.words, query.text]), limit=1, language=query.language
        )
        if hits and hits[0].confidence >= TASK_THRESHOLD:
            return hits[0].entry
        return self.kb.entries.get(OVERVIEW_ENTRY)

    def names(self, part: Part) -> list[str]:
        """The names of what the part names, as the entries write them (a topic by its word)."""
        found = [self.kb.models[m].name for m in part.models]
        found += [self.kb.benchmarks[b].name for b in part.benchmarks]
        found += [self.kb.entities[e].name for e in part.entities if e in self.kb.entities]
        found += [
            w for b in part.topics if b not in part.benchmarks for w in self.kb.benchmarks[b].topic_words[:1]
        ]
        return found

    def _search_text(self, part: Part, query: Query, stop: frozenset[str]) -> str:
        """The part's own words and names (twice: they weigh most), borrowed context, and the
        question as typed ("how many ppl will get it" is a phrasing as typed, its canonical
        words are not; another language's, its translations) — only with one part, or the
        whole text would pull in the others; and not when it credits a maker ("dari google?"
        names who the question credits, not what it is about)."""
        asking = QUESTION_WORDS | _COUNTING  # "pra quantas pessoas": "how many", not "how"
        kept = [w for w in part.words if (w not in stop or w in asking) and w not in _NOT_SEARCHED]
        kept = _without_format(kept)  # "need 3 things … in 10 min": how to answer, not what
        if {"this", "model"} <= set(part.words):  # "esse modelo" points at the subject, named below
            kept = [w for w in kept if w not in ("this", "model")]
        own = [*self.names(part), *kept]  # "donde" is a stopword, but "where" says what is asked
        maker = any(e.startswith("org:") for e in part.entities)
        typed = [query.text] if len(query.parts) == 1 and not maker else []
        return " ".join([*own, *own, *part.context, *typed])

    def _asks_summary(self, part: Part, query: Query) -> bool:
        """Whether the part asks for a summary of the subject or the article and nothing more
        ("summarise the article in 3 lines", "key takeaways", "tl;dr for my boss"): the overview
        is that summary. "Summarise the advice for developers" asks about the advice."""
        if "summarize" not in part.words or part.benchmarks or part.topics:
            return False
        if set(part.models) - {self.kb.subject} or [e for e in part.entities if not self._surface(e)]:
            return False
        ignore = self.parser.stopwords(query.language) | QUESTION_WORDS | FORMAT_UNITS | _SUMMARY_FILLER
        return all(w in ignore or w.isdigit() for w in part.words)

    def _surface(self, entity: str) -> bool:
        return entity in self.kb.entities and self.kb.entities[entity].kind == "surface"

    def _owned(self, part: Part) -> list[str]:
        """The entries about what the part names (a person, a lab, an app, a series), or none.
        With the subject beside a series ("why is muse spark closed unlike llama", "ये क्लोज़्ड
        मॉडल क्यों"): also the entries beside the series' own and those whose answer names it."""
        owned = [e for n in part.entities if n in self.kb.entities for e in self.kb.entities[n].entries]
        series = [n for n in part.entities if n in self._naming]
        if series and (self.kb.subject in part.models or set(part.words) & {"this", "it", "its"}):
            owned += [r for e in owned if e in self.kb.entries for r in self.kb.entries[e].related]
            owned += [e for n in series for e in self._naming[n]]
        return owned

    def _asks_release(self, part: Part) -> bool:
        """Whether the part asks what a lab or company released (a maker named, no model): the
        subject, which is what the source is about."""
        asks = "what" in part.asks and "released" in part.words and not part.models
        named = set(part.entities)
        return asks and bool(named) and named <= self._makers and OVERVIEW_ENTRY in self.kb.entries

    def _asks_reach(self, part: Part) -> bool:
        """Whether the part asks how many people get the subject (no other model, no benchmark,
        no app of its own: "how many people use whatsapp" asks about WhatsApp)."""
        counts = {"how", "many", "users"} <= set(part.words)
        about_it = set(part.models) <= {self.kb.subject} and not (part.benchmarks or part.entities)
        return counts and about_it and not part.unknown_names and REACH_ENTRY in self.kb.entries

    def _asks_maker(self, part: Part) -> bool:
        """Whether the part asks who or which lab made the subject (no other model, no benchmark,
        nothing else named but a lab)."""
        others = [e for e in part.entities if e in self.kb.entities and self.kb.entities[e].kind != "org"]
        made = "made" in part.words
        asks = made and bool(part.asks & {"who", "which"})
        # "it was made by the llama team under yann lecun, right?", "was it made by the team
        # behind llama?": a claim about its maker (whom it credits: a team, a series, a person
        # the source never names), not a question about Llama.
        by = bool({"by", "team"} & set(part.words) or part.unknown_names)
        subject = self.kb.subject in part.models or bool({"it", "this", "its"} & set(part.words))
        claims = made and not part.asks and by and subject  # not "is llama made by meta"
        if claims:
            others = [e for e in others if self.kb.entities[e].kind != "series"]
        about_it = set(part.models) <= {self.kb.subject} and not (part.benchmarks or others)
        return (asks or claims) and about_it and MAKERS_ENTRY in self.kb.entries


def _without_format(words: list[str]) -> list[str]:
    """The words less what says how to answer: "3 things", "in 10 min", "in 3 points"."""
    counted = [i for i, w in enumerate(words) if w in FORMAT_UNITS and i and words[i - 1].isdigit()]
    drop = {*counted, *(i - 1 for i in counted)}
    return [w for i, w in enumerate(words) if i not in drop]
