"""Which language a message is in: English, Spanish, Brazilian Portuguese, Indonesian or Hindi.

Chat questions are short and mixed ("muse spark kya hai bhai", "cuanto saco en HLE"), which is
where general detectors guess: alone, lingua reads "and gemini?" as Portuguese and romanised
Hindi as English. So the decision is made in this order, and stops at the first clear answer:

1. Devanagari letters → Hindi; "ã", "õ", "ç" or a lone "é" → Portuguese, "ñ", "¿", "¡" → Spanish.
2. The language packs' cue words (`bot/answering/languages/*.yaml`: the question words and
   function words people type, Hinglish included), counted with model and benchmark names left
   out, so English benchmark names inside a Spanish question do not flip it. A cue belongs to
   one language only: a word any other pack knows ("se", "o", "ya") is never a cue.
3. the pack whose words (stopwords, concept phrases) cover clearly the most of the message
   ("destroys on lol" is English slang);
4. lingua (`lingua-language-detector`, low-accuracy mode over these five languages: about 20 MB,
   built for short text, no model download) when it is confident on enough words — very
   confident when the conversation's language or the client's is known;
5. the conversation's previous language, then the client's language (Telegram's
   `language_code`), then English.

Replies are judged the same way by the evaluation (`detect_reply_language`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.answering.dictionary import is_common
from bot.answering.words import normalize
from bot.knowledge import load_yaml

SUPPORTED = ("en", "es", "pt", "id", "hi")
DEFAULT = "en"
PACKS = Path(__file__).with_name("languages")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_WORD = re.compile(r"[a-z]+")
_LETTERS = re.compile(r"[^\W\d_]+|[¿¡]")
_PORTUGUESE_LETTERS = re.compile(r"[ãõç]")
_SPANISH_LETTERS = re.compile(r"[ñ¿¡]")
_PORTUGUESE_SPELLING = re.compile(r"nh|lh|^\w{2,}ou$|ção$|ções$|ões$")
_SPANISH_SPELLING = re.compile(r"ll|ción$|ciones$")
_CONFIDENT = 0.9
_SURE = 0.99  # to overrule what the conversation or the client already says
_UNSURE = 0.5  # when nothing else is known and the words are not English
_MIN_WORDS_FOR_DETECTOR = 3
_NOT_WORDS = re.compile(r"\b(?:https?://|www\.)\S+|(?<!\w)@\w+|\]\([^)]*\)", re.IGNORECASE)
#: A quotation of some length, in straight or typographic quotes: what someone else said
#: ("leí \"Muse Spark is the best model\", es verdad?") is not the asker's language.
_QUOTED = re.compile(r'"[^"\n]{8,}"|“[^”\n]{8,}”|«[^»\n]{8,}»|„[^“”\n]{8,}[“”]')
_MIN_WORDS_FOR_READING = 8


class LanguagePack(BaseModel):
    """One language's words for the parser (see the YAML files for what each list is for)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str
    name: str
    cues: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)
    concepts: dict[str, list[str]] = Field(default_factory=dict)
    corrections: list[str] = Field(default_factory=list)
    suffixes: dict[str, str] = Field(default_factory=dict)
    #: The canonical words that point back at the subject ("it"); Hindi "ye" is "this" and
    #: "it" at once, so its pack adds "this".
    pointers: list[str] = Field(default_factory=lambda: ["it", "its"])


@functools.cache
def packs() -> dict[str, LanguagePack]:
    """Every language pack, validated (a broken pack fails at start-up with its file)."""
    found: dict[str, LanguagePack] = {}
    for path in sorted(PACKS.glob("*.yaml")):
        data: Any = load_yaml(path.read_text(encoding="utf-8"))
        try:
            pack = LanguagePack.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"{path}: {exc}") from None
        found[pack.language] = pack
    return found


@functools.cache
def _cues() -> dict[str, frozenset[str]]:
    return {code: frozenset(normalize(w) for w in pack.cues) for code, pack in packs().items()}


@dataclass(frozen=True)
class Detected:
    """A language and how it was decided (`script`, `cues`, `detector`, `previous`, `hint`, `default`)."""

    language: str
    by: str


def detect(
    text: str,
    *,
    names: Iterable[str] = (),
    previous: str | None = None,
    hint: str | None = None,
) -> Detected:
    """The language of a question. `names` are words to leave out (models, benchmarks);
    `previous` is the language the conversation was in; `hint` the client's language code."""
    if _DEVANAGARI.search(text):
        return Detected("hi", "script")
    text = _NOT_WORDS.sub(" ", text)  # a pasted link's path or an @handle is no language
    unquoted = _QUOTED.sub(" ", text)
    if _LETTERS.search(unquoted):  # the asker's words around a quotation, if there are any
        text = unquoted
    skip = set(names) - _cues()[DEFAULT]  # "whats" of "whats app" is English all the same
    as_typed = [w for w in _LETTERS.findall(text.lower()) if normalize(w) not in skip]
    by_letters = _by_letters(as_typed)
    if by_letters is not None:
        return Detected(by_letters, "letters")
    words = [w for w in _WORD.findall(normalize(text)) if w not in skip]
    by_cues = _by_cues(words)
    if by_cues is not None:
        return Detected(by_cues, "cues")
    by_words = _by_vocabulary(words)
    if by_words is not None:
        return Detected(by_words, "vocabulary")
    known = previous if previous in SUPPORTED else _supported(hint)
    sure = _SURE if known else _CONFIDENT
    if len(words) >= _MIN_WORDS_FOR_DETECTOR:
        guess = _detector_guess(" ".join(as_typed), confident=sure)  # accents help it
        if guess is not None:
            return Detected(guess, "detector")
    for fallback, by in ((previous, "previous"), (_supported(hint), "hint")):
        if fallback in SUPPORTED and fallback != DEFAULT:
            return Detected(fallback, by)
        if fallback == DEFAULT:  # an English phone or chat, but a message that is hardly English
            return _not_english(words, as_typed, spelling=False) or Detected(fallback, by)
    return _not_english(words, as_typed) or Detected(DEFAULT, "default")


def _not_english(words: list[str], as_typed: list[str], *, spelling: bool = True) -> Detected | None:
    """For a message English knows at most one word of ("como funciona o modo contemplating"),
    the other language its spelling (`spelling`) or the detector finds, if any. English knows a
    word its pack lists, or an everyday English word that is not one in Spanish or Portuguese."""

    english_only = sum(is_common(w, "en") and not (is_common(w, "es") or is_common(w, "pt")) for w in words)
    if known_words(words, DEFAULT) > 1 or english_only > 1:
        return None
    if spelling and (by_endings := _by_endings(as_typed)) is not None:  # English "ll" is not Spanish's
        return Detected(by_endings, "endings")
    if len(words) >= _MIN_WORDS_FOR_DETECTOR + 1:  # three words ("e o gemini?") are too few to tell
        guess = _detector_guess(" ".join(as_typed), confident=_UNSURE)
        if guess is not None:
            return Detected(guess, "detector")
    return None


def detect_reply_language(text: str) -> str:
    """The language a reply is written in. Replies are long enough for lingua to be reliable
    on its own; cue words decide only the shortest ones."""
    if len(_DEVANAGARI.findall(text)) >= 3:
        return "hi"
    words = _WORD.findall(normalize(re.sub(r"[*_`]", " ", text)))
    if len(words) >= _MIN_WORDS_FOR_READING:
        return _detector_guess(" ".join(words), confident=0.0) or DEFAULT
    return (
        _by_cues(words) or _by_vocabulary(words) or _detector_guess(" ".join(words), confident=0.5) or DEFAULT
    )


def _by_letters(words: list[str]) -> str | None:
    """Letters and words only one of the languages writes, before accents are folded: "ã",
    "õ", "ç" and a lone "é" ("é open source?") are Portuguese; "ñ", "¿", "¡" Spanish."""
    text = " ".join(words)
    portuguese = bool(_PORTUGUESE_LETTERS.search(text)) or "é" in words or "não" in words
    spanish = bool(_SPANISH_LETTERS.search(text))
    if portuguese == spanish:
        return None
    found, other = ("pt", "es") if portuguese else ("es", "pt")
    cues = _cues()
    against = {w for w in words if w in cues[other]} - cues[found]
    # "jajaja alguien vio el partido del barça": one "ç" in a name against Spanish words
    return None if len(against) >= 2 and not {w for w in words if w in cues[found]} else found


def _by_endings(words: list[str]) -> str | None:
    """For a message that is hardly English, spellings only one of Portuguese and Spanish has:
    "nh", "lh", a past tense in "-ou" ("fechou", "lançou") against "ll", "-ción"."""
    portuguese = any(_PORTUGUESE_SPELLING.search(w) for w in words)
    spanish = any(_SPANISH_SPELLING.search(w) for w in words)
    if portuguese != spanish:
        return "pt" if portuguese else "es"
    return None


def _by_cues(words: list[str]) -> str | None:
    """The language with clearly the most distinct cue words, if any."""
    counts = sorted(
        ((len({w for w in words if w in cues}), code) for code, cues in _cues().items()), reverse=True
    )
    (best, code), (second, _) = counts[0], counts[1]
    if best >= 1 and best > second:
        return code
    return None


def _by_vocabulary(words: list[str]) -> str | None:
    """The language whose pack knows clearly the most of the words (its stopwords and concept
    phrases): "destroys on lol" is English slang, whatever a detector makes of three words."""
    counts = sorted(
        ((sum(w in vocab for w in words), code) for code, vocab in _vocabularies().items()), reverse=True
    )
    (best, code), (second, _) = counts[0], counts[1]
    return code if best >= 2 and best > second else None


def known_words(words: Iterable[str], language: str) -> int:
    """How many of `words` (normalized) the language's pack knows."""
    vocabulary = _vocabularies().get(language, frozenset())
    return sum(w in vocabulary for w in words)


@functools.cache
def _vocabularies() -> dict[str, frozenset[str]]:
    found = {}
    for code, pack in packs().items():
        words = {
            *pack.stopwords,
            *(w for phrases in pack.concepts.values() for p in phrases for w in p.split()),
        }
        if code == DEFAULT:  # the canonical words are English too ("compare", "vs", "score")
            words |= {w for concept in pack.concepts for w in concept.split()}
        found[code] = frozenset(normalize(w) for w in words)
    return found


def _supported(code: str | None) -> str | None:
    """Telegram's language codes are IETF tags ("pt-br", "es-419"): the base language."""
    if not code:
        return None
    base = code.lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED else None


def _detector_guess(text: str, confident: float = _CONFIDENT) -> str | None:
    if not text.strip():
        return None
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < confident:
        return None
    return _LINGUA_CODES.get(values[0].language.name)


_LINGUA_CODES = {"ENGLISH": "en", "SPANISH": "es", "PORTUGUESE": "pt", "INDONESIAN": "id", "HINDI": "hi"}


@functools.cache
def _detector() -> Any:
    """Built on first use: importing and building lingua costs start-up time and memory."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_CODES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
