"""The bot's voice in the asker's language: gettext catalogues for its sentences, Babel for numbers
and dates.

    say = speaker("es")
    say(texts.FORGOTTEN)                         # the Spanish sentence (English if untranslated)
    say.number(42.8, 1)                          # "42,8"
    say.date(datetime.date(2026, 4, 8))          # "8 de abril de 2026"

Catalogues are `bot/locales/<lang>/LC_MESSAGES/musebot.po`, keyed by the English text of
`bot.texts` (the message ids). They are read with Babel's `.po` reader when a language is first
needed, so there is no compiled `.mo` file to keep in step. A message without a translation, or
marked fuzzy, is said in English: a reply is never blank because a translation is missing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
from pathlib import Path
from typing import Any, Literal

TimeUnit = Literal["hour", "minute", "second"]
LOCALES: dict[str, str] = {"en": "en_US", "es": "es", "pt": "pt_BR", "id": "id", "hi": "hi"}
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "español",
    "pt": "português",
    "id": "Bahasa Indonesia",
    "hi": "हिन्दी",
}
CATALOGUES = Path(__file__).with_name("locales")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DOMAIN = "musebot"


class Speaker:
    """Sentences, numbers and dates for one language."""

    def __init__(self, language: str, catalogue: dict[str, str]) -> None:
        self.language = language
        self.locale = LOCALES.get(language, "en_US")
        self._catalogue = catalogue

    def __call__(self, message: str, **fields: Any) -> str:
        """`message` (an English text from `bot.texts`) in this language, fields filled in."""
        text = self._catalogue.get(message) or message
        return text.format(**fields) if fields else text

    def number(self, value: float, decimals: int = 1) -> str:
        """A figure as this language writes it, with exactly `decimals` digits after the sign."""
        return _number(value, decimals, self.locale)

    def date(self, day: dt.date, *, brief: bool = False) -> str:
        """A date with its month's name ("April 8, 2026", "8 de abril de 2026"); `brief`, the
        month abbreviated, for a source line ("Apr 8, 2026", "8 abr 2026": CLDR's medium)."""
        if self.locale == "en_US":  # Babel's en_US dates, without Babel's locale data
            month = _MONTHS[day.month - 1]
            return f"{month[:3] if brief else month} {day.day}, {day.year}"
        from babel.dates import format_date

        return str(format_date(day, format="medium" if brief else "long", locale=self.locale))

    def duration(self, amount: int, unit: TimeUnit) -> str:
        """An amount of one time unit ("hour", "minute", "second") as the reader abbreviates it
        ("9 hr", "57 min", "30 s", "9 घं॰"): CLDR's short unit, through Babel."""
        from babel.dates import format_timedelta

        seconds = amount * {"hour": 3600, "minute": 60, "second": 1}[unit]
        found = format_timedelta(
            dt.timedelta(seconds=seconds),
            granularity=unit,
            threshold=10**6,
            format="short",
            locale=self.locale,
        )
        return str(found)

    def join(self, items: list[str], *, style: str = "standard") -> str:
        """ "A, B and C" in this language (Babel's list patterns); `style="or"` for "A, B or C"."""
        if len(items) < 2:
            return "".join(items)
        if self.locale == "en_US":  # Babel's en_US list pattern, without Babel's locale data
            word = "or" if style == "or" else "and"
            head = ", ".join(items[:-1])
            return f"{head} {word} {items[-1]}" if len(items) == 2 else f"{head}, {word} {items[-1]}"
        from babel.lists import format_list

        return str(format_list(items, style=style, locale=self.locale))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def _number(value: float, decimals: int, locale: str) -> str:
    """Babel's formatting, remembered: it parses the pattern and the locale on every call, and
    an answer's figures come from the knowledge base, a few hundred at most. English, the
    language of most answers, is done without Babel, to the same characters (the tests compare
    them): Babel's locale data is 5 MB of memory a bot answering in English does without (so
    are English dates and lists, in `Speaker`)."""
    if locale == "en_US" and math.isfinite(value):
        return _english_number(value, decimals)
    from babel.numbers import format_decimal

    pattern = "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals
    return str(format_decimal(value, format=pattern, locale=locale))


def _english_number(value: float, decimals: int) -> str:
    """What Babel writes for the pattern `#,##0.0…` in en_US: the shortest decimal form of the
    float, rounded half to even, "," between thousands, "-" before a negative (even -0.0)."""
    step = decimal.Decimal(1).scaleb(-max(0, decimals))
    exact = decimal.Decimal(str(value))
    rounded = abs(exact).quantize(step, rounding=decimal.ROUND_HALF_EVEN)
    return ("-" if exact.is_signed() else "") + format(rounded, ",f")


@functools.cache
def speaker(language: str) -> Speaker:
    """The speaker for a language code (`en`, `es`, `pt`, `id`, `hi`); English for any other."""
    if language not in LOCALES or language == "en":
        return Speaker("en", {})
    return Speaker(language, _catalogue(language))


def _catalogue(language: str) -> dict[str, str]:
    path = CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[language])
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def language_code(name: str) -> str | None:
    """The code of a supported language as people name it: a code ("es", "pt-BR", "es_ES") or
    the language's name in any supported language, as CLDR writes it ("español", "Spanish",
    "espanhol", "Spanyol", "स्पेनिश"), accents and case aside. None for anything else."""
    wanted = _folded(name)
    code = wanted.replace("_", "-").split("-")[0]
    if code in LOCALES:
        return code
    return _language_names().get(wanted)


@functools.cache
def _language_names() -> dict[str, str]:
    from babel import Locale

    names: dict[str, str] = {}
    for code in LOCALES:
        for reader in LOCALES.values():
            found = Locale.parse(reader).languages.get(code)
            if found:
                names[_folded(found)] = code
        names[_folded(LANGUAGE_NAMES[code])] = code
    return names


def _folded(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or "\u0900" <= ch <= "\u097f")
