"""Text runs with their Telegram HTML tags: escaped, serialised with balanced tags, and split
into chunks that fit Telegram's limits.

A rendered answer is a list of `Run`s (visible text plus the stack of tags around it). Splitting
works on the *visible* text and re-serialises each slice, so every chunk has balanced tags and
is within the limit both as raw HTML and as what the reader sees (UTF-16 units, as Telegram counts).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

_ZWJ = "\u200d"
#: Characters Telegram strips as "empty" besides ordinary whitespace (fillers, blank braille).
_INVISIBLE = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (astral characters count 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Tag:
    """One Telegram HTML element; ``kind`` is used to avoid illegal or duplicate nesting."""

    kind: str
    open: str
    close: str


BOLD = Tag("b", "<b>", "</b>")
ITALIC = Tag("i", "<i>", "</i>")
STRIKE = Tag("s", "<s>", "</s>")
CODE = Tag("code", "<code>", "</code>")
PRE = Tag("pre", "<pre>", "</pre>")
QUOTE = Tag("blockquote", "<blockquote>", "</blockquote>")
VERBATIM = frozenset({"code", "pre"})

Tags = tuple[Tag, ...]


@dataclass(frozen=True)
class Run:
    """Unescaped visible text sharing one tag stack; ``sep`` marks a paragraph boundary."""

    text: str
    tags: Tags = ()
    sep: bool = False


def escape_text(text: str) -> str:
    """Escape exactly what Telegram's HTML parser would otherwise interpret."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(value: str) -> str:
    """Escape an attribute value; Telegram knows only &lt; &gt; &amp; &quot; by name."""
    return escape_text(value).replace('"', "&quot;")


def push(tags: Tags, tag: Tag) -> Tags:
    """Nest ``tag`` inside ``tags`` unless an element of that kind is already open."""
    if any(t.kind == tag.kind for t in tags):
        return tags
    return (*tags, tag)


def wrap(tags: Tags, tag: Tag) -> Tags:
    """Put ``tag`` outermost (used for blockquotes, which Telegram cannot nest)."""
    if any(t.kind == tag.kind for t in tags):
        return tags
    return (tag, *tags)


def verbatim_tags(tags: Tags, tag: Tag) -> Tags:
    """Tags for code: Telegram forbids code/pre inside other entities except blockquote.

    Inside a link we keep the link (it matters more than the monospace look).
    """
    if any(t.kind == "a" for t in tags):
        return tags
    return (*(t for t in tags if t.kind == "blockquote"), tag)


# --------------------------------------------------------------------------- serialise


def _common_prefix(a: Tags, b: Tags) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def serialize(runs: Iterable[Run], *, plain: bool = False) -> str:
    """Runs → balanced HTML; tags are opened lazily so no element is ever empty."""
    out: list[str] = []
    stack: Tags = ()
    for run in runs:
        if not run.text:
            continue
        tags = () if plain else run.tags
        keep = _common_prefix(stack, tags)
        out.extend(tag.close for tag in reversed(stack[keep:]))
        out.extend(tag.open for tag in tags[keep:])
        out.append(escape_text(run.text))
        stack = tags
    out.extend(tag.close for tag in reversed(stack))
    return "".join(out)


class Document:
    """Rendered runs plus the flat visible text, so splits are chosen on visible text."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = [run for run in runs if run.text]
        self.starts: list[int] = []
        offset = 0
        for run in self.runs:
            self.starts.append(offset)
            offset += len(run.text)
        self.text = "".join(run.text for run in self.runs)
        self.seps = [s for s, run in zip(self.starts, self.runs, strict=True) if run.sep]

    def slice(self, start: int, end: int) -> list[Run]:
        """The runs covering visible characters ``[start, end)``, trimmed to the range."""
        out: list[Run] = []
        index = max(bisect_right(self.starts, start) - 1, 0)
        while index < len(self.runs) and self.starts[index] < end:
            run, offset = self.runs[index], self.starts[index]
            piece = run.text[max(start - offset, 0) : end - offset]
            if piece:
                out.append(Run(piece, run.tags, run.sep))
            index += 1
        return out

    def html(self, start: int, end: int, *, plain: bool = False) -> str:
        return serialize(self.slice(start, end), plain=plain)


# --------------------------------------------------------------------------- split


def is_blank(text: str) -> bool:
    """True if Telegram would consider the text empty (whitespace, controls, invisibles)."""
    return all(ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _tags_len(tags: Iterable[Tag], *, closing: bool) -> int:
    return sum(utf16_len(tag.close if closing else tag.open) for tag in tags)


def _char_cost(char: str) -> int:
    """UTF-16 length of one character once escaped (``&amp;`` is 5, astral chars 2)."""
    if char in "<>&":
        return 5 if char == "&" else 4
    return 2 if ord(char) > 0xFFFF else 1


def _max_fit(doc: Document, start: int, limit: int, *, plain: bool) -> int:
    """Largest end such that the HTML of ``[start, end)`` is ≤ limit UTF-16 units.

    Mirrors ``serialize`` in one linear pass: the cost of a prefix is what has been
    emitted so far plus the closing tags still owed. The raw HTML is never shorter than
    its visible text, so bounding it bounds both of Telegram's limits.
    """
    emitted, pos = 0, start
    stack_tags: Tags = ()
    for run in doc.slice(start, start + limit):
        tags = () if plain else run.tags
        keep = _common_prefix(stack_tags, tags)
        emitted += _tags_len(stack_tags[keep:], closing=True)
        emitted += _tags_len(tags[keep:], closing=False)
        budget = limit - emitted - _tags_len(tags, closing=True)
        cost = utf16_len(escape_text(run.text))
        if cost > budget:
            return pos + _chars_within(run.text, budget)
        emitted += cost
        stack_tags, pos = tags, pos + len(run.text)
    return pos


def _chars_within(text: str, budget: int) -> int:
    """How many leading characters of ``text`` fit in ``budget`` once escaped."""
    count = 0
    for char in text:
        budget -= _char_cost(char)
        if budget < 0:
            break
        count += 1
    return count


def _find_break(doc: Document, start: int, stop: int, *, fill: bool) -> tuple[int, int]:
    """Choose where a chunk ending no later than ``stop`` ends and the next one starts.

    Preference: paragraph separator, newline, space, then a hard split. With ``fill``
    the latest of the soft boundaries wins instead (captions want as much text as fits).
    """
    text = doc.text
    candidates: list[tuple[int, int]] = []
    index = bisect_right(doc.seps, stop) - 1
    if index >= 0 and doc.seps[index] > start:
        sep = doc.seps[index]
        candidates.append((sep, sep + 2))
    for mark in ("\n", " "):
        pos = text.rfind(mark, start + 1, stop + 1)
        if pos > start:
            candidates.append((pos, pos + 1))
    valid = [c for c in candidates if not is_blank(text[start : c[0]])]
    if valid:
        return max(valid) if fill else valid[0]
    end = _grapheme_safe_end(text, start, stop)
    return end, end


def _joins_previous(char: str) -> bool:
    """Characters that must stay with the preceding one (marks, ZWJ, variation selectors)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _grapheme_safe_end(text: str, start: int, stop: int) -> int:
    """Back off a hard split a few characters so an emoji/accent sequence isn't cut."""
    for end in range(stop, max(start, stop - 16), -1):
        if not (_joins_previous(text[end]) or text[end - 1] == _ZWJ):
            return end
    return stop


def split(doc: Document, limit: int, *, fill: bool = False, max_chunks: int | None = None) -> list[str]:
    """Greedy chunking: each chunk as long as fits, cut at the best boundary available."""
    chunks: list[str] = []
    text, start = doc.text, 0
    while start < len(text) and not is_blank(text[start:]):
        if max_chunks is not None and len(chunks) >= max_chunks:
            break
        plain = False
        stop = _max_fit(doc, start, limit, plain=False)
        if stop == start:  # tag overhead alone (e.g. a huge href) exceeds the limit
            plain = True
            stop = _max_fit(doc, start, limit, plain=True)
        end, following = (stop, stop) if stop >= len(text) else _find_break(doc, start, stop, fill=fill)
        if not is_blank(text[start:end]):
            chunks.append(doc.html(start, end, plain=plain))
        start = following
    return chunks
