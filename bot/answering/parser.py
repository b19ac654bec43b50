"""Text in, a typed `Query` out: what a chat message asks, in any of the bot's languages.

The steps, each one short:

1. the language (`bot.answering.language`), so its pack applies;
2. tokens, typos mended against the knowledge base — never a word some language pack knows,
   so Spanish "codigo" is not "corrected" into "coding";
3. names (models, benchmarks, entities) found on those words, longest alias first;
4. everything else rewritten into canonical words (`bot.answering.phrasing`), then topic words
   ("coding", "health") found on the result;
5. the message cut into parts ("when was it released | and who built it"), each with its intent,
   its names, what it asks, what it names that the knowledge base lacks, and what it claims;
6. parts that leave things unsaid borrow them: from the part before, or from the previous
   question of the chat for a follow-up ("and gemini?", "why not?", "how did he get there").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bot.answering.assertions import read_claims
from bot.answering.clauses import Token, clauses, relative_clause, split
from bot.answering.language import DEFAULT as DEFAULT_LANGUAGE
from bot.answering.language import detect, packs
from bot.answering.lexicon import MentionIndex, Span
from bot.answering.makers import Makers, qualifies
from bot.answering.phrasing import Phrasing, phrasing
from bot.answering.query import Intent, Part, Query
from bot.answering.references import References, asks_leader
from bot.answering.vocabulary import (
    COMPARE_WORDS,
    CONNECTIVES,
    DOMAIN_WORDS,
    GREETINGS,
    MONTH_NUMBERS,
    QUESTION_WORDS,
    RANK_WORDS,
    REFERRING,
    SCORE_WORDS,
    TASK_WORDS,
    THANKS,
    VERDICT_WORDS,
    YES_NO,
)
from bot.answering.words import Speller, tokens
from bot.knowledge import KnowledgeBase

_FIGURE_INTENTS = frozenset({Intent.SCORE, Intent.RANK, Intent.COMPARE, Intent.VERDICT})
_VERSION = re.compile(r"^\d(?:\.\d)?$")
# Where one question ends: "?", "!", ";", a full stop, a dash between clauses, or a numbered
# or lettered item ("3 qs: 1) who built it 2) when", "(a) … (b) …").
_SENTENCE = re.compile(r"[?!;\n]+|(?<=\D)\.(?=\s|$)|\s[—–+]\s|\s-\s|(?:^|\s)\(?(?:[1-9]|[a-e])\)(?=\s)")
_TLDR = re.compile(r"\btl\s*;\s*dr\b", re.IGNORECASE)  # "tl;dr" asks for brevity, it ends no sentence
_HASH_RANK = re.compile(
    r"(?:#|\b(?:number|no|nr|num)\.?)\s?(\d{1,2})\b(?![.,]\d)", re.IGNORECASE
)  # "#2", "no. 1"
_FRAGMENT_WORDS = 4
#: Words that ask for the overview of what is named ("never heard of muse spark, what is it",
#: "muse spark eli5"), canonical (the packs map their own words to these).
_OVERVIEW_WORDS = frozenset(
    {"about", "tell", "info", "information", "details", "summarize", "explain", "overview", "heard"}
    | {"never", "trending", "hype", "thing", "know", "anything", "exactly", "saw", "seen", "basically"}
    | {"quick", "brief", "short", "rundown", "lowdown", "gist"}
)
#: Laughter as chats type it (haha, jajaja, kkkk, wkwkwk, rsrs, lol): an acknowledgement.
_LAUGHTER = re.compile(r"(?:(?:ha|he|hi|ja|je|wk|rs){2,}h?|k{3,}|lol|lmao|xd)")
_AI_WORDS = frozenset({"model", "models", "llm", "llms", "chatbot", "assistant", "bot"})
_LEADING = frozenset({"first", "benchmark", "benchmarks", "does", "do", "is", "at", "on", "in", "it", "its"})
_PRESUPPOSING = frozenset({("since",), ("given",), ("because",)})


class Parser:
    """Builds queries against one knowledge base (its names, its vocabulary)."""

    def __init__(self, kb: KnowledgeBase, index: MentionIndex, spellers: Mapping[str, Speller]) -> None:
        """`spellers`: one per language pack, each mending typos toward that language's words."""
        self._kb = kb
        self._index = index
        self._spellers = spellers
        self._phrasing: Phrasing = phrasing()
        self._known = frozenset(self._pack_words()) | frozenset(
            w for sp in spellers.values() for w in sp.vocabulary
        )
        self._name_words = frozenset(index.vocabulary)
        self._makers = Makers(kb)
        self._default_model = kb.subject
        # Names of models the source lacks ("grok"): a number after one is a version, no figure.
        others = (w for u in kb.unknowns.values() if u.names_a_subject for t in u.triggers for w in tokens(t))
        self._other_names = frozenset(w for w in others if w.isalpha() and len(w) > 2)
        # Words without meaning in any language: a part's words are canonical English and the
        # asker's own ("vlw mano" is thanks, "esse muse spark da meta" names only the model).
        self._no_meaning = frozenset().union(
            *(self._phrasing.stopwords(code) for code in packs()), self._makers.names
        )
        self._subject_words = (
            spellers[DEFAULT_LANGUAGE].vocabulary if DEFAULT_LANGUAGE in spellers else frozenset()
        )
        self._references = References(kb, self._phrasing, self._subject_words, self._intent)

    def _pack_words(self) -> set[str]:
        words: set[str] = set()
        for pack in packs().values():
            for group in (pack.cues, pack.stopwords, *pack.concepts.values(), list(pack.concepts)):
                for phrase in group:
                    words.update(tokens(phrase))
        return words

    # -- the whole message ------------------------------------------------------------------

    def parse(
        self,
        text: str,
        *,
        previous: Query | None = None,
        hint: str | None = None,
        referents: tuple[str, ...] = (),
        language: str | None = None,
        own_language: bool = False,
        language_from: str | None = None,
    ) -> Query:
        """The message as a query; `previous` is the chat's last question (for follow-ups),
        `hint` the client's language code, `referents` the people the last answer named (whom
        "he" or "she" means), `language` one the chat has pinned (then nothing is detected).
        With `own_language`, the previous question's language does not count (it may be
        someone else's): the asker's client language comes first. `language_from`: the words
        the language is read from, when the text also quotes someone else's message."""
        before = previous.language if previous is not None and not own_language else None
        language = (
            language
            or detect(language_from or text, names=self._name_words, previous=before, hint=hint).language
        )
        parts: list[Part] = []
        for sentence in _SENTENCE.split(_HASH_RANK.sub(r" rank \1 ", _TLDR.sub(" tldr ", text))):
            for tokens_ in split(clauses(sentence, lambda c: self._tokens(c, language))):
                part = self._part(tokens_, language)
                if part.words or part.named:
                    parts.append(part)
        first_ask = next((i for i, p in enumerate(parts) if p.asks or p.named), 0)
        parts = [p for i, p in enumerate(parts) if i >= first_ask or not self._preamble(p, language)]
        if not parts:
            return Query(text, (Part(()),), language, on_topic=False)
        parts = self._references.resolve(parts, previous, referents, language)
        task = any(w in TASK_WORDS for p in parts for w in p.words)
        on_topic = any(p.named or p.in_domain(self._phrasing.stopwords(language)) for p in parts)
        return Query(text, tuple(parts), language, task=task, on_topic=on_topic)

    def _preamble(self, part: Part, language: str) -> bool:
        """ "journo here, filing in 20 mins — what's the launch date?": a clause before the
        question that asks nothing, names nothing and has no word the knowledge base or a
        language pack reads is no question (after the question, "… dealnya?" goes on)."""
        stop = self._phrasing.stopwords(language)
        read = [w for w in part.content(stop) if w in self._subject_words or w in self._phrasing.vocabulary]
        return not (part.asks or part.named or part.topics or read)

    def canonical(self, text: str, language: str, *, names: bool = True) -> list[str]:
        """A phrase's words as the parser reads them (for matching curated triggers); `names`
        False leaves out the words of model, benchmark and entity names."""
        toks = self._tokens(text, language)
        found = [t.word for t in toks if not t.kind]
        return found + [w for t in toks if t.kind for w in t.word.split()] if names else found

    def names_in(self, text: str, language: str) -> frozenset[str]:
        """The ids of the models, benchmarks and entities a phrase names."""
        return frozenset(t.ident for t in self._tokens(text, language) if t.ident and t.kind != "topic")

    def in_order(self, text: str, language: str) -> list[str]:
        """A phrase's words as the parser reads them, names included, in order (`Part.said`)."""
        return [w for t in self._tokens(text, language) for w in t.word.split()]

    def stopwords(self, language: str) -> frozenset[str]:
        return self._phrasing.stopwords(language)

    def knows(self, word: str, language: str) -> bool:
        """Whether the knowledge base speaks of `word` (canonical English, or as typed in
        `language`): a figure, or a word of its entries, unknowns or their translations."""
        speller = self._spellers.get(language)
        return (
            any(ch.isdigit() for ch in word)
            or word in self._subject_words
            or (speller is not None and word in speller.vocabulary)
        )

    # -- tokens -------------------------------------------------------------------------------

    def _tokens(self, sentence: str, language: str) -> list[Token]:
        raw = self._phrasing.split_suffixes(tokens(_HASH_RANK.sub(r" rank \1 ", sentence)), language)
        raw = ["ok" if _LAUGHTER.fullmatch(w) else w for w in raw]  # "jajaja", "kkkk", "wkwk"
        speller = self._spellers.get(language) or self._spellers[DEFAULT_LANGUAGE]
        words = [w if w in self._known else speller.correct(w) for w in raw]
        spans = self._index.spans(words, kinds=frozenset({"model", "benchmark", "entity"}))
        out: list[Token] = []
        i = 0
        for span in [*spans, Span(len(words), 0, "", "")]:
            if span.start > i:
                out += self._canonical(
                    words[i : span.start], language, opening=i == 0, closing=span.start == len(words)
                )
            if span.kind:
                surface = " ".join(words[span.start : span.start + span.length])
                after = span.start + span.length
                if span.kind == "model" and after < len(words) and _VERSION.match(words[after]):
                    # "gpt 5", "opus 4.5": another version of a model the source names, not it
                    other = f"{surface} {words[after]}"
                    out.append(Token(other, "other-version", "", other))
                    i = after + 1
                    continue
                out.append(Token(surface, span.kind, span.ident, surface))
                if span.kind == "benchmark":
                    i = span.start + span.length + _version_after(words, span.start + span.length, span.ident)
                    continue
            i = span.start + span.length
        return out

    def _canonical(
        self, words: Sequence[str], language: str, *, opening: bool = True, closing: bool = True
    ) -> list[Token]:
        canonical = self._phrasing.canonical(words, language, opening=opening, closing=closing)
        out: list[Token] = []
        topics = {s.start: s for s in self._index.spans(canonical, kinds=frozenset({"topic"}))}
        i = 0
        while i < len(canonical):
            span = topics.get(i)
            if span is not None:
                out.append(Token(" ".join(canonical[i : i + span.length]), "topic", span.ident))
                i += span.length
                continue
            out.append(Token(canonical[i]))
            i += 1
        return out

    # -- one part -----------------------------------------------------------------------------

    def _part(self, toks: list[Token], language: str) -> Part:
        if language in ("es", "pt"):  # "qué es ese muse spark que sacó meta": what it is
            toks = toks[: relative_clause(toks)]
        words = tuple(t.word for t in toks if not t.kind)
        made = "made" in words
        if not made and any(self._makers.belongs(toks, i) for i, t in enumerate(toks) if self._makers.of(t)):
            made, words = True, (*words, "made")  # "es de openai?" asks who made it
        models = _ordered(
            t.ident
            for i, t in enumerate(toks)
            if t.kind == "model" and not (self._makers.of(t) and (made or qualifies(toks, i)))
        )
        entities = _ordered(t.ident for t in toks if t.kind == "entity")
        # "is it open like llama", "é open source tipo o llama?": about it, not Llama
        entities = tuple(e for e in entities if e not in _likened(toks, self._phrasing.stopwords(language)))
        orgs = self._makers.credited(toks) if made else ()
        pointed = bool(set(words) & self._phrasing.pointers(language))
        models = self._makers.without_their_models(models, orgs, pointed=pointed)
        benchmarks = _ordered(t.ident for t in toks if t.kind == "benchmark")
        topics = _ordered(t.ident for t in toks if t.kind == "topic")
        asks = frozenset(w for w in words if w in QUESTION_WORDS)
        figures = any(w in SCORE_WORDS | RANK_WORDS | VERDICT_WORDS | COMPARE_WORDS for w in words)
        lone_topic = bool(topics) and (
            not [w for w in words if w not in CONNECTIVES] or not self._substantive(words)
        )
        topic_only = not benchmarks and bool(topics) and (figures or lone_topic)
        if topic_only:
            benchmarks = topics
        stop = self._phrasing.stopwords(language)
        part = Part(
            words=words,
            asks=asks,
            models=models,
            benchmarks=benchmarks,
            entities=(*entities, *orgs),
            topic_only=topic_only,
            topics=topics,
            said=tuple(w for t in toks for w in t.word.split()),
            other_versions=tuple(t.surface for t in toks if t.kind == "other-version"),
        )
        if topic_only and self._about_something_else(part, language):
            part = replace(part, benchmarks=(), topic_only=False)  # "a good laptop for coding?"
        part = replace(
            part,
            intent=self._intent(part, words),
            claims=read_claims(
                toks,
                part,
                other_names=self._other_names,
                sweeping=_sweeping(part),
                subject=self._default_model,
            ),
            asserting="right" in words
            or words[:1] in _PRESUPPOSING  # "since meta killed off llama, what …" takes it as given
            or (not asks and not (set(words[:1]) & YES_NO) and bool(part.named)),
            unknown_names=self._unknown_names(words, stop),
        )
        if part.intent in _FIGURE_INTENTS and not part.models:
            # "muse spark 2 hle score": figures for a later model of a series, which has none yet
            later = tuple(t.surface for t in toks if t.kind == "entity" and t.surface[-1:].isdigit())
            part = replace(part, other_versions=(*part.other_versions, *later))
        return replace(part, fragment=self._is_fragment(part, stop))

    def _about_something_else(self, part: Part, language: str) -> bool:
        """ "anyone recommend a good laptop for coding?": a field's word ("coding") with no model,
        no AI word and a thing the knowledge base never speaks of ("laptop") asks about that
        thing, not about the benchmark of the field."""
        about_it = self._phrasing.pointers(language)  # "can it make images, like sora?": it
        if part.models or part.entities or set(part.words) & (DOMAIN_WORDS | _AI_WORDS | about_it):
            return False
        stop = self._phrasing.stopwords(language) | QUESTION_WORDS
        return any(
            w.isalpha() and len(w) > 3 and w not in stop and not self.knows(w, language) for w in part.words
        )

    def _intent(self, part: Part, words: tuple[str, ...]) -> Intent:
        has = set(words).__and__
        polite = GREETINGS | THANKS
        content = [w for w in words if w in polite or w not in self._no_meaning]
        courtesy = bool(content) and not part.named and not has(REFERRING)  # "does it help?" asks
        if courtesy and set(content) <= GREETINGS:
            return Intent.GREETING
        if courtesy and set(content) <= polite:
            return Intent.THANKS
        if has({"compute"}) and not part.benchmarks:
            return Intent.FACT  # "10 veces más cómputo que llama 4 maverick, por eso es tan bueno?"
        if _sweeping(part):
            return Intent.VERDICT  # "does spark lead every benchmark?": where it leads, where not
        if has(VERDICT_WORDS) and (len(part.models) >= 2 or (part.models and part.benchmarks)):
            return Intent.VERDICT
        if asks_leader(part) and len(set(part.models)) >= 2:
            return Intent.VERDICT  # "muse spark vs claude opus 4.6, quien gana?"
        if (
            has({"better", "good", "worse", "bad"})
            and part.models
            and not part.entities
            and not part.asks - {"what", "which"}
            and not has({"ago", "year", "years"})  # "a year ago everyone said meta was behind": history
        ):
            return Intent.VERDICT  # "does spark slap or nah": where it is strong, where it is not
        wheres = part.asks and part.asks <= {"what", "which", "where"} and not any(w.isdigit() for w in words)
        bare = not self._substantive(
            tuple(w for w in words if w not in _LEADING)
        )  # not "the first of a family"
        if has({"first"}) and part.models and wheres and bare and not part.named_other:
            return Intent.VERDICT  # "what is it best at", "where does it lead": its strengths
        modes = [e for e in part.entities if self._kind(e) == "mode"]
        if has(COMPARE_WORDS) and len(part.models) >= 2 and not part.benchmarks and not modes:
            return Intent.COMPARE if self._share_figures(part.models) else Intent.FACT
        if part.benchmarks and self._asks_beside_figures(part, words):
            return Intent.FACT  # "hle score and which regions does it matter most for"
        if part.benchmarks:
            if has(RANK_WORDS) and (not part.models or part.asks & {"who", "which"}):
                return Intent.RANK
            if asks_leader(part) and not part.models:
                return Intent.RANK  # "which model is the best on arc agi 2?"
            return Intent.SCORE
        comparable = [*part.models, self._default_model] if len(part.models) == 1 else list(part.models)
        dated = has({"released"}) or "when" in part.asks  # "was it released before gpt 5.4?": a date
        if (len(part.models) >= 2 or (has(COMPARE_WORDS) and part.models)) and not (modes or dated):
            return Intent.COMPARE if self._share_figures(comparable) else Intent.FACT
        if part.models and has(SCORE_WORDS) and not part.entities:  # not "what would it do on the glasses"
            return Intent.SCORE
        if part.models and not part.entities and not self._substantive(words):
            return Intent.MODEL
        return Intent.FACT

    def _asks_beside_figures(self, part: Part, words: tuple[str, ...]) -> bool:
        """Whether a part about a benchmark asks something other than its figures: a question
        word, no figure word, and words of its own ("why does it matter", "which regions")."""
        figures = SCORE_WORDS | RANK_WORDS | VERDICT_WORDS | COMPARE_WORDS | {"how", "what"}
        own = [w for w in words if w not in self._no_meaning and w not in QUESTION_WORDS]
        return bool(part.asks - {"how", "what"}) and not set(words) & figures and len(own) >= 2

    def _kind(self, entity: str) -> str:
        found = self._kb.entities.get(entity)
        return found.kind if found is not None else "org"

    def _share_figures(self, models: Sequence[str]) -> bool:
        """Whether a table of these models would hold a benchmark both have a figure on."""
        distinct = list(dict.fromkeys(models))
        return len(distinct) >= 2 and any(
            sum(b.score_for(m) is not None for m in distinct) >= 2 for b in self._kb.benchmarks.values()
        )

    def _substantive(self, words: tuple[str, ...]) -> bool:
        """Words beyond names and question words: "tell me about opus" has none."""
        stop = self._no_meaning | _OVERVIEW_WORDS
        return any(w not in stop and w not in QUESTION_WORDS for w in words)

    def _unknown_names(self, words: tuple[str, ...], stop: frozenset[str]) -> tuple[str, ...]:
        """Words no language pack and no knowledge entry knows: a benchmark, a product or a
        feature the source never mentions ("charxiv", "deepseek", "voice")."""
        return tuple(
            w
            for w in words
            if w not in stop
            and w not in self._known
            and not (w.endswith("s") and w[:-1] in self._known)  # "phones" is a phone
            and w not in self._phrasing.vocabulary
            and not any(ch.isdigit() for ch in w)
            and len(w) > 2
            and w not in MONTH_NUMBERS  # "el 18 de marzo" names a date, not a benchmark
        )

    def _is_fragment(self, part: Part, stop: frozenset[str]) -> bool:
        content = [w for w in part.content(stop) if w not in QUESTION_WORDS and len(w) > 1]  # "5.4's"
        if part.words[:1] in (("and",), ("also",)) or part.words[:2] in (("what", "about"), ("how", "about")):
            return True
        refers = bool(set(part.words) & REFERRING)
        if part.unknown_names and not refers:
            return False  # "what's the weather in manchester" asks about something else
        if not part.named:
            return len(content) <= _FRAGMENT_WORDS or refers
        if part.entities and not part.models and not part.benchmarks:
            return False  # "what is contemplating mode" asks about the mode itself
        only_names = not [w for w in content if w not in SCORE_WORDS | REFERRING]  # "… on that one"
        return only_names and len(part.words) <= _FRAGMENT_WORDS + 2


def _likened(toks: list[Token], stop: frozenset[str]) -> set[str]:
    """The entities a question likens its subject to ("like llama", "tipo o llama"), rather
    than asks about."""
    found: set[str] = set()
    for i, tok in enumerate(toks):
        # Spanish and Portuguese "como" is "how" and "like": before a name, mid-sentence, "like"
        like = tok.word == "like" or (
            tok.word == "how" and i > 0 and toks[i + 1 : i + 2] and toks[i + 1].kind
        )
        if like:
            after = [t for t in toks[i + 1 :] if t.kind or t.word not in stop][:1]
            found.update(t.ident for t in after if t.ident)
    return found


def _sweeping(part: Part) -> bool:
    """ "spark leads every benchmark", "best at everything": first everywhere, for one model."""
    words = set(part.words)
    about_one = len(part.models) == 1 or (not part.models and bool(words & {"it", "its"}))
    return {"first", "every"} <= words and not part.benchmarks and about_one


def _version_after(words: Sequence[str], at: int, ident: str = "") -> int:
    """How many words after a benchmark's name are its version ("index v4", "v4.0", "2.0", the
    "2" of "termbench 2" when the benchmark is version 2): part of the name, not a figure or a
    "v" for "vs"."""
    if words[at : at + 1] == ["v"] and at + 1 < len(words) and _VERSION.match(words[at + 1]):
        return 2
    if at < len(words) and words[at].isdigit() and ident.endswith(f"-{words[at]}"):
        return 1
    return 1 if at < len(words) and re.fullmatch(r"\d\.0", words[at]) else 0


def _ordered(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
