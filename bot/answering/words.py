"""Normalising what people type: case, punctuation, glued versions ("gpt5.4"), typos.

Chat questions arrive lowercase, unpunctuated and misspelt. Everything that matches text
against the knowledge base goes through `tokens()` so that both sides agree on one form, and
typos are mended against the knowledge base's own vocabulary, not a general dictionary: a word
the knowledge base never uses cannot help an answer anyway.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz import fuzz, process

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_WORD = re.compile(r"\d+(?:[.,]\d+)+|[a-z]+|\d+|[\u0900-\u0963\u0966-\u097f]+")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "tell",
        "under",
        "up",
        "very",
        "exactly",  # "where exactly in facebook": how precisely, not "the exact date"
        "specifically",
        "precisely",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "give",
        "show",
        "know",
        "get",
        "got",
        "much",
        "many",
        "think",
    ]
)


_NUKTA, _CHANDRABINDU, _ANUSVARA = "\u093c", "\u0901", "\u0902"


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Lowercase, fold accents and curly quotes, drop apostrophes ("humanity's" → "humanitys").

    Accents are folded on Latin letters only ("cuándo" → "cuando"): in Devanagari the marks are
    the vowels, so Hindi keeps them (and its danda "।" is punctuation) — except the two that
    people type or leave out at will: the nukta ("क्लोज़्ड" is "क्लोज्ड") and the chandrabindu,
    written as the anusvara ("पाँच" is "पांच"). Cached: the knowledge base's own texts are read
    again for every question."""
    if text.isascii():
        return text.replace("`", "").lower().replace("'", "")
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    kept: list[str] = []
    for ch in text:
        if ch == _NUKTA or (unicodedata.combining(ch) and kept and kept[-1] < "\u0250"):
            continue  # an accent on a Latin letter, or a nukta
        kept.append(_ANUSVARA if ch == _CHANDRABINDU else ch)
    return unicodedata.normalize("NFC", "".join(kept)).replace("'", "")


def tokens(text: str) -> list[str]:
    """Words and numbers: "GPT-5.4 Pro" → ["gpt", "5.4", "pro"], "agi2" → ["agi", "2"]; a decimal
    comma is read as a point ("fez 40,1" → "40.1"), as Spanish, Portuguese and Indonesian write it."""
    return [w.replace(",", ".") for w in _WORD.findall(normalize(text))]


def content_tokens(text_or_tokens: str | Sequence[str]) -> list[str]:
    """The tokens that carry meaning: no stopwords."""
    toks = tokens(text_or_tokens) if isinstance(text_or_tokens, str) else text_or_tokens
    return [t for t in toks if t not in STOPWORDS]


class Speller:
    """Mends typos against a fixed vocabulary ("helthbench" → "healthbench").

    Only words of five letters or more are corrected, and only to a vocabulary word of similar
    length with the same first letter: short words are too easy to turn into other real words
    ("arc" → "are"), and people rarely mistype the first letter ("getting" is not "setting").
    """

    def __init__(
        self,
        vocabulary: Iterable[str],
        *,
        cutoff: float = 80.0,
        is_word: Callable[[str], bool] | None = None,
    ) -> None:
        """`is_word` says whether a word is a real word of the language (`bot.answering.dictionary`):
        such a word is left as typed, however close it is to a vocabulary word."""
        self._vocabulary = sorted({w for w in vocabulary if w.isalpha() and len(w) >= 3})
        self._known = frozenset(self._vocabulary)
        self._cutoff = cutoff
        self._is_word = is_word
        self._cache: dict[str, str] = {}

    @property
    def vocabulary(self) -> frozenset[str]:
        """The words it mends toward (the knowledge base's own)."""
        return self._known

    def correct(self, word: str) -> str:
        if word in self._known or word in STOPWORDS or len(word) < 5 or not word.isalpha():
            return word
        if word not in self._cache:
            self._cache[word] = self._closest(word)
        return self._cache[word]

    def correct_all(self, words: Sequence[str]) -> list[str]:
        return [self.correct(w) for w in words]

    def _closest(self, word: str) -> str:
        match = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=self._cutoff)
        if match is None or abs(len(match[0]) - len(word)) > 2 or match[0][0] != word[0]:
            return word
        if self._is_word is not None and self._is_word(word):
            return word  # "bunch" is not a typo of "bench" (asked only now: the lists load lazily)
        return str(match[0])


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def verbatim(text: str) -> str:
    """User-typed text to put inside an answer's Markdown, shown exactly as typed: every
    character Markdown could read as formatting (`**bold**`, `[a link](https://…)`,
    `[a mention](tg://user?id=…)`, `<autolinks>`, code) is backslash-escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
