"""Which language a question is answered in: the asker's, even in short, mixed chat messages."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.answering.language import detect, packs
from bot.answering.words import normalize


def _vocabulary(code: str) -> set[str]:
    pack = packs()[code]
    words = set(pack.stopwords) | set(pack.cues)
    for phrases in pack.concepts.values():
        words |= {w for phrase in phrases for w in phrase.split()}
    return {normalize(w) for w in words}


@pytest.mark.parametrize("code", sorted(packs()))
def test_a_cue_word_belongs_to_one_language_only(code: str) -> None:
    cues = {normalize(w) for w in packs()[code].cues}
    for other in packs():
        if other != code:
            assert not cues & _vocabulary(other), (code, other, sorted(cues & _vocabulary(other)))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("cuanto saco muse spark en HLE y en ARC-AGI-2", "es"),
        ("quem fez o muse spark e quando saiu", "pt"),
        ("kapan muse spark dirilis dan siapa yang bikin", "id"),
        ("muse spark kya hai bhai, kisne banaya", "hi"),
        ("म्यूज़ स्पार्क किसने बनाया", "hi"),
        ("when did muse spark come out and who built it", "en"),
    ],
)
def test_a_question_is_read_in_the_language_it_is_typed_in(text: str, language: str) -> None:
    assert detect(text, names=("muse", "spark", "hle", "arc", "agi")).language == language


def test_a_bare_benchmark_name_keeps_the_conversation_language() -> None:
    assert detect("hle?", names=("hle",), previous="pt").language == "pt"
    assert detect("e o gpt 5.4?", names=("gpt",), previous="pt").language == "pt"


@pytest.mark.parametrize(
    "text", ["whats spark's swe-bench verified score yaar", "whats the hle score bhai", "is it free yaar"]
)
def test_one_hindi_word_in_an_english_question_keeps_it_english(text: str, engine: Engine) -> None:
    assert engine.parser.parse(text).language == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("scale ai kitne me kharida meta ne", "hi"),
        ("vai ter no whatsapp ne", "pt"),
        ("o spark é bom, ne?", "pt"),
    ],
)
def test_hindi_ne_and_portuguese_ne_each_keep_their_language(
    engine: Engine, text: str, language: str
) -> None:
    assert engine.parser.parse(text).language == language


def test_the_clients_language_decides_when_the_text_cannot() -> None:
    assert detect("gpt 5.4?", names=("gpt",), hint="pt-br").language == "pt"
    assert detect("gpt 5.4?", names=("gpt",), hint="es-419").language == "es"
    assert detect("gpt 5.4?", names=("gpt",), hint="fr").language == "en"


def test_a_clear_switch_of_language_is_followed() -> None:
    assert detect("and what about its release date", previous="es").language == "en"


@pytest.mark.parametrize(
    "text", ["[a](http://evil) hle", "check https://example.com/a/o/que hle", "@todos_os_membros hle score"]
)
def test_a_pasted_link_or_handle_does_not_change_the_language(text: str) -> None:
    """A link's path ("/a/o/que") or an @handle holds words of no language the asker speaks."""
    assert detect(text, hint="en").language == "en"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ('leí "Muse Spark is the best model for health questions", es verdad?', "es"),
        ('vi no twitter: "Muse Spark scored 76.5 on ARC-AGI 2". isso procede?', "pt"),
    ],
)
def test_a_quotation_in_another_language_does_not_decide_the_reply(
    engine: Engine, question: str, language: str
) -> None:
    assert engine.lookup(question, language_hint="en").language == language


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("como funciona o modo contemplating", "pt"),
        ("whats spark's hallucination rate", "en"),
        ("e o gemini?", "en"),
    ],
)
def test_a_phone_set_to_english_does_not_outweigh_a_message_that_is_hardly_english(
    engine: Engine, question: str, language: str
) -> None:
    """Four words or more that English hardly knows are read in their own language; fewer,
    or English words, keep the phone's."""
    assert engine.lookup(question, language_hint="en").language == language
