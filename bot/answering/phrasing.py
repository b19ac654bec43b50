"""How people say things, rewritten into the words the parser knows.

A question arrives in slang ("wen did spark drop", "tbench numbers pls"), in another language
("cuándo salió", "kab launch hua", "siapa yang bikin") or in shorthand. Each language pack
(`bot/answering/languages/<lang>.yaml`) maps the phrases people use to *canonical* English words
(`concepts`: canonical → the phrases that mean it), so one parser understands all of them, and
lists the words that carry no meaning in a question (`stopwords`). The English pack applies to
every question too: English model names, benchmark names and tech words turn up in all languages.

Phrases are matched longest first on the question's tokens (`bot.answering.words.tokens`), so
"codigo abierto" is "open source" before "codigo" alone can be "code". A phrase written with a
leading "^" counts only where a clause starts: "e o claude?" is "what about claude?", but in
"quem é o alexandr wang" the same words are "is the". One written with a trailing "$" counts
only where the sentence ends: "es open source, no?" asks "right?", but in "por qué ya no es
open source" the same "no" is "not".
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from babel import Locale, UnknownLocaleError

from bot.answering.language import packs
from bot.answering.words import STOPWORDS, tokens

Phrase = tuple[str, ...]
_MIN_STEM = 3  # "punya", "tanya" are words, not "pu" + "nya"


#: Country names that are everyday words too ("turkey", "chad"): not read as countries.
_NOT_COUNTRIES = frozenset(
    {"chad", "georgia", "guinea", "jersey", "jordan", "man", "mali", "niger", "turkey"}
)


def _territories(language: str) -> list[Phrase]:
    """The names of the countries and of Europe and the EU in `language`, from CLDR through
    Babel ("España", "Estados Unidos", "भारत"), as phrases; English names come with the English
    pack, which reads every question."""
    try:
        names = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return []
    wanted = [n for c, n in names.items() if (c.isalpha() and len(c) == 2) or c == "150"]
    phrases = [tuple(tokens(n)) for n in wanted]
    # Names of up to three words: the longer ones ("Saint Vincent and the Grenadines") would make
    # every phrase lookup try eight words, for countries nobody asks about.
    return [p for p in phrases if 0 < len(p) <= 3 and not (len(p) == 1 and p[0] in _NOT_COUNTRIES)]


#: The languages people ask about ("does it understand hindi?", "habla quechua?"): the widely
#: spoken ones, and the native languages of Latin America, since
#: CLDR's full list holds names that are everyday words too ("ewe", "ga", "ido").
_SPOKEN = (
    "en", "es", "pt", "hi", "id", "tl", "fil", "bn", "ta", "te", "mr", "ur", "pa", "gu", "kn", "ml",
    "ar", "zh", "fr", "de", "it", "ru", "ja", "ko", "vi", "th", "ms", "jv", "sw", "yo", "ha", "ig",
    "tr", "fa", "pl", "uk", "nl", "qu", "gn", "ay", "nah",
)  # fmt: skip


def _language_names(language: str) -> list[Phrase]:
    """The names of widely spoken languages in `language`, from CLDR through Babel ("hindi",
    "tagalo", "bahasa jepang" reads "jepang"), as phrases: "entiende español?" asks which
    languages it speaks. A name that is also a country's ("Indonesia") stays a country."""
    try:
        names = Locale.parse(language).languages
    except (UnknownLocaleError, ValueError):
        return []
    phrases = [tuple(tokens(names[c])) for c in _SPOKEN if c in names]
    return [p for p in phrases if 0 < len(p) <= 2]


class Phrasing:
    """Canonical words and stopwords for each language, from the language packs."""

    def __init__(self) -> None:
        self._maps: dict[str, dict[Phrase, Phrase]] = {}
        self._openings: dict[str, dict[Phrase, Phrase]] = {}  # the "^" phrases
        self._closings: dict[str, dict[Phrase, Phrase]] = {}  # the "$" phrases
        self._stop: dict[str, frozenset[str]] = {}
        self._stop_cache: dict[str, frozenset[str]] = {}
        self._suffixes: dict[str, dict[str, Phrase]] = {}
        self._whole: dict[str, frozenset[str]] = {}  # words the pack knows as they are
        self._pointers = {code: frozenset(pack.pointers) for code, pack in packs().items()}
        for code, pack in packs().items():
            table: dict[Phrase, Phrase] = {}
            opening: dict[Phrase, Phrase] = {}
            closing: dict[Phrase, Phrase] = {}
            for canonical, variants in pack.concepts.items():
                target = tuple(tokens(canonical))
                for variant in variants:
                    key = tuple(tokens(variant))
                    which = (
                        opening if variant.startswith("^") else closing if variant.endswith("$") else table
                    )
                    if key and key != target:
                        which.setdefault(key, target)
            for key in _territories(code):
                table.setdefault(key, ("country",))  # "llega a españa?" asks about a country
            for key in _language_names(code):
                table.setdefault(key, ("language",))
            self._maps[code] = table
            self._openings[code] = opening
            self._closings[code] = closing
            self._stop[code] = frozenset(w for s in pack.stopwords for w in tokens(s))
            self._suffixes[code] = {
                suffix: tuple(tokens(meaning)) for suffix, meaning in pack.suffixes.items()
            }
            known = (*table, *opening, *closing)
            self._whole[code] = frozenset(w for key in known for w in key) | self._stop[code]
        # Per first word, the longest phrase it starts: most words start none, and are passed
        # over without a lookup per length.
        self._reach: dict[str, int] = {}
        for t in (*self._maps.values(), *self._openings.values()):
            for k in t:
                self._reach[k[0]] = max(self._reach.get(k[0], 0), len(k))

    def canonical(
        self, words: Sequence[str], language: str, *, opening: bool = True, closing: bool = True
    ) -> list[str]:
        """`words` with every known phrase of `language` (then of English) replaced; `opening`
        False when they do not start the clause (a name came before), so no "^" phrase applies;
        `closing` False when they do not end the sentence, so no "$" phrase applies."""
        out: list[str] = []
        tables = [self._maps.get(language, {}), self._maps.get("en", {})]
        first = [self._openings.get(language, {}), self._openings.get("en", {}), *tables]
        i = 0
        while i < len(words):
            last = self._closing_at(words, i, language) if closing else None
            if last is not None:
                out.extend(last)
                break
            hit = (
                self._longest_at(words, i, first if i == 0 and opening else tables)
                if words[i] in self._reach
                else None
            )
            if hit is None:
                out.append(words[i])
                i += 1
                continue
            length, replacement = hit
            out.extend(replacement)
            i += length
        return out

    def _closing_at(self, words: Sequence[str], i: int, language: str) -> Phrase | None:
        """The "$" phrase that is exactly `words[i:]`, the end of the sentence, if any."""
        rest = tuple(words[i:])
        return self._closings.get(language, {}).get(rest) or self._closings.get("en", {}).get(rest)

    def split_suffixes(self, words: Sequence[str], language: str) -> list[str]:
        """Words with the language's suffixes cut off into words of their own: Indonesian
        "tekniknya" is "teknik its", so "tekniknya namanya apa" points back at what was said.
        A word the pack knows as it is ("skornya", "semuanya") and a short stem stay whole."""
        suffixes = self._suffixes.get(language)
        if not suffixes:
            return list(words)
        whole = self._whole[language]
        out: list[str] = []
        for word in words:
            cut = next((s for s in suffixes if word.endswith(s) and len(word) - len(s) >= _MIN_STEM), None)
            if cut is None or word in whole:
                out.append(word)
            else:
                out += [word[: -len(cut)], *suffixes[cut]]
        return out

    def _longest_at(
        self, words: Sequence[str], i: int, tables: list[dict[Phrase, Phrase]]
    ) -> tuple[int, Phrase] | None:
        for length in range(min(self._reach.get(words[i], 0), len(words) - i), 0, -1):
            key = tuple(words[i : i + length])
            for table in tables:
                found = table.get(key)
                if found is not None:
                    return length, found
        return None

    def pointers(self, language: str) -> frozenset[str]:
        """The canonical words that, in `language`, point back at the subject ("it", "its")."""
        return self._pointers.get(language) or frozenset({"it", "its"})

    def stopwords(self, language: str) -> frozenset[str]:
        """Words that carry no meaning in a question, in this language and in English."""
        found = self._stop_cache.get(language)
        if found is None:
            found = STOPWORDS | self._stop.get("en", frozenset()) | self._stop.get(language, frozenset())
            self._stop_cache[language] = found
        return found

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every canonical word: what the packs can turn a phrase into."""
        return frozenset(w for table in self._maps.values() for target in table.values() for w in target)


@functools.cache
def phrasing() -> Phrasing:
    return Phrasing()
