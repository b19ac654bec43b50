"""Telegram's HTML parse mode, re-implemented for the fake Bot API.

Why this exists: the bot formats answers with ``parse_mode="HTML"``.  A fake server that
accepted any string would let broken markup (an unescaped ``<``, a ``<div>``, a tag closed in the
wrong order) sail through the test suite and only explode in production.  This module follows
the algorithm of tdlib's ``do_parse_html`` (``td/telegram/MessageEntity.cpp``) closely: the same
tag whitelist, the same entity decoding rules, the same error texts with *byte* offsets, and
entity offsets/lengths counted in UTF-16 code units exactly like the Bot API reports them.

It also performs the two post-processing steps Telegram applies to every outgoing text
(``fix_formatted_text``): trimming surrounding whitespace and auto-detecting ``mention``,
``hashtag``, ``bot_command``, ``url`` and ``email`` entities.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "TelegramParseError",
    "detect_entities",
    "finalize_text",
    "parse_telegram_html",
    "sort_entities",
    "utf16_len",
]

_SPACE = " \t\r\n\v\f\0"

# Tags tdlib accepts at all; everything else is "Unsupported start tag".
_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

_SIMPLE_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}

# tdlib's get_type_priority(): used to order entities that share offset and length.
_TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


class TelegramParseError(ValueError):
    """Raised for markup Telegram would reject.

    ``detail`` is tdlib's own message (e.g. ``Unsupported start tag "div" at byte offset 0``);
    the Bot API turns it into ``Bad Request: can't parse entities: <detail>``.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"Can't parse entities: {detail}")


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units: the unit of every Bot API offset and limit."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(text: str, index: int) -> int:
    """tdlib reports error positions as UTF-8 byte offsets, not character indices."""
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _char_at(text: str, i: int) -> str:
    """Mimic tdlib's NUL-terminated ``CSlice``: reading past the end yields ``"\\0"``."""
    return text[i] if i < len(text) else "\0"


def _decode_html_entity(text: str, pos: int) -> tuple[int, int]:
    """Decode ``&...;`` at ``pos``; return (code point, new position) or (0, pos) if invalid.

    Mirrors tdlib: only ``lt gt amp quot`` plus decimal / ``&#x`` hex references; the
    trailing ``;`` is optional; invalid references stay literal text.
    """
    end = pos + 1
    res = 0
    if _char_at(text, end) == "#":
        end += 1
        if _char_at(text, end) == "x":
            end += 1
            while _char_at(text, end) in "0123456789abcdefABCDEF" and end < len(text):
                res = res * 16 + int(text[end], 16)
                end += 1
        else:
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                res = res * 10 + int(text[end])
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            return 0, pos
        res = ord(named[name])
    if _char_at(text, end) == ";":
        end += 1
    return res, end


def _check_url(url: str) -> str | None:
    """Rough stand-in for tdlib's check_url: invalid links are silently dropped by Telegram."""
    url = url.strip()
    if not url or any(c in url for c in ' \t\n<>"'):
        return None
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", url)
    if m is None:
        if not re.match(r"^[\w-]+(\.[\w-]+)+", url):
            return None
        url = "http://" + url
        m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", url)
        assert m is not None
    scheme = m.group(1).lower()
    rest = url[m.end() :]
    if scheme not in {"http", "https", "tg", "ftp", "tonsite"}:
        return None
    if scheme in {"http", "https", "ftp"}:
        host = re.split(r"[/?#]", rest, maxsplit=1)[0]
        if not host or ("." not in host.split("@")[-1] and host.split(":")[0] != "localhost"):
            return None
        if rest == host:  # Telegram normalises "https://example.com" to ".../"
            url += "/"
    return url


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order like tdlib's sort_entities: offset asc, length desc, then type priority."""
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _TYPE_PRIORITY.get(e["type"], 50)),
    )


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into (plain text, Bot API entity dicts).

    Raises :class:`TelegramParseError` with tdlib's message for anything Telegram rejects.
    No trimming or auto-detection happens here; see :func:`finalize_text` for that.
    """
    result: list[str] = []
    entities: list[dict[str, Any]] = []
    utf16_offset = 0
    # (tag_name, argument, entity utf16 offset, index into ``result`` where it began)
    nested: list[tuple[str, str, int, int]] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            ch, new_i = _decode_html_entity(text, i)
            if ch != 0:
                result.append(chr(ch))
                utf16_offset += 2 if ch > 0xFFFF else 1
                i = new_i
                continue
        if c != "<":
            result.append(c)
            utf16_offset += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if _char_at(text, i) != "/":
            # ---- start tag ----
            while _char_at(text, i) not in _SPACE and _char_at(text, i) != ">":
                i += 1
            if i >= n:
                raise TelegramParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag_name = text[begin + 1 : i].lower()
            if tag_name not in _SUPPORTED_TAGS:
                raise TelegramParseError(
                    f'Unsupported start tag "{tag_name}" at byte offset {_byte_offset(text, begin)}'
                )
            argument = ""
            while _char_at(text, i) != ">":
                while i < n and text[i] in _SPACE:
                    i += 1
                if _char_at(text, i) == ">":
                    break
                attr_begin = i
                while _char_at(text, i) not in _SPACE and _char_at(text, i) not in "=>":
                    i += 1
                attr_name = text[attr_begin:i]
                if not attr_name:
                    raise TelegramParseError(
                        f'Empty attribute name in the tag "{tag_name}" at byte offset '
                        f"{_byte_offset(text, begin)}"
                    )
                while i < n and text[i] in _SPACE:
                    i += 1
                if _char_at(text, i) != "=":
                    if tag_name == "blockquote" and attr_name == "expandable":
                        argument = "1"
                        continue
                    raise TelegramParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag_name}" at byte offset {_byte_offset(text, begin)}'
                    )
                i += 1
                while i < n and text[i] in _SPACE:
                    i += 1
                if i >= n:
                    raise TelegramParseError(
                        f'Unclosed start tag "{tag_name}" at byte offset {_byte_offset(text, begin)}'
                    )
                value_chars: list[str] = []
                if text[i] not in "'\"":
                    token_begin = i
                    while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if _char_at(text, i) not in _SPACE and _char_at(text, i) != ">":
                        raise TelegramParseError(
                            f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}"
                        )
                else:
                    quote = text[i]
                    i += 1
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            ch, new_i = _decode_html_entity(text, i)
                            if ch != 0:
                                value_chars.append(chr(ch))
                                i = new_i
                                continue
                        value_chars.append(text[i])
                        i += 1
                    if i < n and text[i] == quote:
                        i += 1
                    value = "".join(value_chars)
                if i >= n:
                    raise TelegramParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                if tag_name == "a" and attr_name == "href":
                    argument = value
                elif tag_name == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag_name == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag_name == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
                elif tag_name == "blockquote" and attr_name == "expandable":
                    argument = "1"
            if tag_name == "span" and argument != "spoiler":
                raise TelegramParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
                )
            nested.append((tag_name, argument, utf16_offset, len(result)))
            i += 1  # skip '>'
            continue

        # ---- end tag ----
        if not nested:
            raise TelegramParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        while _char_at(text, i) not in _SPACE and _char_at(text, i) != ">":
            i += 1
        end_tag_name = text[begin + 2 : i]
        while i < n and text[i] in _SPACE:
            i += 1
        if _char_at(text, i) != ">":
            raise TelegramParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        tag_name, argument, entity_offset, begin_index = nested[-1]
        if end_tag_name and end_tag_name != tag_name:
            raise TelegramParseError(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{tag_name}>", found "</{end_tag_name}>"'
            )
        length = utf16_offset - entity_offset
        if length > 0:
            _close_entity(entities, tag_name, argument, entity_offset, length, result, begin_index)
        nested.pop()
        i += 1  # skip '>'

    if nested:
        raise TelegramParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    plain = "".join(result)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in plain):
        raise TelegramParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    return plain, sort_entities(entities)


def _close_entity(
    entities: list[dict[str, Any]],
    tag_name: str,
    argument: str,
    offset: int,
    length: int,
    result: list[str],
    begin_index: int,
) -> None:
    """Turn a closed tag into its Bot API entity (tdlib's end-tag branch)."""
    if tag_name in _SIMPLE_TAG_TYPES or (tag_name == "span" and argument == "spoiler"):
        entities.append(
            {"type": _SIMPLE_TAG_TYPES.get(tag_name, "spoiler"), "offset": offset, "length": length}
        )
    elif tag_name == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise TelegramParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument}
        )
    elif tag_name == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag_name == "a":
        url = argument or "".join(result[begin_index:])
        m = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
        if m:
            entities.append(
                {
                    "type": "text_mention",
                    "offset": offset,
                    "length": length,
                    "user": {"id": int(m.group(1)), "is_bot": False, "first_name": ""},
                }
            )
            return
        checked = _check_url(url)
        if checked is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": checked})
    elif tag_name == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and last.get("language")
        ):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag_name == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and last["offset"] == offset
            and last["length"] == length
            and argument
        ):
            last["language"] = argument
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument
            entities.append(entity)


# --------------------------------------------------------------------------------------------
# Post-processing Telegram applies to every message text (tdlib fix_formatted_text).
# --------------------------------------------------------------------------------------------

_AUTO_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("url", re.compile(r"(?<![\w@/.])(?:https?://|tg://|www\.)[^\s<>\"]+", re.IGNORECASE)),
    (
        "email",
        re.compile(
            r"(?<![\w.+-])[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
            r"\.[A-Za-z]{2,}(?![\w@])"
        ),
    ),
    (
        "bot_command",
        re.compile(
            r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?"
            r"(?![\w/<>])"
        ),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#\w{0,255}[^\W\d]\w*")),
    ("cashtag", re.compile(r"(?<![\w$])\$[A-Z]{3,8}(?![\w$])")),
]

# Entities whose content Telegram never scans for auto-detected entities.
_OPAQUE_TYPES = frozenset({"code", "pre", "text_link", "url", "email", "custom_emoji"})


def _utf16_index_map(text: str) -> list[int]:
    """Prefix table: character index -> UTF-16 offset (length len(text)+1)."""
    out = [0]
    for ch in text:
        out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return out


def detect_entities(text: str, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Find the entities Telegram auto-detects in plain text.

    Approximation of tdlib's matchers: ``mention`` (5-32 chars), ``hashtag``, ``cashtag``,
    ``bot_command`` (optionally ``@botname``), ``url`` with an explicit scheme or ``www.``,
    and ``email``.  Matches inside code/pre/link entities in ``existing`` are skipped, as
    are matches overlapping an earlier match.
    """
    index = _utf16_index_map(text)
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in (existing or []) if e["type"] in _OPAQUE_TYPES
    ]
    found: list[dict[str, Any]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if kind == "url":
                while end > start and text[end - 1] in ".,;:!?)'\"]}":
                    end -= 1
            lo, hi = index[start], index[end]
            if hi <= lo or any(lo < b and a < hi for a, b in taken):
                continue
            taken.append((lo, hi))
            found.append({"type": kind, "offset": lo, "length": hi - lo})
    return sorted(found, key=lambda e: e["offset"])  # Telegram lists entities in text order


def finalize_text(
    text: str, entities: list[dict[str, Any]], *, detect: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace (shifting/clipping entities) and add auto-detected ones.

    Telegram does both for every sent or edited text and caption, so a bot that sends
    ``"hi\\n"`` gets back a message whose text is ``"hi"``.
    """
    stripped_left = text.lstrip(_SPACE)
    lead = utf16_len(text) - utf16_len(stripped_left)
    plain = stripped_left.rstrip(_SPACE)
    total = utf16_len(plain)
    fixed: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    if detect:
        fixed.extend(detect_entities(plain, fixed))
    return plain, sort_entities(fixed)
