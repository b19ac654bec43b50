"""Which words are real words of a language: what the speller must leave alone.

A typo mender that knows only the knowledge base's own words turns real words into them:
"bunch" into "bench", "least" into "last", "march" into "match" — and a question about a
benchmark it never asked is answered. So a word that is common in the asker's language (or in
English, which chats mix in) is never mended.

The word lists are wordfreq's (`wordfreq` on PyPI, the "small" lists: about 30,000 words each
with a frequency of at least one per million, for English, Spanish, Portuguese, Indonesian
and Hindi). They are read straight from its data files — the cBpack format documented in
`wordfreq.read_cBpack`: gzipped msgpack, a header, then lists of words by frequency — because
importing wordfreq itself loads ftfy, langcodes and regex (about 16 MB) for features the bot
does not use. If a later wordfreq moves its files, its public API is used instead.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import msgpack

from bot.answering.words import normalize


@functools.cache
def common_words(language: str) -> frozenset[str]:
    """The common words of `language` (an ISO 639-1 code), accents folded as `normalize` does;
    empty for a language wordfreq does not have. Loaded on first use (about 4 MB each)."""
    try:
        lists = _read_cbpack(_data_dir() / f"small_{language}.msgpack.gz")
    except (OSError, ValueError):
        lists = _public_lists(language)
    fold = normalize.__wrapped__  # not through the cache: 30,000 words read once
    return frozenset(fold(w) for words in lists for w in words)


def is_common(word: str, language: str) -> bool:
    """Whether `word` is a common word in `language` or in English."""
    return word in common_words(language) or word in common_words("en")


def _data_dir() -> Path:
    spec = importlib.util.find_spec("wordfreq")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise OSError("wordfreq is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_cbpack(path: Path) -> list[list[str]]:
    data = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
    header = data[0] if data else None
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path}: not a cBpack file")
    return [list(words) for words in data[1:]]


def _public_lists(language: str) -> list[list[str]]:
    try:
        from wordfreq import get_frequency_list
    except ImportError:
        return []
    try:
        return [list(words) for words in get_frequency_list(language, wordlist="small")]
    except LookupError:
        return []
