"""Render the engine's Markdown answers as Telegram HTML messages that always send.

Why markdown-it-py + our own renderer over telegramify-markdown: markdown-it-py is already a
dependency, CommonMark-exact and typed; telegramify-markdown (v1) adds a compiled Rust parser
(pyromark) and emits MarkdownV2 or (text, entities), which would take the bot off HTML parse
mode. Owning the renderer lets us guarantee what the bot relies on: all text is escaped (raw
HTML in the answer is shown, never interpreted) and every chunk fits Telegram's limits with
balanced tags, because we split the *visible text* and re-serialise each slice.

Conventions: soft line breaks are kept as newlines (chat answers are line-oriented); input
that is blank (whitespace or invisible characters only) renders to ``[]`` / ``""`` and the
caller must then send nothing, since Telegram rejects empty messages.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

__all__ = [
    "TELEGRAM_CAPTION_LIMIT",
    "TELEGRAM_TEXT_LIMIT",
    "html_to_plain",
    "markdown_to_html",
    "render_caption",
    "render_messages",
    "utf16_len",
]

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024

#: Below this a single escaped character plus the "…" could not be guaranteed to fit.
_MIN_LIMIT = 16
_ELLIPSIS = "…"
_HR_LINE = "—" * 10
_ZWJ = "\u200d"
_SAFE_SCHEMES = ("http://", "https://", "tg://")
_LANGUAGE_RE = re.compile(r"[A-Za-z0-9_+#.-]{1,32}")
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_TAG_RE = re.compile(r"<[^>]*>")
#: Characters Telegram strips as "empty" besides ordinary whitespace (fillers, blank braille).
_INVISIBLE = frozenset("\u115f\u1160\u2800\u3164\uffa0")

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MD.enable(["table", "strikethrough"])


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (astral characters count 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class _Tag:
    """One Telegram HTML element; ``kind`` is used to avoid illegal or duplicate nesting."""

    kind: str
    open: str
    close: str


_BOLD = _Tag("b", "<b>", "</b>")
_ITALIC = _Tag("i", "<i>", "</i>")
_STRIKE = _Tag("s", "<s>", "</s>")
_CODE = _Tag("code", "<code>", "</code>")
_PRE = _Tag("pre", "<pre>", "</pre>")
_QUOTE = _Tag("blockquote", "<blockquote>", "</blockquote>")
_VERBATIM = frozenset({"code", "pre"})

Tags = tuple[_Tag, ...]


@dataclass(frozen=True)
class _Run:
    """Unescaped visible text sharing one tag stack; ``sep`` marks a paragraph boundary."""

    text: str
    tags: Tags = ()
    sep: bool = False


def _escape_text(text: str) -> str:
    """Escape exactly what Telegram's HTML parser would otherwise interpret."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(value: str) -> str:
    """Escape an attribute value; Telegram knows only &lt; &gt; &amp; &quot; by name."""
    return _escape_text(value).replace('"', "&quot;")


def _push(tags: Tags, tag: _Tag) -> Tags:
    """Nest ``tag`` inside ``tags`` unless an element of that kind is already open."""
    if any(t.kind == tag.kind for t in tags):
        return tags
    return (*tags, tag)


def _wrap(tags: Tags, tag: _Tag) -> Tags:
    """Put ``tag`` outermost (used for blockquotes, which Telegram cannot nest)."""
    if any(t.kind == tag.kind for t in tags):
        return tags
    return (tag, *tags)


def _verbatim_tags(tags: Tags, tag: _Tag) -> Tags:
    """Tags for code: Telegram forbids code/pre inside other entities except blockquote.

    Inside a link we keep the link (it matters more than the monospace look).
    """
    if any(t.kind == "a" for t in tags):
        return tags
    return (*(t for t in tags if t.kind == "blockquote"), tag)


# --------------------------------------------------------------------------- tree → runs


def _render_document(markdown: str) -> list[_Run]:
    """Parse ``markdown`` and flatten it into runs separated by paragraph separators."""
    clean = _LONE_SURROGATE_RE.sub("\ufffd", markdown)
    root = SyntaxTreeNode(_MD.parse(clean))
    return _join_blocks(_render_blocks(root.children), sep=True)


def _join_blocks(blocks: Iterable[list[_Run]], *, sep: bool) -> list[_Run]:
    """Join non-empty blocks with a blank line (paragraph) or a newline (inside lists)."""
    out: list[_Run] = []
    for block in blocks:
        if not any(run.text for run in block):
            continue
        if out:
            out.append(_Run("\n\n", (), sep=True) if sep else _Run("\n"))
        out.extend(block)
    return out


def _render_blocks(nodes: Sequence[SyntaxTreeNode]) -> list[list[_Run]]:
    return [_render_block(node) for node in nodes]


def _render_block(node: SyntaxTreeNode) -> list[_Run]:
    """Dispatch one block node; unknown blocks degrade to their text, never to markup."""
    handler = _BLOCK_HANDLERS.get(node.type)
    if handler is not None:
        return handler(node)
    if node.children:
        return _join_blocks(_render_blocks(node.children), sep=True)
    return [_Run(node.content)] if node.content else []


def _paragraph(node: SyntaxTreeNode) -> list[_Run]:
    return _render_inline_children(node, ())


def _heading(node: SyntaxTreeNode) -> list[_Run]:
    """Telegram has no headings; a bold line reads the same on a phone."""
    return _render_inline_children(node, (_BOLD,))


def _code_block(node: SyntaxTreeNode) -> list[_Run]:
    """Fenced/indented code → ``<pre>``, with a language class only if it is harmless."""
    text = node.content.removesuffix("\n")
    if not text:
        return []
    language = node.info.split()[0] if node.info.strip() else ""
    tag = _PRE
    if _LANGUAGE_RE.fullmatch(language):
        tag = _Tag("pre", f'<pre><code class="language-{language}">', "</code></pre>")
    return [_Run(text, (tag,))]


def _hr(_node: SyntaxTreeNode) -> list[_Run]:
    return [_Run(_HR_LINE)]


def _blockquote(node: SyntaxTreeNode) -> list[_Run]:
    """Nested quotes are flattened: Telegram rejects a blockquote inside a blockquote."""
    inner = _join_blocks(_render_blocks(node.children), sep=True)
    return [_Run(run.text, _wrap(run.tags, _QUOTE), run.sep) for run in inner]


def _list(node: SyntaxTreeNode) -> list[_Run]:
    """Lists become marker lines; nested content is indented under the marker."""
    ordered = node.type == "ordered_list"
    start = node.attrs.get("start", 1)
    number = start if isinstance(start, int) else 1
    lines: list[list[_Run]] = []
    for offset, item in enumerate(node.children):
        marker = f"{number + offset}." if ordered else "•"
        body = _join_blocks(_render_blocks(item.children), sep=False)
        lines.append(_prefix_lines(body, marker + " ", " " * (len(marker) + 1)))
    return _join_blocks(lines, sep=False)


def _prefix_lines(runs: list[_Run], first: str, rest: str) -> list[_Run]:
    """Prefix the first line with ``first`` and later lines with ``rest`` (not in code)."""
    out = [_Run(first, _structural(runs[0].tags) if runs else ())]
    for run in runs:
        if any(t.kind == "pre" for t in run.tags) or "\n" not in run.text:
            out.append(run)
            continue
        pieces = run.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                out.append(_Run("\n", run.tags))
                out.append(_Run(rest, _structural(run.tags)))
            out.append(_Run(piece, run.tags))
    return out


def _structural(tags: Tags) -> Tags:
    """The block-level part of a tag stack (what an indentation prefix should inherit)."""
    return tuple(t for t in tags if t.kind == "blockquote")


def _table(node: SyntaxTreeNode) -> list[_Run]:
    """GFM table → monospace ``<pre>`` with padded columns; wide tables are kept, not wrapped."""
    rows: list[list[str]] = []
    aligns: list[str] = []
    for section in node.children:
        for row in section.children:
            cells = row.children
            rows.append([_plain_text(cell).strip() for cell in cells])
            if not aligns:
                aligns = [_cell_align(cell) for cell in cells]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    aligns += ["left"] * (width - len(aligns))
    widths = [max(_display_width(row[c]) for row in rows) for c in range(width)]
    lines = [_table_line(row, widths, aligns) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return [_Run("\n".join(line.rstrip() for line in lines), (_PRE,))]


def _cell_align(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    return style.removeprefix("text-align:") or "left"


def _table_line(cells: list[str], widths: list[int], aligns: list[str]) -> str:
    return " | ".join(_pad(c, w, a) for c, w, a in zip(cells, widths, aligns, strict=True))


def _pad(text: str, width: int, align: str) -> str:
    gap = width - _display_width(text)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _display_width(text: str) -> int:
    """Monospace columns: East-Asian wide and emoji take 2, combining/format chars 0."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _plain_text(node: SyntaxTreeNode) -> str:
    """Visible text of an inline subtree without any formatting (for table cells)."""
    if node.type in ("softbreak", "hardbreak"):
        return " "
    if node.type in ("text", "code_inline", "html_inline"):
        return node.content
    return "".join(_plain_text(child) for child in node.children)


_BLOCK_HANDLERS: dict[str, Callable[[SyntaxTreeNode], list[_Run]]] = {
    "paragraph": _paragraph,
    "heading": _heading,
    "fence": _code_block,
    "code_block": _code_block,
    "hr": _hr,
    "blockquote": _blockquote,
    "bullet_list": _list,
    "ordered_list": _list,
    "table": _table,
}


# --------------------------------------------------------------------------- inline


def _render_inline_children(node: SyntaxTreeNode, tags: Tags) -> list[_Run]:
    out: list[_Run] = []
    for child in node.children:
        out.extend(_render_inline(child, tags))
    return out


def _render_inline(node: SyntaxTreeNode, tags: Tags) -> list[_Run]:
    """Inline node → runs. Anything unrecognised is kept as (escaped) text."""
    kind = node.type
    if kind in ("text", "html_inline", "html_block"):
        return [_Run(node.content, tags)]
    if kind in ("softbreak", "hardbreak"):
        return [_Run("\n", tags)]
    if kind == "code_inline":
        return [_Run(node.content, _verbatim_tags(tags, _CODE))]
    if kind in _INLINE_TAGS:
        return _render_inline_children(node, _push(tags, _INLINE_TAGS[kind]))
    if kind == "link":
        return _render_inline_children(node, _link_tags(tags, str(node.attrs.get("href", ""))))
    if kind == "image":
        return _image(node, tags)
    return _render_inline_children(node, tags) if node.children else [_Run(node.content, tags)]


_INLINE_TAGS = {"strong": _BOLD, "em": _ITALIC, "s": _STRIKE}


def _link_tags(tags: Tags, href: str) -> Tags:
    """Only http(s)/tg links become entities; others (javascript:, data:, …) stay text."""
    if not href.lower().startswith(_SAFE_SCHEMES) or any(t.kind in _VERBATIM for t in tags):
        return tags
    return _push(tags, _Tag("a", f'<a href="{_escape_attr(href)}">', "</a>"))


def _image(node: SyntaxTreeNode, tags: Tags) -> list[_Run]:
    """Telegram can't inline images: show the alt text, linked to the image if safe."""
    alt = _plain_text(node) or "image"
    return [_Run(alt, _link_tags(tags, str(node.attrs.get("src", ""))))]


# --------------------------------------------------------------------------- serialise


def _common_prefix(a: Tags, b: Tags) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _serialize(runs: Iterable[_Run], *, plain: bool = False) -> str:
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
        out.append(_escape_text(run.text))
        stack = tags
    out.extend(tag.close for tag in reversed(stack))
    return "".join(out)


class _Document:
    """Rendered runs plus the flat visible text, so splits are chosen on visible text."""

    def __init__(self, runs: list[_Run]) -> None:
        self.runs = [run for run in runs if run.text]
        self.starts: list[int] = []
        offset = 0
        for run in self.runs:
            self.starts.append(offset)
            offset += len(run.text)
        self.text = "".join(run.text for run in self.runs)
        self.seps = [s for s, run in zip(self.starts, self.runs, strict=True) if run.sep]

    def slice(self, start: int, end: int) -> list[_Run]:
        """The runs covering visible characters ``[start, end)``, trimmed to the range."""
        out: list[_Run] = []
        index = max(bisect_right(self.starts, start) - 1, 0)
        while index < len(self.runs) and self.starts[index] < end:
            run, offset = self.runs[index], self.starts[index]
            piece = run.text[max(start - offset, 0) : end - offset]
            if piece:
                out.append(_Run(piece, run.tags, run.sep))
            index += 1
        return out

    def html(self, start: int, end: int, *, plain: bool = False) -> str:
        return _serialize(self.slice(start, end), plain=plain)


# --------------------------------------------------------------------------- split


def _is_blank(text: str) -> bool:
    """True if Telegram would consider the text empty (whitespace, controls, invisibles)."""
    return all(ch.isspace() or ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _tags_len(tags: Iterable[_Tag], *, closing: bool) -> int:
    return sum(utf16_len(tag.close if closing else tag.open) for tag in tags)


def _char_cost(char: str) -> int:
    """UTF-16 length of one character once escaped (``&amp;`` is 5, astral chars 2)."""
    if char in "<>&":
        return 5 if char == "&" else 4
    return 2 if ord(char) > 0xFFFF else 1


def _max_fit(doc: _Document, start: int, limit: int, *, plain: bool) -> int:
    """Largest end such that the HTML of ``[start, end)`` is ≤ limit UTF-16 units.

    Mirrors ``_serialize`` in one linear pass: the cost of a prefix is what has been
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
        cost = utf16_len(_escape_text(run.text))
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


def _find_break(doc: _Document, start: int, stop: int, *, fill: bool) -> tuple[int, int]:
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
    valid = [c for c in candidates if not _is_blank(text[start : c[0]])]
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


def _split(doc: _Document, limit: int, *, fill: bool = False, max_chunks: int | None = None) -> list[str]:
    """Greedy chunking: each chunk as long as fits, cut at the best boundary available."""
    chunks: list[str] = []
    text, start = doc.text, 0
    while start < len(text) and not _is_blank(text[start:]):
        if max_chunks is not None and len(chunks) >= max_chunks:
            break
        plain = False
        stop = _max_fit(doc, start, limit, plain=False)
        if stop == start:  # tag overhead alone (e.g. a huge href) exceeds the limit
            plain = True
            stop = _max_fit(doc, start, limit, plain=True)
        end, following = (stop, stop) if stop >= len(text) else _find_break(doc, start, stop, fill=fill)
        if not _is_blank(text[start:end]):
            chunks.append(doc.html(start, end, plain=plain))
        start = following
    return chunks


# --------------------------------------------------------------------------- public API


def markdown_to_html(markdown: str) -> str:
    """Whole answer as one Telegram-HTML string (no length limit applied)."""
    doc = _Document(_render_document(markdown))
    return "" if _is_blank(doc.text) else _serialize(doc.runs)


def render_messages(markdown: str, *, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split the rendered answer into sendable chunks (``[]`` for a blank answer).

    Each chunk is ≤ ``limit`` in UTF-16 units both as raw HTML and as visible text, has
    balanced tags, and is cut at a paragraph, else line, else word, else hard boundary.
    """
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}, got {limit}")
    return _split(_Document(_render_document(markdown)), limit)


def render_caption(markdown: str, *, limit: int = TELEGRAM_CAPTION_LIMIT) -> str:
    """One caption ≤ ``limit``; if the answer is longer it is cut at a boundary + "…"."""
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}, got {limit}")
    doc = _Document(_render_document(markdown))
    chunks = _split(doc, limit, fill=True, max_chunks=2)
    if len(chunks) <= 1:
        return chunks[0] if chunks else ""
    head = _split(doc, limit - utf16_len(_ELLIPSIS), fill=True, max_chunks=1)[0]
    return head + _ELLIPSIS


def html_to_plain(text: str) -> str:
    """Fallback when Telegram still refuses the HTML: drop tags, decode entities."""
    return html.unescape(_TAG_RE.sub("", text))
