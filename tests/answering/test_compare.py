"""`/compare` as a user sees it: the table, the names it understands, and what it says when not."""

from __future__ import annotations

import re

import pytest

from bot.answering.answer import Answer
from bot.answering.engine import Engine
from bot.knowledge import KnowledgeBase

PHONE_WIDTH = 34


def _block(answer: Answer) -> list[str]:
    """The lines of the monospace block (between the ``` fences)."""
    found = re.search(r"```\n(.*?)\n```", answer.text, re.DOTALL)
    assert found, f"no monospace table in:\n{answer.text}"
    return found.group(1).splitlines()


def _row(lines: list[str], label: str) -> list[str]:
    row = next((line for line in lines if line.startswith(label)), None)
    assert row is not None, f"no row {label!r} in:\n" + "\n".join(lines)
    return re.split(r"\s{2,}", row[len(label) :].strip())


@pytest.fixture(scope="module")
def spark_vs_gpt(engine: Engine) -> Answer:
    return engine.compare(["muse-spark", "gpt-5.4"])


def test_table_has_every_benchmark_where_either_model_has_a_figure(
    spark_vs_gpt: Answer, kb: KnowledgeBase
) -> None:
    assert spark_vs_gpt.route == "compare"
    lines = _block(spark_vs_gpt)
    expected = [
        b.label for b in kb.benchmarks.values() if b.score_for("muse-spark") or b.score_for("gpt-5.4")
    ]
    assert len(expected) == 6
    labels = [line.split("  ")[0] for line in lines[1:]]
    assert labels == expected
    assert lines[0].split() == ["Spark", "GPT-5.4"]


def test_table_marks_the_leader_of_each_benchmark(spark_vs_gpt: Answer) -> None:
    lines = _block(spark_vs_gpt)
    assert _row(lines, "HealthBench") == ["42.8*", "40.1"]
    assert _row(lines, "TermBench 2.0") == ["59.0", "75.1*"]
    assert _row(lines, "AA Index v4.0") == ["52", "57*"]
    assert _row(lines, "ARC-AGI 2")[1] == "76.1*"
    assert "* leads among these" in spark_vs_gpt.text


def test_table_shows_a_dash_where_the_source_gives_no_figure(spark_vs_gpt: Answer) -> None:
    lines = _block(spark_vs_gpt)
    assert _row(lines, "HLE") == ["50.2 C", "—"]
    assert _row(lines, "Vision rank") == ["#2", "—"]
    assert "— no figure in the source" in spark_vs_gpt.text


def test_a_lone_figure_is_not_marked_as_leading(spark_vs_gpt: Answer) -> None:
    """Spark "leads" HLE here only because GPT-5.4 has no figure: no star for that."""
    assert "*" not in _row(_block(spark_vs_gpt), "HLE")[0]


def test_table_notes_the_mode_of_each_figure(spark_vs_gpt: Answer) -> None:
    lines = _block(spark_vs_gpt)
    assert _row(lines, "HLE")[0] == "50.2 C"
    assert _row(lines, "ARC-AGI 2")[0] == "42.5 T"
    assert "C = Contemplating mode" in spark_vs_gpt.text
    assert "T = Thinking mode" in spark_vs_gpt.text


def test_table_fits_a_phone(engine: Engine) -> None:
    for pair in (["spark", "gpt 5.4"], ["spark", "gemini"], ["opus", "deep think"], ["gpt", "gpt pro"]):
        lines = _block(engine.compare(pair))
        assert max(len(line) for line in lines) <= PHONE_WIDTH, (pair, lines)


def test_table_lists_its_source_with_date(spark_vs_gpt: Answer) -> None:
    assert spark_vs_gpt.sources and spark_vs_gpt.sources[0].as_of == "2026-04-08"
    assert "as of Apr 8, 2026" in spark_vs_gpt.markdown()


@pytest.mark.parametrize(
    ("names", "subject"),
    [
        (["spark", "gpt 5.4"], "muse-spark,gpt-5.4"),
        (["Muse Spark", "GPT-5.4"], "muse-spark,gpt-5.4"),
        (["SPARK", "gpt5.4"], "muse-spark,gpt-5.4"),
        (["opus", "deep think"], "claude-opus-4.6,gemini-3.1-deep-think"),
        (["muse", "chatgpt"], "muse-spark,gpt-5.4"),
        (["claude opus 4.6", "Gemini 3.1 Pro"], "claude-opus-4.6,gemini-3.1-pro"),
    ],
)
def test_aliases_resolve(engine: Engine, names: list[str], subject: str) -> None:
    answer = engine.compare(names)
    assert answer.route == "compare", answer.text
    assert answer.subject == subject


@pytest.mark.parametrize(("typo", "meant"), [("muse sprak", "muse-spark"), ("claud", "claude-opus-4.6")])
def test_a_close_typo_resolves(engine: Engine, typo: str, meant: str) -> None:
    answer = engine.compare(["gpt 5.4", typo])
    assert answer.route == "compare", answer.text
    assert answer.subject == f"gpt-5.4,{meant}"


@pytest.mark.parametrize(("typo", "meant"), [("gpt-6", "GPT-5.4"), ("lama", "Llama 4 Maverick")])
def test_a_far_typo_gets_a_did_you_mean(engine: Engine, typo: str, meant: str) -> None:
    answer = engine.compare(["muse spark", typo])
    assert answer.route == "fallback"
    assert f"did you mean {meant}" in answer.text
    assert "Vision" not in answer.text.split("Known models")[0], "suggests models, not benchmarks"


def test_variants_are_separate_columns(engine: Engine) -> None:
    answer = engine.compare(["gpt-5.4", "gpt-5.4 pro"])
    lines = _block(answer)
    assert lines[0].split() == ["GPT-5.4", "GPT", "Pro"]
    assert _row(lines, "HLE") == ["—", "43.9"]
    assert _row(lines, "HealthBench") == ["40.1", "—"]


def test_variants_are_separate_items_in_a_long_comparison(engine: Engine) -> None:
    answer = engine.compare(["spark", "gpt 5.4", "gpt 5.4 pro", "gemini", "deep think"])
    assert answer.route == "compare"
    hle = answer.text.split("**Humanity's Last Exam (No Tools)**")[1].split("\n\n")[0]
    assert "· GPT-5.4: —" in hle and "· GPT-5.4 Pro: 43.9" in hle
    assert "· Gemini 3.1 Pro: —" in hle and "· Gemini 3.1 Deep Think: 48.4" in hle
    assert "★ Muse Spark: 50.2" in hle


def test_long_comparison_explains_its_mode_letters(engine: Engine) -> None:
    answer = engine.compare(["spark", "gpt 5.4", "gemini"])
    assert "42.5 (Thinking)" in answer.text
    assert "50.2 (Contemplating)" in answer.text


def test_benchmark_ranking_is_best_first(engine: Engine) -> None:
    answer = engine.compare(["hle"])
    assert answer.route == "compare"
    places = re.findall(r"^\d+\. (.+?) — \*\*([\d.]+)\*\*$", answer.text, re.MULTILINE)
    assert places == [
        ("Muse Spark (Contemplating)", "50.2"),
        ("Gemini 3.1 Deep Think", "48.4"),
        ("GPT-5.4 Pro", "43.9"),
    ]


def test_a_placing_ranking_is_ordered_best_first_and_says_so(engine: Engine) -> None:
    answer = engine.compare(["vision benchmarks"])
    assert "#1 is best" in answer.text and "lower is better" not in answer.text
    assert answer.text.index("Gemini 3.1 Pro Preview — **#1**") < answer.text.index("Muse Spark — **#2**")


@pytest.mark.parametrize("name", ["HLE", "humanity's last exam", "arc agi 2", "healthbench"])
def test_benchmark_aliases_rank(engine: Engine, name: str) -> None:
    answer = engine.compare([name])
    assert answer.route == "compare" and "1. " in answer.text and "2. " in answer.text


def test_unknown_model_says_so_suggests_and_lists_known_models(engine: Engine, kb: KnowledgeBase) -> None:
    answer = engine.compare(["spark", "claude 5"])
    assert answer.route == "fallback"
    assert "unknown model 'claude 5'" in answer.text.lower()
    assert "did you mean Claude Opus 4.6" in answer.text
    for model in kb.models.values():
        assert model.name in answer.text


def test_a_name_like_nothing_gets_no_wild_guess(engine: Engine) -> None:
    answer = engine.compare(["spark", "x"])
    assert "Unknown model 'x'." in answer.text
    assert "did you mean" not in answer.text


def test_unknown_version_suggests_the_nearest_model(engine: Engine) -> None:
    answer = engine.compare(["spark", "gpt 5.5"])
    assert "unknown model 'gpt 5.5'" in answer.text.lower()
    assert "did you mean GPT-5.4" in answer.text


def test_one_model_only_explains_usage(engine: Engine) -> None:
    for names in (["spark"], ["spark", "muse spark"], []):
        answer = engine.compare(names)
        assert answer.route == "fallback"
        assert "Usage: `/compare MODEL MODEL" in answer.text
        assert "`muse-spark`" in answer.text and "`hle`" in answer.text


def test_a_benchmark_in_a_model_list_gets_a_helpful_message(engine: Engine) -> None:
    answer = engine.compare(["spark", "hle"])
    assert answer.route == "fallback"
    assert "'hle' is a benchmark" in answer.text
    assert "`/compare hle`" in answer.text


def test_very_long_unknown_name_is_clipped_in_the_reply(engine: Engine) -> None:
    answer = engine.compare(["spark", "z" * 5000])
    assert answer.route == "fallback"
    assert len(answer.text) < 1000


async def test_slash_command_gives_the_same_table(engine: Engine, spark_vs_gpt: Answer) -> None:
    from bot import commands
    from bot.conversation import Asker, Conversation
    from bot.state.store import Store

    conversation = Conversation(engine, Store(":memory:"))
    reply = await commands.run(conversation, "compare", ["muse-spark", "gpt-5.4"], Asker(chat_id=1))
    assert reply is not None and reply.answer.text == spark_vs_gpt.text


@pytest.mark.parametrize(
    "words",
    [
        "muse spark vs gemini 3.1 pro",
        "spark, gemini",
        "muse spark and gemini 3.1 pro",
        "spark e gemini",
        "muse spark gemini 3.1 pro",
    ],
)
def test_names_are_read_however_people_separate_them(engine: Engine, words: str) -> None:
    answer = engine.compare(words.split())
    assert answer.route == "compare" and answer.subject == "muse-spark,gemini-3.1-pro", answer.text


def test_every_name_that_is_no_model_is_reported_as_typed(engine: Engine) -> None:
    text = engine.compare(["gpt-6", "vs", "spark", "vs", "grok"]).text
    assert "'gpt-6'" in text and "'grok'" in text and "Known models" in text
    text = engine.compare(["opus", "llama"]).text
    assert "'llama'" in text and "Llama 4 Maverick" in text, "a near name is suggested"
    assert "did you mean" not in engine.compare(["foo"]).text, "nothing far-fetched is suggested"


def test_a_comparison_is_in_the_readers_language(engine: Engine) -> None:
    from bot.i18n import speaker

    table = engine.compare(["spark", "gpt"], speaker("es")).text
    assert "42,8" in table and "sin cifra en la fuente" in table and "lidera" in table
    ranking = engine.compare(["hle"], speaker("pt")).text
    assert "50,2" in ranking and "quanto maior, melhor" in ranking
    assert "¿Quisiste decir" in engine.compare(["spark", "gpt-6"], speaker("es")).text
