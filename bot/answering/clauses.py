"""Where a message is cut into parts: "when was it released | and who built it".

A message may ask several things at once, joined by "and", by a comma, or by an unaccented
Portuguese "e" that reads as "é" ("quando saiu e quem fez"). It is cut only where what follows
asks something of its own, so a list ("on hle, arc agi 2 and healthbench") stays one part.
Works on the parser's tokens: canonical English words, names standing for several words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.answering.vocabulary import QUESTION_WORDS, RANK_WORDS, SCORE_WORDS, YES_NO

__all__ = ["Token", "clauses", "relative_clause", "split"]

_SPLIT_WORDS = frozenset({"and", "also", "plus"})
#: Words that name a fact a list asks for: "the release date", "the organisation responsible".
_LISTED_FACTS = frozenset({"released", "made", "whether", "price"})
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")  # not the decimal comma of "40,1"


@dataclass(frozen=True)
class Token:
    """A word of a part, or a name standing for several words (`kind`, `ident`)."""

    word: str
    kind: str = ""
    ident: str = ""
    surface: str = ""


_COMMA_JOINT = Token("and", surface=",")  # two questions a comma joins: always cut there


def clauses(sentence: str, tokenize: Callable[[str], list[Token]]) -> list[Token]:
    """The sentence's tokens, with an "and" put where a comma joins two questions ("qnd
    saiu, quem fez e é aberto?"). A comma inside a list ("hle, arc agi 2 and …") stays, and
    so does one after a preamble ("ok so, what did it score"): the clause before a comma
    must be a question of its own too."""
    out: list[Token] = []
    clause_before: list[Token] = []
    for clause in _COMMA.split(sentence):
        toks = tokenize(clause)
        if not toks:
            continue
        if out and _asks_in(toks) and _asks_in(clause_before):
            out.append(_COMMA_JOINT)
        out.extend(toks)
        clause_before = toks
    return out


def _asks_in(clause: list[Token]) -> bool:
    """Whether a clause between commas is a question: it starts like one, has a question word
    anywhere (Indonesian and Hindi ask last: "bikinan siapa", "rilis kapan"), or names a fact
    asked for in a list ("confirm the release date, the organisation responsible for it, and
    whether …", "release date, aa index score, and …")."""
    words = [t.word for t in clause if not t.kind]
    scored = bool(set(words) & SCORE_WORDS) and any(t.kind == "benchmark" for t in clause)
    return asks_own([], clause) or bool(set(words) & (QUESTION_WORDS | _LISTED_FACTS)) or scored


def split(toks: list[Token]) -> list[list[Token]]:
    """Cut at "and" when what follows asks something of its own; at "is" when a question
    word follows: an unaccented Portuguese "e" reads as "é" ("quando saiu e quem fez")."""
    parts: list[list[Token]] = [[]]
    for i, tok in enumerate(toks):
        after = toks[i + 1 :]
        joins = tok.word in _SPLIT_WORDS or (tok.word == "is" and _asked_next(after))
        if tok is _COMMA_JOINT or (joins and not tok.kind and parts[-1] and asks_own(parts[-1], after)):
            parts.append([])
            continue
        parts[-1].append(tok)
    return [p for p in parts if p]


def _asked_next(after: list[Token]) -> bool:
    """Whether an "is" is an unaccented "e" ("and"): a question word follows it, straight on or
    past one short word ("e pra quantas pessoas"), or another "is" ("e é aberto" reads "is is
    open")."""
    head = [t for t in after[:2] if not t.kind]
    if head[:1] and head[0].word in QUESTION_WORDS | {"is"}:
        return True
    return len(head) == 2 and len(head[0].word) <= 3 and head[1].word in QUESTION_WORDS


def asks_own(before: list[Token], after: list[Token]) -> bool:
    """Whether the words `after` a joint ask something of their own, given those `before` it."""
    if not after:
        return False
    head = after[0].word
    if head in QUESTION_WORDS or head in YES_NO or head in {"can", "any", "whether"}:
        return True
    words = [t.word for t in after if not t.kind]
    asked_before = any(t.word in QUESTION_WORDS for t in before)
    if asked_before and len(after) >= 2 and words[-1:] == ["not"]:
        return True  # "… rilis kapan, terus open source ga?": after a question, one by its tag
    if after[0].kind and words[:1] and words[0] in QUESTION_WORDS:
        return True  # "aur scale ai kitne mein kharida": the question word after the name
    lead = [t.word for t in after[:2] if not t.kind]  # "… and the release date": past "the"
    listed_before = any(t.word in _LISTED_FACTS for t in before)  # "the price and the release date"
    listed = bool(set(lead) & _LISTED_FACTS) and (asked_before or listed_before)
    if (head in SCORE_WORDS and asked_before) or listed:
        return True  # "cuando salio y cuanto saco en hle", "… y cuánto cuesta?" ("price")
    upto = next((i for i, t in enumerate(after) if t.word in _SPLIT_WORDS and not t.kind), len(after))
    if asked_before and any(t.word in QUESTION_WORDS for t in after[:upto] if not t.kind):
        return True  # "kapan dirilis dan lembaga apa yang …", "cuando salio y en que es bueno"
    # "hle score and arc agi 2 score" asks twice; "on hle, arc agi 2 and healthbench" lists
    names_after = {t.kind for t in after if t.kind in ("benchmark", "topic")}
    names_before = {t.kind for t in before if t.kind in ("benchmark", "topic")}
    asks_after = any(t.word in SCORE_WORDS | RANK_WORDS for t in after if not t.kind)
    return bool(names_after and names_before and asks_after)


def relative_clause(toks: list[Token]) -> int | None:
    """Where a relative clause about a name starts: a "que" ("what") right after the name, in
    a part that already asked "what", with no name after it. It describes the name ("que sacó
    meta"); it asks nothing of its own."""
    for i in range(2, len(toks)):
        if toks[i].word == "what" and toks[i - 1].kind and any(t.word == "what" for t in toks[: i - 1]):
            return i if not any(t.kind for t in toks[i:]) else None
    return None
