"""Secrets out of text: every form a key can take once it is written into a message.

A secret rarely leaks verbatim. httpx reports a bad header as `b'Bearer sk-abc\\n'` (the key
repr-escaped), a URL carries it percent-encoded, a JSON body JSON-escaped, and servers echo
back the first characters of a key they rejected ("Incorrect API key provided: sk-proj-ab…").
`Redactor` knows all of these forms for each configured secret and replaces each with
`[REDACTED]`; the logging filter (`bot.ops.logs`) and the LLM errors (`bot.llm`) both use it, so
what is hidden in one place is hidden everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["MIN_SECRET_LENGTH", "PLACEHOLDER", "PREFIX_LENGTH", "Redactor", "secret_forms"]

PLACEHOLDER = "[REDACTED]"
MIN_SECRET_LENGTH = 6  # shorter values ("x", "none") would redact ordinary words
PREFIX_LENGTH = 8  # a run this long of a secret's start is redacted...
_PREFIX_FROM = 16  # ...when the secret is at least this long (a shorter prefix is most of it)


def secret_forms(secret: str) -> set[str]:
    """The ways `secret` can appear in text: raw, escaped (repr, bytes repr, JSON), URL-encoded."""
    forms = {
        secret,
        secret.strip(),
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Redactor:
    """Replaces every known form of each secret in a text with `[REDACTED]`.

    In: the secrets in force (empty values and ones shorter than `MIN_SECRET_LENGTH` are
    ignored). `redact(text)` returns the text with each form replaced, plus any run of at
    least `PREFIX_LENGTH` characters that matches the start of a secret of 16 characters or
    more (a truncated echo still identifies the key). Never raises; costs one regex pass and
    one scan per long secret, so it is cheap enough for every log record.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if len(s.strip()) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
        forms = sorted({form for s in values for form in secret_forms(s)}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None
        self._long = [s.strip() for s in values if len(s.strip()) >= _PREFIX_FROM]

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        text = self._pattern.sub(PLACEHOLDER, text)
        for secret in self._long:
            text = _redact_prefixes(text, secret)
        return text


def _redact_prefixes(text: str, secret: str) -> str:
    """Replace each run that starts like `secret` for at least `PREFIX_LENGTH` characters.

    A run of digits only is left: a Telegram token starts with the bot's numeric id, which is
    public (it is in every update from the bot) and says nothing about the secret part.
    """
    head = secret[:PREFIX_LENGTH]
    start = text.find(head)
    while start >= 0:
        end = start + PREFIX_LENGTH
        while end - start < len(secret) and end < len(text) and text[end] == secret[end - start]:
            end += 1
        if text[start:end].isdigit():
            start = text.find(head, end)
            continue
        text = text[:start] + PLACEHOLDER + text[end:]
        start = text.find(head, start + len(PLACEHOLDER))
    return text
