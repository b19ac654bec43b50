"""Behaviour of the Markdown → Telegram HTML renderer, checked through a tdlib-faithful parser.

Every assertion goes through ``parse_telegram_html`` (the fake Bot API's parser) so "valid"
means "Telegram would accept it", and lengths are what Telegram counts (UTF-16 units).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.telegram.render import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    html_to_plain,
    markdown_to_html,
    render_caption,
    render_messages,
    utf16_len,
)
from tests.fakes.telegram_html import finalize_text, parse_telegram_html
from tests.fakes.telegram_html import utf16_len as fake_utf16_len

Entity = dict[str, Any]

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def parse(html: str) -> tuple[str, list[Entity]]:
    return parse_telegram_html(html)


def entity_text(text: str, entity: Entity) -> str:
    """The characters an entity covers (offsets are UTF-16 units, as in the Bot API)."""
    units = text.encode("utf-16-le", "surrogatepass")
    start, end = entity["offset"] * 2, (entity["offset"] + entity["length"]) * 2
    return units[start:end].decode("utf-16-le", "surrogatepass")


def covered(html: str, kind: str) -> list[str]:
    text, entities = parse(html)
    return [entity_text(text, e) for e in entities if e["type"] == kind]


def visible(chunks: list[str]) -> str:
    return "".join(parse(chunk)[0] for chunk in chunks)


_FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def content_key(text: str) -> str:
    """Text without whitespace and invisible characters.

    Chunks are cut on whitespace (which is consumed) and Telegram trims whitespace and
    invisible characters (ZWJ, RTL marks, …) at a message's edges, so content is compared
    modulo those; ``test_invisible_marks_survive_inside_text`` covers them mid-text.
    """
    return "".join(
        ch for ch in text if not (ch.isspace() or ch in _FILLERS or unicodedata.category(ch) in ("Cc", "Cf"))
    )


def assert_sendable(chunks: list[str], limit: int) -> None:
    """What Telegram demands of each message: parses, fits, and is not empty."""
    for chunk in chunks:
        text, entities = parse(chunk)
        assert utf16_len(text) <= limit
        assert utf16_len(chunk) <= limit
        assert content_key(text), f"blank chunk {chunk!r}"
        assert finalize_text(text, entities, detect=False)[0]
        for entity in entities:
            if entity["type"] == "text_link":
                assert entity["url"].lower().startswith(("http://", "https://", "tg://"))


# --------------------------------------------------------------------------- formatting


def test_inline_markdown_becomes_telegram_entities() -> None:
    html = markdown_to_html(
        "Say **bold**, *italic*, ~~gone~~, `x < y` and [docs](https://example.com/a?b=1&c=2)."
    )
    text, entities = parse(html)
    assert text == "Say bold, italic, gone, x < y and docs."
    found = {(e["type"], entity_text(text, e)) for e in entities}
    assert found == {
        ("bold", "bold"),
        ("italic", "italic"),
        ("strikethrough", "gone"),
        ("code", "x < y"),
        ("text_link", "docs"),
    }
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://example.com/a?b=1&c=2"


def test_heading_renders_as_bold_line() -> None:
    html = markdown_to_html("## Muse *Spark*\n\nBody")
    text, _ = parse(html)
    assert text == "Muse Spark\n\nBody"
    assert covered(html, "bold") == ["Muse Spark"]
    assert covered(html, "italic") == ["Spark"]


def test_code_inside_bold_keeps_code_entity() -> None:
    html = markdown_to_html("**run `pip install` now**")
    assert parse(html)[0] == "run pip install now"
    assert covered(html, "code") == ["pip install"]


def test_fenced_code_block_becomes_pre_with_language() -> None:
    html = markdown_to_html("```python\nif a < b:\n    print('&')\n```")
    text, entities = parse(html)
    assert text == "if a < b:\n    print('&')"
    assert entities == [{"type": "pre", "offset": 0, "length": utf16_len(text), "language": "python"}]


def test_hostile_code_language_is_dropped() -> None:
    html = markdown_to_html('```py"><b>x\ncode\n```')
    text, entities = parse(html)
    assert text == "code"
    assert [e["type"] for e in entities] == ["pre"]
    assert "language" not in entities[0]


@pytest.mark.parametrize(
    "user_text",
    [
        "<script>alert('x')</script>",
        "a < b && c > d",
        '<a href="https://evil.example">click</a>',
        "&lt;not an entity&gt; &amp; &#65; &quot;",
        "<b>unclosed",
        "</pre>",
    ],
)
def test_user_html_shows_as_literal_text(user_text: str) -> None:
    text, entities = parse(markdown_to_html(user_text))
    assert entities == []
    # CommonMark decodes &entities; everything else must come through character for character.
    expected = user_text if "&lt;" not in user_text else '<not an entity> & A "'
    assert text == expected


@pytest.mark.parametrize(
    "markdown",
    [
        "[click](javascript:alert(1))",
        "[click](data:text/html,hi)",
        "[click](vbscript:x)",
        "<javascript:alert(1)>",
        "[mail](mailto:a@example.com)",
        "![pic](javascript:alert(1))",
    ],
)
def test_unsupported_link_schemes_are_not_links(markdown: str) -> None:
    html = markdown_to_html(markdown)
    _, entities = parse(html)
    assert not [e for e in entities if e["type"] == "text_link"]
    assert "href" not in html


def test_link_href_quotes_cannot_break_out_of_the_attribute() -> None:
    html = markdown_to_html('[x](<https://example.com/"onclick="y>)')
    text, entities = parse(html)
    assert text == "x"
    assert [e["type"] for e in entities] == ["text_link"]
    assert '"' not in entities[0]["url"].removeprefix("https://example.com/").replace("%22", "")


def test_image_becomes_its_alt_text_linked_to_the_source() -> None:
    html = markdown_to_html("![Muse diagram](https://example.com/d.png)")
    text, entities = parse(html)
    assert text == "Muse diagram"
    assert entities[0]["type"] == "text_link"
    assert entities[0]["url"] == "https://example.com/d.png"


def test_lists_get_bullets_numbers_and_indentation() -> None:
    text, _ = parse(markdown_to_html("- one\n- two\n  - deep\n\n3. three\n4. four"))
    assert text == "• one\n• two\n  • deep\n\n3. three\n4. four"


def test_blockquote_and_rule() -> None:
    html = markdown_to_html("> quoted **line**\n> > nested\n\n---\n\nafter")
    text, _ = parse(html)
    assert covered(html, "blockquote") == ["quoted line\n\nnested"]
    assert "—" * 5 in text
    assert text.endswith("after")


def test_table_renders_as_aligned_preformatted_block() -> None:
    html = markdown_to_html(
        "| Model | Score | Note |\n|:--|--:|---|\n| muse-spark | 9 | **best** |\n| x | 1234 | ok |"
    )
    text, entities = parse(html)
    assert entities == [{"type": "pre", "offset": 0, "length": utf16_len(text)}]
    lines = text.split("\n")
    assert lines[0].startswith("Model")
    assert "best" in lines[2] and "**" not in text
    bars = {tuple(m.start() for m in re.finditer(r"\|", line)) for line in lines if "|" in line}
    assert len(bars) == 1, f"columns not aligned:\n{text}"
    assert lines[2].split("|")[1].strip() == "9" and lines[2].split("|")[1].endswith("9 ")


def test_whitespace_only_answer_renders_to_nothing() -> None:
    assert render_messages(" \n\n\t \u200b\u200d ") == []
    assert render_caption("   ") == ""
    assert markdown_to_html("\n\n") == ""


def test_invisible_marks_survive_inside_text() -> None:
    family = "👨\u200d👩\u200d👧"
    text, _ = parse(render_messages(f"family {family} and \u200fעברית\u200f text")[0])
    assert text == f"family {family} and \u200fעברית\u200f text"


def test_lone_surrogates_do_not_produce_invalid_unicode() -> None:
    for chunk in render_messages("broken \ud83c emoji"):
        text, _ = parse(chunk)
        assert "\ufffd" in text
        chunk.encode("utf-8")


def test_html_to_plain_matches_what_telegram_shows() -> None:
    html = markdown_to_html("**a < b** & [link](https://e.com) `<i>`\n\n> q")
    assert html_to_plain(html) == parse(html)[0]


def test_utf16_len_agrees_with_telegram() -> None:
    for sample in ["", "abc", "🌍", "é", "👨\u200d👩\u200d👧", "日本"]:
        assert utf16_len(sample) == fake_utf16_len(sample)
    assert utf16_len("🌍") == 2


# --------------------------------------------------------------------------- splitting


def _paragraphs(count: int) -> list[str]:
    return [
        f"Paragraph {n} **about** Muse " + " ".join(f"word{n}x{k}" for k in range(40 + n % 37))
        for n in range(count)
    ]


def test_long_answer_splits_between_paragraphs() -> None:
    paragraphs = _paragraphs(25)
    markdown = "\n\n".join(paragraphs)
    assert len(markdown) > 10_000
    chunks = render_messages(markdown)
    assert len(chunks) >= 3
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    texts = [parse(chunk)[0] for chunk in chunks]
    for paragraph in paragraphs:
        shown = paragraph.replace("**", "")
        assert sum(shown in text for text in texts) == 1, f"paragraph broken: {shown[:30]}"
    assert content_key("".join(texts)) == content_key(markdown.replace("**", ""))


def test_chunks_are_filled_greedily() -> None:
    chunks = render_messages("\n\n".join(_paragraphs(25)))
    sizes = [utf16_len(chunk) for chunk in chunks]
    assert all(size > TELEGRAM_TEXT_LIMIT // 2 for size in sizes[:-1]), sizes


def test_long_code_block_stays_a_valid_pre_block_in_every_chunk() -> None:
    code_lines = [f"    value_{n} = compute({n}) if a < b else b & c  # step {n}" for n in range(300)]
    markdown = "Intro\n\n```python\n" + "\n".join(code_lines) + "\n```\n\nOutro"
    chunks = render_messages(markdown)
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    code_chunks = [c for c in chunks if "<pre>" in c]
    assert len(code_chunks) >= 3
    seen_lines: list[str] = []
    for chunk in code_chunks:
        text, entities = parse(chunk)
        pres = [e for e in entities if e["type"] == "pre"]
        assert len(pres) == 1 and pres[0]["language"] == "python"
        body = entity_text(text, pres[0])
        seen_lines.extend(body.split("\n"))
    assert seen_lines == code_lines, "code lines were cut or lost"
    assert parse(chunks[0])[0] == "Intro"
    assert parse(chunks[-1])[0].endswith("Outro")


def test_formatting_is_reopened_across_a_split() -> None:
    markdown = "**" + " ".join(["bold"] * 100) + "**"
    chunks = render_messages(markdown, limit=120)
    assert len(chunks) > 3
    assert_sendable(chunks, 120)
    for chunk in chunks:
        text, entities = parse(chunk)
        assert entities == [{"type": "bold", "offset": 0, "length": utf16_len(text)}]


def test_words_are_not_cut_when_lines_are_long() -> None:
    words = [f"w{n:04d}" for n in range(2000)]
    chunks = render_messages(" ".join(words))
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    assert [w for chunk in chunks for w in parse(chunk)[0].split()] == words


def test_unbreakable_text_is_hard_split() -> None:
    chunks = render_messages("x" * 9000)
    assert [utf16_len(parse(c)[0]) for c in chunks] == [4096, 4096, 808]


def test_emoji_are_counted_in_utf16_units() -> None:
    markdown = "🌍" * 3000  # 3000 code points but 6000 UTF-16 units: must not be one message
    chunks = render_messages(markdown)
    assert len(chunks) == 2
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    assert "".join(parse(c)[0] for c in chunks) == markdown


def test_escaping_counts_towards_the_limit() -> None:
    chunks = render_messages("<" * 5000)
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    assert all(utf16_len(chunk) <= TELEGRAM_TEXT_LIMIT for chunk in chunks)
    assert visible(chunks) == "<" * 5000


def test_huge_link_degrades_to_plain_text_instead_of_looping() -> None:
    markdown = "[see](https://example.com/" + "a" * 300 + ") and more"
    chunks = render_messages(markdown, limit=100)
    assert_sendable(chunks, 100)
    assert content_key(visible(chunks)) == "seeandmore"


def test_limit_below_minimum_is_rejected() -> None:
    with pytest.raises(ValueError):
        render_messages("hi", limit=3)


# --------------------------------------------------------------------------- captions


def test_short_caption_is_unchanged() -> None:
    assert render_caption("**Muse** chart") == "<b>Muse</b> chart"


def test_long_caption_is_truncated_with_ellipsis() -> None:
    caption = render_caption("**Intro** " + "lorem ipsum " * 300)
    text, entities = parse(caption)
    assert utf16_len(caption) <= TELEGRAM_CAPTION_LIMIT
    assert text.endswith("ipsum…") or text.endswith("lorem…")
    assert utf16_len(text) > TELEGRAM_CAPTION_LIMIT - 20, "caption should be filled"
    assert entities[0]["type"] == "bold"


def test_long_caption_of_code_keeps_pre_closed() -> None:
    caption = render_caption("```\n" + "line\n" * 500 + "```")
    text, entities = parse(caption)
    assert utf16_len(caption) <= TELEGRAM_CAPTION_LIMIT
    assert entities[0]["type"] == "pre" and text.endswith("…")


# --------------------------------------------------------------------------- properties

_SPECIALS = [
    *"*_[]()<>&#`~|!\\-+=.:\"'\n ",
    "**",
    "```",
    "\n\n",
    "# ",
    "- ",
    "1. ",
    "> ",
    "| a | b |\n|---|---|\n",
    "&amp;",
    "&#x1F30D;",
    "https://example.com",
    "javascript:",
    "<b>",
    "</pre>",
    "\u200d",
    "\u200f",
    "\u202e",
    "\ufeff",
    "🌍",
    "👨\u200d👩\u200d👧",
    "e\u0301",
]
_ANY_CHAR = st.characters(exclude_categories=["Cs"])
_PIECE = st.one_of(st.sampled_from(_SPECIALS), st.text(_ANY_CHAR, min_size=1, max_size=40))


def _long(parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    """Up to 10,000 chars cheaply: hypothesis can't draw that much entropy, so repeat a sample."""
    return st.builds(
        lambda chosen, times: ("".join(chosen) * times)[:10_000],
        parts,
        st.integers(min_value=1, max_value=2_000),
    )


ANY_MARKDOWN = st.one_of(
    st.text(_ANY_CHAR, max_size=10_000),
    st.lists(_PIECE, max_size=500).map("".join),
    _long(st.lists(_PIECE, min_size=1, max_size=40)),
)
# No Markdown/HTML syntax at all: letters, digits, marks, symbols (emoji), format chars, spaces.
_PLAIN_CHAR = st.one_of(
    st.characters(categories=("L", "M", "N", "So", "Zs", "Cf")),
    st.sampled_from(["\n", " ", "\u200d", "\u200f", "🌍"]),
)
PLAIN_TEXT = st.one_of(
    st.text(_PLAIN_CHAR, max_size=10_000),
    _long(st.lists(st.text(_PLAIN_CHAR, min_size=1, max_size=30), min_size=1, max_size=20)),
)


@PROPERTY_SETTINGS
@given(ANY_MARKDOWN)
def test_any_text_renders_to_sendable_messages(markdown: str) -> None:
    chunks = render_messages(markdown)
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    whole = markdown_to_html(markdown)
    assert content_key(visible(chunks)) == content_key(parse(whole)[0] if whole else "")


@PROPERTY_SETTINGS
@given(ANY_MARKDOWN, st.integers(min_value=16, max_value=400))
def test_any_text_splits_safely_at_small_limits(markdown: str, limit: int) -> None:
    chunks = render_messages(markdown[:3_000], limit=limit)
    assert_sendable(chunks, limit)


@PROPERTY_SETTINGS
@given(PLAIN_TEXT)
def test_plain_text_is_shown_exactly(markdown: str) -> None:
    chunks = render_messages(markdown)
    assert_sendable(chunks, TELEGRAM_TEXT_LIMIT)
    assert content_key(visible(chunks)) == content_key(markdown)
    assert all(not parse(chunk)[1] for chunk in chunks)


@PROPERTY_SETTINGS
@given(ANY_MARKDOWN)
def test_any_text_renders_to_a_valid_caption(markdown: str) -> None:
    caption = render_caption(markdown)
    if caption:
        assert_sendable([caption], TELEGRAM_CAPTION_LIMIT)
    else:
        assert render_messages(markdown) == []
