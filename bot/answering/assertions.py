"""What a question asserts, read from one clause's tokens: the figures, places and leads it
states ("spark got 76.5 on arc agi 2", "it's top 3", "gemini destroys spark"), which
`bot.answering.claims` then checks against the knowledge base."""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.answering.clauses import Token
from bot.answering.query import Claim, Part
from bot.answering.vocabulary import COUNTED_UNITS, FORMAT_UNITS, NUMBER_WORDS

__all__ = ["read_claims"]

_ORDINALS = {"first": 1, "second": 2, "third": 3, "last": -1}
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
#: Hindi marks whom a verb acts on ("ko") and what a thing is compared with ("se").
_OBJECT_MARKERS = frozenset({"ko", "se", "को", "से"})


def read_claims(
    toks: list[Token], part: Part, *, other_names: Collection[str], sweeping: bool, subject: str
) -> tuple[Claim, ...]:
    """The claims of a clause. `other_names`: models the source lacks ("grok 4" states no
    figure); `sweeping`: the clause says one model leads everywhere ("best at everything");
    `subject`: the model a clause that names one other model compares it with ("did it beat
    gpt 5.4?", "quedó por debajo de gpt-5.4 pro, no?")."""
    claims: list[Claim] = []
    words = [t.word for t in toks]
    for i, tok in enumerate(toks):
        if tok.kind or not _NUMBER.match(tok.word):
            continue
        if i and words[i - 1] in other_names and tok.word.isdigit():
            continue  # "grok 4"
        if words[i + 1 : i + 2] and words[i + 1] in FORMAT_UNITS:
            continue  # "sum it up in 3 points"
        if i and words[i - 1] == "top":
            claims.append(Claim(top=int(float(tok.word))))
        elif i and words[i - 1] in {"rank", "number", "no"}:
            claims.append(Claim(rank=int(float(tok.word))))
        else:
            claims.append(Claim(value=tok.word, model=_nearest_model(toks, i)))
    for i, word in enumerate(words[:-1]):
        if word in NUMBER_WORDS and words[i + 1] in COUNTED_UNITS:  # "like two years back, no?"
            claims.append(Claim(value=str(NUMBER_WORDS[word]), model=_nearest_model(toks, i)))
    for word, place in _ORDINALS.items():
        if word in words and part.benchmarks:
            claims.append(Claim(rank=place))
    if sweeping:
        claims.append(Claim(rank=1, model=(*part.models, None)[0], everywhere=True))
    leader = _leader_claim(toks) or _lead_over_one(toks, subject)
    if leader is not None:
        claims.append(leader)
    claims += [Claim(direction=d) for d in ("more", "less") if d in words]
    return tuple(claims)


def _leader_claim(toks: list[Token]) -> Claim | None:
    """ "gemini destroys spark", "spark is better than gpt": who the question says leads."""
    models = [(i, t.ident) for i, t in enumerate(toks) if t.kind == "model"]
    if len(models) != 2:
        return None
    (i, first), (j, second) = models
    between = {t.word for t in toks[i + 1 : j]}
    if between & {"better", "first"}:
        return Claim(leader=first, behind=second)
    if between & {"worse", "last"}:
        return Claim(leader=second, behind=first)
    after = {t.word for t in toks[j + 1 :]}
    if after & {"better", "first"}:  # Hindi puts the verb last: "X ne Y ko hara diya"
        marked = [m for k, m in models if k + 1 < len(toks) and toks[k + 1].word in _OBJECT_MARKERS]
        if marked:
            behind = marked[0]
            return Claim(leader=first if behind == second else second, behind=behind)
    return None


_AHEAD = frozenset({"better", "first", "more"})
_BEHIND = frozenset({"worse", "last", "less"})


def _lead_over_one(toks: list[Token], subject: str) -> Claim | None:
    """A lead claimed between the subject, unnamed, and one other model: "thats higher than
    gpt5.4", "did it beat gpt 5.4" (the subject leads) or "is gpt 5.4 ahead" (it does)."""
    models = [(i, t.ident) for i, t in enumerate(toks) if t.kind == "model"]
    if len(models) != 1 or models[0][1] == subject:
        return None
    at, other = models[0]
    before = {t.word for t in toks[:at]}
    after = {t.word for t in toks[at + 1 :]}
    if before & _AHEAD or after & _BEHIND:
        return Claim(leader=subject, behind=other)  # "beat gpt", "gpt is behind"
    if before & _BEHIND or after & _AHEAD:
        return Claim(leader=other, behind=subject)  # "below gpt", "gpt is ahead"
    return None


def _nearest_model(toks: list[Token], i: int) -> str | None:
    """The model a figure is said of: the closest model name before it (or else after it)."""
    before = [t.ident for t in toks[:i] if t.kind == "model"]
    after = [t.ident for t in toks[i + 1 :] if t.kind == "model"]
    return before[-1] if before else after[0] if after else None
