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

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from bot.channels.telegram.chunking import (
    BOLD,
    CODE,
    ITALIC,
    PRE,
    QUOTE,
    STRIKE,
    VERBATIM,
    Document,
    Run,
    Tag,
    Tags,
    escape_attr,
    is_blank,
    push,
    serialize,
    split,
    utf16_len,
    verbatim_tags,
    wrap,
)

if TYPE_CHECKING:
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
_SAFE_SCHEMES = ("http://", "https://", "tg://")
_LANGUAGE_RE = re.compile(r"[A-Za-z0-9_+#.-]{1,32}")
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_TAG_RE = re.compile(r"<[^>]*>")

_RENDERED_CACHE = 256  # answers kept rendered: knowledge answers repeat, rendering is pure


@functools.cache
def _markdown() -> MarkdownIt:
    """The parser, built when the first answer is rendered (markdown-it loads only then)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


# --------------------------------------------------------------------------- tree → runs


def _render_document(markdown: str) -> list[Run]:
    """Parse ``markdown`` and flatten it into runs separated by paragraph separators."""
    from markdown_it.tree import SyntaxTreeNode

    clean = _LONE_SURROGATE_RE.sub("\ufffd", markdown)
    root = SyntaxTreeNode(_markdown().parse(clean))
    return _join_blocks(_render_blocks(root.children), sep=True)


def _join_blocks(blocks: Iterable[list[Run]], *, sep: bool) -> list[Run]:
    """Join non-empty blocks with a blank line (paragraph) or a newline (inside lists)."""
    out: list[Run] = []
    for block in blocks:
        if not any(run.text for run in block):
            continue
        if out:
            out.append(Run("\n\n", (), sep=True) if sep else Run("\n"))
        out.extend(block)
    return out


def _render_blocks(nodes: Sequence[SyntaxTreeNode]) -> list[list[Run]]:
    return [_render_block(node) for node in nodes]


def _render_block(node: SyntaxTreeNode) -> list[Run]:
    """Dispatch one block node; unknown blocks degrade to their text, never to markup."""
    handler = _BLOCK_HANDLERS.get(node.type)
    if handler is not None:
        return handler(node)
    if node.children:
        return _join_blocks(_render_blocks(node.children), sep=True)
    return [Run(node.content)] if node.content else []


def _paragraph(node: SyntaxTreeNode) -> list[Run]:
    return _render_inline_children(node, ())


def _heading(node: SyntaxTreeNode) -> list[Run]:
    """Telegram has no headings; a bold line reads the same on a phone."""
    return _render_inline_children(node, (BOLD,))


def _code_block(node: SyntaxTreeNode) -> list[Run]:
    """Fenced/indented code → ``<pre>``, with a language class only if it is harmless."""
    text = node.content.removesuffix("\n")
    if not text:
        return []
    language = node.info.split()[0] if node.info.strip() else ""
    tag = PRE
    if _LANGUAGE_RE.fullmatch(language):
        tag = Tag("pre", f'<pre><code class="language-{language}">', "</code></pre>")
    return [Run(text, (tag,))]


def _hr(_node: SyntaxTreeNode) -> list[Run]:
    return [Run(_HR_LINE)]


def _blockquote(node: SyntaxTreeNode) -> list[Run]:
    """Nested quotes are flattened: Telegram rejects a blockquote inside a blockquote."""
    inner = _join_blocks(_render_blocks(node.children), sep=True)
    return [Run(run.text, wrap(run.tags, QUOTE), run.sep) for run in inner]


def _list(node: SyntaxTreeNode) -> list[Run]:
    """Lists become marker lines; nested content is indented under the marker."""
    ordered = node.type == "ordered_list"
    start = node.attrs.get("start", 1)
    number = start if isinstance(start, int) else 1
    lines: list[list[Run]] = []
    for offset, item in enumerate(node.children):
        marker = f"{number + offset}." if ordered else "•"
        body = _join_blocks(_render_blocks(item.children), sep=False)
        lines.append(_prefix_lines(body, marker + " ", " " * (len(marker) + 1)))
    return _join_blocks(lines, sep=False)


def _prefix_lines(runs: list[Run], first: str, rest: str) -> list[Run]:
    """Prefix the first line with ``first`` and later lines with ``rest`` (not in code)."""
    out = [Run(first, _structural(runs[0].tags) if runs else ())]
    for run in runs:
        if any(t.kind == "pre" for t in run.tags) or "\n" not in run.text:
            out.append(run)
            continue
        pieces = run.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                out.append(Run("\n", run.tags))
                out.append(Run(rest, _structural(run.tags)))
            out.append(Run(piece, run.tags))
    return out


def _structural(tags: Tags) -> Tags:
    """The block-level part of a tag stack (what an indentation prefix should inherit)."""
    return tuple(t for t in tags if t.kind == "blockquote")


def _table(node: SyntaxTreeNode) -> list[Run]:
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
    return [Run("\n".join(line.rstrip() for line in lines), (PRE,))]


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


_BLOCK_HANDLERS: dict[str, Callable[[SyntaxTreeNode], list[Run]]] = {
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


def _render_inline_children(node: SyntaxTreeNode, tags: Tags) -> list[Run]:
    out: list[Run] = []
    for child in node.children:
        out.extend(_render_inline(child, tags))
    return out


def _render_inline(node: SyntaxTreeNode, tags: Tags) -> list[Run]:
    """Inline node → runs. Anything unrecognised is kept as (escaped) text."""
    kind = node.type
    if kind in ("text", "html_inline", "html_block"):
        return [Run(node.content, tags)]
    if kind in ("softbreak", "hardbreak"):
        return [Run("\n", tags)]
    if kind == "code_inline":
        return [Run(node.content, verbatim_tags(tags, CODE))]
    if kind in _INLINE_TAGS:
        return _render_inline_children(node, push(tags, _INLINE_TAGS[kind]))
    if kind == "link":
        return _render_inline_children(node, _link_tags(tags, str(node.attrs.get("href", ""))))
    if kind == "image":
        return _image(node, tags)
    return _render_inline_children(node, tags) if node.children else [Run(node.content, tags)]


_INLINE_TAGS = {"strong": BOLD, "em": ITALIC, "s": STRIKE}


def _link_tags(tags: Tags, href: str) -> Tags:
    """Only http(s)/tg links become entities; others (javascript:, data:, …) stay text."""
    if not href.lower().startswith(_SAFE_SCHEMES) or any(t.kind in VERBATIM for t in tags):
        return tags
    return push(tags, Tag("a", f'<a href="{escape_attr(href)}">', "</a>"))


def _image(node: SyntaxTreeNode, tags: Tags) -> list[Run]:
    """Telegram can't inline images: show the alt text, linked to the image if safe."""
    alt = _plain_text(node) or "image"
    return [Run(alt, _link_tags(tags, str(node.attrs.get("src", ""))))]


# --------------------------------------------------------------------------- public API


def markdown_to_html(markdown: str) -> str:
    """Whole answer as one Telegram-HTML string (no length limit applied)."""
    doc = Document(_render_document(markdown))
    return "" if is_blank(doc.text) else serialize(doc.runs)


def render_messages(markdown: str, *, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split the rendered answer into sendable chunks (``[]`` for a blank answer).

    Each chunk is ≤ ``limit`` in UTF-16 units both as raw HTML and as visible text, has
    balanced tags, and is cut at a paragraph, else line, else word, else hard boundary.
    """
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}, got {limit}")
    return list(_rendered(markdown, limit))


@functools.lru_cache(maxsize=_RENDERED_CACHE)
def _rendered(markdown: str, limit: int) -> tuple[str, ...]:
    return tuple(split(Document(_render_document(markdown)), limit))


def render_caption(markdown: str, *, limit: int = TELEGRAM_CAPTION_LIMIT) -> str:
    """One caption ≤ ``limit``; if the answer is longer it is cut at a boundary + "…"."""
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}, got {limit}")
    doc = Document(_render_document(markdown))
    chunks = split(doc, limit, fill=True, max_chunks=2)
    if len(chunks) <= 1:
        return chunks[0] if chunks else ""
    head = split(doc, limit - utf16_len(_ELLIPSIS), fill=True, max_chunks=1)[0]
    return head + _ELLIPSIS


def html_to_plain(text: str) -> str:
    """Fallback when Telegram still refuses the HTML: drop tags, decode entities."""
    return html.unescape(_TAG_RE.sub("", text))
