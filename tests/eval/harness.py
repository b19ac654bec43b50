"""Scoring the bot on the evaluation sets in `tests/eval/sets/`: shared by the tests and `bench/eval.py`.

Each set was written by someone who read only the source article, never the code (the format
is in `tests/eval/README.md`). An item is asked the way a person would: its `history` first, in
the same chat, then `q`, through `Conversation.turn()` with no language model — the same path
as Telegram and the terminal. It passes when:

- `answer`: every `must_contain` group has one alternative in the reply (case, accents and
  Markdown markers ignored), and, for a false premise, the reply opens with a correction;
- `unknown`: the reply says plainly that the source does not give it, states no figure the
  source lacks, and has what `must_contain` asks for;
- `off-topic`: the reply is the bot's friendly scope note, with no benchmark figure.

Whatever the kind, a reply that quotes figures of benchmarks other than those the item is about
is *on the wrong topic* — the failure that matters most, counted on its own.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.answering.answer import Answer
from bot.answering.engine import Engine
from bot.conversation import Asker, Conversation, Question
from bot.knowledge import KnowledgeBase
from bot.state.store import Store
from tests.eval.figures import figures, source_figures

SETS = Path(__file__).with_name("sets")
Expect = Literal["answer", "unknown", "off-topic"]

_SAYS_UNKNOWN = {
    "en": r"(doesn'?t|does not|don'?t|do not|didn'?t|did not) (give|say|state|report|describe|list|mention|specify"
    r"|disclose|name|cover|include|confirm|provide|discuss)|gives no|no (confirmed |public )?(figure|timeline|date"
    r"|details?|score|number|information|word)|not (given|disclosed|confirmed|stated|mentioned|announced|launched"
    r"|covered|named|said|reported|yet)|hasn'?t|has not|isn'?t (given|known|said)|nothing (about|on)",
    "es": r"\bno (da|dice|menciona|indica|ofrece|incluye|detalla|especifica|informa|reporta|aclara|confirma|habla"
    r"|describe|cita|nombra|trae|publica|precisa|enumera|lista)\b|no hay|sin (fecha|cifra|datos)|ningun[ao]? (cifra|dato|fecha)"
    r"|todavia no|aun no|no se ha|no ha (dado|confirmado|lanzado)",
    "pt": r"\bnao (da|diz|menciona|informa|traz|especifica|detalha|indica|inclui|confirma|reporta|cita|fala|descreve"
    r"|apresenta|publica|revela|lista)\b|nao ha|sem (data|numero|dados)|nenhum[a]? (numero|dado|data)|ainda nao"
    r"|nao foi",
    "id": r"\btidak (menyebut|memberi|memberikan|menyebutkan|ada|mencantumkan|menjelaskan|membahas|mengungkap"
    r"|merinci|menyatakan|melaporkan|memuat)|belum (ada|diumumkan|dirilis|diluncurkan|dikonfirmasi|ada)|tanpa",
    "hi": r"नहीं|nahi|nahin",
}
_CORRECTION = {
    "en": r"^(no\b|not\b|nope\b|actually\b|incorrect\b|wrong\b|that'?s not|in fact\b|not quite\b)",
    "es": r"^(no\b|en realidad\b|incorrecto\b|falso\b|no es\b)",
    "pt": r"^(nao\b|na verdade\b|errado\b|incorreto\b)",
    "id": r"^(tidak\b|bukan\b|sebenarnya\b|salah\b|keliru\b)",
    "hi": r"^(नहीं|गलत|nahi\b|galat\b|ऐसा नहीं)",
}
_MARKDOWN = re.compile(r"[*_`]")
_DECIMAL = re.compile(r"(?<![\w.,])\d+[.,]\d(?![\w])")
# Version numbers belong to names ("GPT-5.4", "Gemini 3.1", "Opus 4.6", "Index v4.0"), not figures.
_VERSIONED = re.compile(
    r"(?i)\b(?:gpt|gemini|opus|claude|llama|arc-agi|terminal-bench|bench|spark|muse|v)[\s-]*\d+(?:[.,]\d+)*"
)


def _decimals(text: str) -> list[str]:
    return list(_DECIMAL.findall(_VERSIONED.sub(" ", text)))


@dataclass
class Item:
    id: str
    q: str
    language: str
    expect: Expect
    must_contain: list[list[str]]
    history: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    benchmarks: list[str] | Literal["any"] = "any"
    premise_false: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any], language: str) -> Item:
        needs = [[n] if isinstance(n, str) else [str(x) for x in n] for n in raw.get("must_contain") or []]
        benches = raw.get("benchmarks", "any")
        return cls(
            id=raw["id"],
            q=str(raw["q"]),
            language=language,
            expect=raw.get("expect", "answer"),
            must_contain=needs,
            history=[str(h) for h in raw.get("history") or []],
            kinds=list(raw.get("kind") or []),
            benchmarks=benches if benches == "any" else list(benches or []),
            premise_false=raw.get("premise") is False,
        )


@dataclass
class Verdict:
    item: Item
    answer: Answer
    reason: str = ""
    wrong_topic: bool = False
    in_language: bool = True

    @property
    def ok(self) -> bool:
        return not self.reason


def load_set(name: str) -> list[Item]:
    """A set by file name without `.yaml`, e.g. `en-dev`."""
    data = yaml.safe_load((SETS / f"{name}.yaml").read_text(encoding="utf-8"))
    return [Item.parse(raw, data.get("language", "en")) for raw in data["questions"]]


def load_items(part: Literal["dev", "fresh"] = "dev") -> list[Item]:
    """Every item of the dev (or fresh) sets, all languages."""
    return [item for name in set_names(part) for item in load_set(name)]


def set_names(part: Literal["dev", "fresh"] | None = None) -> list[str]:
    names = sorted(p.stem for p in SETS.glob("*.yaml"))
    return [n for n in names if part is None or re.search(rf"-{part}\d*$", n)]


def plain(text: str) -> str:
    """Lowercase, accents folded, Markdown markers out: how answers and expectations are compared."""
    folded = unicodedata.normalize("NFKD", _MARKDOWN.sub("", text).casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch) or _devanagari(ch))


def _devanagari(ch: str) -> bool:
    return "\u0900" <= ch <= "\u097f"


class Judge:
    """Verdicts against one knowledge base (which says which figure belongs to which benchmark)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._known = source_figures()
        things = [*kb.models.values(), *kb.benchmarks.values(), *kb.entities.values()]
        names = {str(n) for t in things for n in (t.name, *t.aliases) if len(str(n)) > 2}
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self._names = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        self._owner: dict[str, set[str]] = {}
        for bench in kb.benchmarks.values():
            if bench.unit != "score" or bench.decimals == 0:
                continue
            for score in bench.scores:
                value = bench.format_value(score.value)
                for form in (value, value.replace(".", ",")):
                    self._owner.setdefault(form, set()).add(bench.id)

    def verdict(self, item: Item, answer: Answer) -> Verdict:
        text = plain(answer.text)
        found = Verdict(item, answer, wrong_topic=self._wrong_topic(item, answer.text))
        found.in_language = in_language(self._without_names(answer.text), item.language)
        found.reason = self._content(item, answer, text)
        if not found.reason and found.wrong_topic:
            found.reason = "figures of another benchmark"
        return found

    def _content(self, item: Item, answer: Answer, text: str) -> str:
        missing = [group for group in item.must_contain if not any(plain(n) in text for n in group)]
        if item.expect == "off-topic":
            has_figures = bool(_decimals(answer.text))
            return "" if answer.route == "fallback" and not has_figures else "not the scope note"
        if item.expect == "unknown":
            pattern = _SAYS_UNKNOWN.get(item.language, _SAYS_UNKNOWN["en"])
            if not re.search(pattern, text) and not re.search(_SAYS_UNKNOWN["en"], text):
                return "does not say the source lacks it"
            invented = figures(answer.text) - self._known - figures(item.q)
            if invented:
                return f"figures not in the source: {sorted(invented)}"
        if missing:
            return f"missing {missing}"
        if item.premise_false:
            pattern = _CORRECTION.get(item.language, _CORRECTION["en"])
            if not re.search(pattern, text.strip()) and not re.search(_CORRECTION["en"], text.strip()):
                return "does not open with the correction"
        return ""

    def _without_names(self, text: str) -> str:
        """Names (models, benchmarks, people, apps) are the same in every language: the judge
        reads the language of the words around them."""
        return self._names.sub(" ", text)

    def _wrong_topic(self, item: Item, text: str) -> bool:
        if item.benchmarks == "any":
            return False
        asked = set(item.benchmarks)
        owners = [self._owner[f] for f in _decimals(text) if f in self._owner]
        if not owners:
            return False
        return not any(o & asked for o in owners)


def in_language(text: str, language: str) -> bool:
    """Whether a reply is written in `language` (names and figures aside). A short reply whose
    words are as much Portuguese as Spanish ("marca 59,0 no …, atrás de … e …") is in either."""
    from bot.answering.language import detect_reply_language, known_words

    found = detect_reply_language(text)
    if found == language:
        return True
    words = [w for w in re.findall(r"[a-z]+", plain(text)) if len(w) > 1]
    return len(words) < 12 and known_words(words, language) >= max(known_words(words, found), 1)


async def ask(conversation: Conversation, item: Item, chat_id: int) -> Answer:
    """The item's history, then its question, in one chat, as a person would send them."""
    asker = Asker(chat_id=chat_id, user_id=chat_id, channel="eval", language=item.language)
    for earlier in item.history:
        await (await conversation.turn(Question(earlier, asker))).text()
    reply = await conversation.turn(Question(item.q, asker))
    await reply.text()
    return reply.answer


def evaluate(engine: Engine, items: list[Item]) -> list[Verdict]:
    """Every item in its own chat, through the conversation a channel would use."""
    judge = Judge(engine.kb)

    async def run() -> list[Verdict]:
        conversation = Conversation(engine, Store(":memory:"))
        answers = [await ask(conversation, item, 10_000 + i) for i, item in enumerate(items)]
        return [judge.verdict(item, answer) for item, answer in zip(items, answers, strict=True)]

    return asyncio.run(run())


@dataclass(frozen=True)
class Score:
    name: str
    total: int
    passed: int
    in_language: int
    wrong_topic: int
    failed_kinds: Counter[str]

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def language_rate(self) -> float:
        return self.in_language / self.total if self.total else 0.0


def score(name: str, verdicts: list[Verdict]) -> Score:
    failed: Counter[str] = Counter()
    for v in verdicts:
        if not v.ok:
            failed.update(v.item.kinds or ["(none)"])
    return Score(
        name,
        len(verdicts),
        sum(v.ok for v in verdicts),
        sum(v.in_language for v in verdicts),
        sum(v.wrong_topic for v in verdicts),
        failed,
    )
