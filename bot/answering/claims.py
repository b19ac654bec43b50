"""False premises: what a question asserts, checked against the knowledge base before it is answered.

"spark got 76.5 on arc agi 2 right?", "why is muse spark #1 on the AA index", "gemini destroys
spark on healthbench", "meta bought scale ai for like 40 billion didnt they": the answer must
*start* with the correction, then give the facts. Figure and rank claims are checked against the
structured scores; for prose, a claimed number, month, maker or direction ("more compute") that
the answer contradicts is a false premise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise

from bot.answering.dictionary import is_common
from bot.answering.query import Claim, Part
from bot.answering.vocabulary import COUNTED_UNITS, MONTH_NUMBERS, NUMBER_WORDS
from bot.answering.words import normalize, tokens
from bot.knowledge import Benchmark, KnowledgeBase

__all__ = ["another_model", "contradicts_answer", "false_figure_claim"]

_DIFFERENT = re.compile(r"\bdiffer(?:s|ent|ently|ence)?\b")
# "not live", "never launched" deny; "the source gives no country dates" only says it is silent
_NEGATED = re.compile(r"(?<!gives )\b(?:not|no|never|n't)\s+(?:yet\s+)?(\w+)")
#: Words a claim may use for what an answer denies in other words ("live" is "available").
_SAME_AS = {
    "live": ("available", "launched"),
    "launched": ("available", "launched"),
    "out": ("available", "launched"),
    "available": ("available", "launched"),
}
#: What an answer says that contradicts a claim outright.
_OPPOSITES = {
    "killed": ("continues", "not going away"),
    "dead": ("continues", "not going away"),
    "abandoned": ("continues", "not going away"),
    "discontinued": ("continues", "not going away"),
    "open": ("closed",),  # "it's open source like llama, right?" against "closed"
    "weights": ("closed",),  # "great that meta released the weights, where do i get them?"
}
_RENAMING = frozenset(
    {"basically", "branded", "name", "rebrand", "rebranded", "renamed", "relabeled", "same", "tuned"}
)
#: Roles a question may give a person: the answer about them gives theirs.
_ROLES = frozenset({"ceo", "founder", "cofounder", "president", "chairman", "owner", "cto", "coo"})
_ROLE_MARKERS = ("officer", "chief", "director", "diretor", "ऑफिसर")  # an answer that gives a role
_NEGATIONS = frozenset(
    {"not", "no", "never", "isnt", "arent", "wont", "cant", "stopped"}
)  # "why did it stop releasing weights"
#: Words of rivalry: "wang wants to beat openai, right?" states his mandate, not where he came from.
_RIVALRY = frozenset({"better", "worse", "compete", "vs", "compare", "against", "than"})
_MODES = frozenset({"contemplating", "thinking"})
#: Number sizes as people write them (normalised: no accents). "bi" is Brazilian for billion.
_SCALES = {
    "thousand": ("thousand", "mil", "ribu", "hazaar", "हज़ार", "हजार"),
    "million": ("million", "millions", "millones", "millon", "milhoes", "milhao", "juta"),
    "billion": ("billion", "billions", "mil millones", "bilhoes", "bilhao", "bi", "miliar", "arab", "अरब"),
}
_QUANTIFIER = re.compile(r"\b(?:more|less|fewer) than\b")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")


def false_figure_claim(kb: KnowledgeBase, part: Part, default_model: str) -> bool:
    """Whether the part claims a figure, a place or a lead on its benchmark that the scores deny,
    or a lead on every benchmark that one of them denies."""
    if not part.benchmarks:
        return any(c.everywhere and not _first_everywhere(kb, c.model or default_model) for c in part.claims)
    models = list(part.models) or [default_model]
    if part.asserting and _wrong_mode(kb, part, models[0]):
        return True
    for claim in part.claims:
        if claim.value is None and (not part.models or part.asks & {"who", "which"}):
            continue  # "who is first on hle", "who's number 1 then?" ask, they do not claim
        for bench_id in part.benchmarks:
            if _denied(kb.benchmarks[bench_id], models, claim):
                return True
    return False


def another_model(kb: KnowledgeBase, part: Part, unknown: str | None) -> bool:
    """ "muse spark is basically llama 5 with a new name", "… llama 4 maverick fine-tuned": the
    subject said to be another model under a new name: one the source lacks (`unknown`, an
    unknown that names a subject) or one of its maker's older family."""
    ours = kb.models[kb.subject]
    named = [kb.models[m] for m in part.models if m in kb.models]
    older = any(m.vendor == ours.vendor and m.family != ours.family for m in named)
    other = older or (unknown is not None and kb.unknowns[unknown].names_a_subject)
    return other and ours.id in part.models and bool(set(part.words) & _RENAMING)


def _wrong_mode(kb: KnowledgeBase, part: Part, model: str) -> bool:
    """ "that 42.5 on arc agi 2 was in contemplating mode, right?": the figure is Thinking's.
    True when the part names a mode and each named benchmark gives the model's figure in
    another one."""
    named = {w for w in part.words if w in _MODES} | {
        e.removesuffix("-mode") for e in part.entities if e.removesuffix("-mode") in _MODES
    }
    scores = [kb.benchmarks[b].score_for(model) for b in part.benchmarks]
    modes = {s.mode.lower() for s in scores if s is not None and s.mode}
    return bool(named and modes) and not named & modes


def _first_everywhere(kb: KnowledgeBase, model: str) -> bool:
    """Whether `model` is first (or tied first) on every benchmark that scores it."""
    scored = [b for b in kb.benchmarks.values() if b.score_for(model) is not None]
    return all(_tied(b, model, b.ranked()[0].model) for b in scored)


def _denied(bench: Benchmark, models: list[str], claim: Claim) -> bool:
    ranked = [s.model for s in bench.ranked()]
    if claim.value is not None and not _year(claim.value):
        whose = [claim.model] if claim.model in models else models
        values = {bench.format_value(s.value).lstrip("#") for s in bench.scores}
        own = {bench.format_value(s.value).lstrip("#") for s in bench.scores if s.model in whose}
        claimed = claim.value.replace(",", ".")
        if claimed in values and claimed not in own:
            return True  # another model's figure, credited to this one
        if bench.unit == "score" and own and not _near(claimed, bench, whose):
            return True  # "spark got 59 on arc agi 2 right?": 42.5
    if claim.rank is not None and models[0] in ranked:
        place = ranked.index(models[0]) + 1
        wanted = len(ranked) if claim.rank == -1 else claim.rank
        return place != wanted and not _tied(
            bench, models[0], ranked[wanted - 1] if wanted <= len(ranked) else None
        )
    if claim.top is not None and models[0] in ranked:
        return ranked.index(models[0]) + 1 > claim.top
    if claim.leader is not None and claim.behind is not None:
        lead, behind = bench.score_for(claim.leader), bench.score_for(claim.behind)
        if lead and behind:
            better = lead.value > behind.value if bench.higher_is_better else lead.value < behind.value
            return not better
    return False


def _year(value: str) -> bool:
    """ "hle score 2026": a year, not a claimed figure (a prose claim about a date still counts)."""
    return value.isdigit() and len(value) == 4


def _near(claimed: str, bench: Benchmark, models: list[str]) -> bool:
    """Whether a claimed figure is the model's: as given ("42.5"), or a whole number within a
    point of it ("about 42" for 42.5 is no false premise; "59" is)."""
    value = float(claimed)
    own = [s.value for s in bench.scores if s.model in models]
    if "." in claimed:
        return any(bench.format_value(v) == bench.format_value(value) for v in own)
    return any(abs(v - value) < 1 for v in own)


def _tied(bench: Benchmark, model: str, other: str | None) -> bool:
    a, b = bench.score_for(model), bench.score_for(other) if other else None
    return a is not None and b is not None and a.value == b.value


def contradicts_answer(
    question: str,
    part: Part,
    answer: str,
    *,
    people: Mapping[str, str] = {},
    unknown: bool = False,
    language: str = "en",
) -> bool:
    """For a prose part that asserts something: does the answer say otherwise?

    A number the question states (not a version or a year the answer shares) that the answer
    lacks while giving numbers of its own; a month it names against another month in the answer;
    a maker or a person the source never names credited when the answer names Meta; a person (`people`: entity id → name) the
    answer does not name while naming another; "more" against the answer's "less"; any figure
    asserted about something the source does not give (`unknown`)."""
    q, a = normalize(question), normalize(answer)
    if _denied_outright(part, a):
        return True  # "is the api live?", "how did meta kill llama": asked or asserted, it is "No"
    if _credits_a_stranger(part, a, language):
        return True  # "so sam altman's team built this?": the answer says who did
    if _ties_to_a_rival(part, a, people):
        return True  # "wang came from openai, didn't he?": the answer says where he came from
    if _another_role(part, a, people):
        return True  # "alexandr wang is the ceo of meta right?": the answer gives his role
    maker_asked = any(e.startswith("org:") for e in part.entities)  # "did openai make it?" is a claim too
    if not part.asserting and not _statement(part) and not maker_asked:
        return False
    numbers = _claimed_numbers(q, part)
    answer_numbers = set(_NUMBER.findall(a)) | _counted(a)
    if unknown and numbers and not numbers & answer_numbers:
        return True  # a figure the source does not give; "10x less compute" is one it gives
    named = [people[e] for e in part.entities if e in people]
    others = [n for e, n in people.items() if e not in part.entities]
    if named and not any(_mentions(n, a) for n in named) and any(_mentions(n, a) for n in others):
        return True
    if numbers and answer_numbers and not numbers & answer_numbers:
        return True
    scales_q, scales_a = _scales(q), _scales(a)
    if scales_q and scales_a and not scales_q & scales_a:
        return True  # "3 million users" against "more than 3 billion"
    months_q, months_a = _months(q), _months(a)
    if months_q and months_a and not months_q & months_a:
        return True
    if any(e.startswith("org:") and e[4:] != "meta" for e in part.entities) and "meta" in a:
        return True
    likened = "same" in part.words or ("like" in part.words and part.asserting)  # "igual que …, ¿cierto?"
    if likened and _DIFFERENT.search(a):
        return True  # "contemplating is the same as deep think, right?" against "differently"
    directions = {c.direction for c in part.claims if c.direction}
    said = f" {_QUANTIFIER.sub(' ', a)} "  # "more than ten times less" says less
    return ("more" in directions and " less " in said) or ("less" in directions and " more " in said)


def _credits_a_stranger(part: Part, answer: str, language: str) -> bool:
    """Whether the part says someone the source never names (a rare word the bot does not know:
    "altmans", "hassabis", "deepseek"), or another team it knows ("the llama team"), made it or leads the lab ("quem lidera o MSL é o yann
    lecun, né?" asks who and asserts it), and the answer names Meta and not them."""
    leads_lab = "first" in part.words and "meta-superintelligence-labs" in part.entities
    if not ("made" in part.words or leads_lab) or (part.asks & {"who", "which"} and not part.asserting):
        return False
    strangers = [w for w in part.unknown_names if not is_common(w, language)]
    if {"by", "team"} & set(part.words):  # "made by the llama team": a team the answer does not name
        strangers += [e.replace("-", " ") for e in part.entities if not e.startswith("org:")]
    return bool(strangers) and "meta" in answer and not any(w in answer for w in strangers)


def _mentions(name: str, answer: str) -> bool:
    """Whether the answer names the person, in full or by surname ("Zuckerberg's bet")."""
    folded = normalize(name)
    return folded in answer or folded.split()[-1] in answer


def _another_role(part: Part, answer: str, people: Mapping[str, str]) -> bool:
    """Whether the part gives a person a role ("the ceo of meta", "el fundador") and the answer
    about them, which names them, gives another ("chief AI officer"). An answer that gives no
    role says nothing against it ("zuckerberg is the ceo, right?")."""
    roles = set(part.words) & _ROLES
    named = [normalize(people[e]) for e in part.entities if e in people]
    if not (roles and named) or not any(n in answer for n in named):
        return False
    return any(m in answer for m in _ROLE_MARKERS) and not any(r in answer for r in roles)


def _ties_to_a_rival(part: Part, answer: str, people: Mapping[str, str]) -> bool:
    """Whether the part states (asks no "who", "what"…) that a person belongs with another
    lab — its name, read as that lab's model ("openai") — and the answer about that person
    never names it: "o wang veio da openai né?", "wang co-founded openai right?"."""
    named = [normalize(people[e]) for e in part.entities if e in people]
    if not named or not part.models or part.benchmarks or part.asks - {"why"}:
        return False
    if set(part.words) & _RIVALRY:  # "wang wants to beat openai, right?" is his mandate
        return False
    own = {w for n in named for w in n.split()}
    rivals = [w for w in part.said if w not in part.words and w not in own]
    return any(n in answer for n in named) and bool(rivals) and not any(w in answer for w in rivals)


def _denied_outright(part: Part, answer: str) -> bool:
    """Whether the answer negates what the part asserts: "the API is live, isn't it?" against
    "not available yet", "meta killed off llama" against "Llama continues"."""
    plain = f" {answer.replace('*', '')} "
    negated = set(_NEGATED.findall(plain)) if part.asks <= {"why"} else set()  # "when will it be out" asks
    words = set(part.words)
    for word in words:
        if negated & {word, *_SAME_AS.get(word, ())}:
            return True
        opposites = _OPPOSITES.get(word, ())
        if words & {*opposites, *_NEGATIONS}:
            continue  # "is it open or closed?", "why isn't it open?": nothing asserted
        if "closed" in opposites and part.entities and not part.models:
            continue  # "is llama 4 open source?" asks about Llama, which is open
        if any(f" {o}" in plain for o in opposites):
            return True  # "how did meta kill llama" takes it as given, as a claim would
    return False


def _months(text: str) -> set[int]:
    """The months a text names, as numbers, in any language the bot speaks ("maret" is 3)."""
    return {MONTH_NUMBERS[w] for w in tokens(text) if w in MONTH_NUMBERS}


def _scales(text: str) -> set[str]:
    """The sizes a text names (thousand, million, billion), in any language the bot speaks."""
    padded = f" {text} "
    return {scale for scale, words in _SCALES.items() if any(f" {w} " in padded for w in words)}


def _statement(part: Part) -> bool:
    """A figure or a direction stated, not asked: "why did it need 10x more compute" states it."""
    return part.asks <= {"why"} and any(c.value or c.direction for c in part.claims)


def _claimed_numbers(question: str, part: Part) -> set[str]:
    """The numbers the question states as figures: not a version ("gpt 5.4", "grok 4") nor
    part of a name ("arc agi 2"), which the parser leaves out of the part's claims; and those
    written in words ("two years ago")."""
    claimed = {normalize(c.value) for c in part.claims if c.value}
    stated = {w for w in tokens(question) if w[:1].isdigit()}  # "$40bn" states 40 as "40 billion" does
    return {n for n in stated - _versions(question) if n in claimed} | (claimed & _counted(question))


def _counted(text: str) -> set[str]:
    """The numbers a text writes in words before a unit ("nine months", "nueve meses"), as digits."""
    words = tokens(text)
    return {
        str(NUMBER_WORDS[w]) for w, unit in pairwise(words) if w in NUMBER_WORDS and unit in COUNTED_UNITS
    }


def _versions(text: str) -> set[str]:
    return set(re.findall(r"(?:gpt|gemini|opus|llama|v)[\s-]*(\d+(?:\.\d+)?)", text))
