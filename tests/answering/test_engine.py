"""The engine as someone chatting with the bot meets it: figures first, follow-ups, unknowns,
off-topic questions and whatever else gets typed."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering.answer import Answer, Turn
from bot.answering.engine import Engine
from tests.eval.figures import invented, source_figures

ROUTES = {"knowledge", "compare", "llm", "fallback"}
SHORT = 600


def _ask(engine: Engine, question: str, *history: str) -> Answer:
    return engine.lookup(question, [Turn("user", h) for h in history])


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]


# ------------------------------------------------------------------------------- figures first


def test_score_question_answers_with_the_figure_first(engine: Engine) -> None:
    answer = _ask(engine, "what did muse spark score on helthbench hard")
    assert answer.route == "knowledge"
    assert "42.8" in _first_sentence(answer.text)
    assert answer.text.index("42.8") < 40
    assert [(s.id, s.as_of) for s in answer.sources] == [("seed-article", "2026-04-08")]
    assert "_Source: " in answer.markdown() and "(as of Apr 8, 2026)" in answer.markdown()


@pytest.mark.parametrize(
    "question",
    [
        "What did Muse Spark score on HealthBench Hard?",
        "WHAT DID MUSE SPARK SCORE ON HEALTHBENCH HARD",
        "muse spark healthbench hard score",
        "what did muse spark scor on healthbnch hard",
        "muse-spark   health bench!!!",
        "spark's healthbench result",
    ],
)
def test_spelling_case_and_punctuation_do_not_change_the_figure(engine: Engine, question: str) -> None:
    answer = _ask(engine, question)
    assert answer.route == "knowledge"
    assert "42.8" in _first_sentence(answer.text)


@pytest.mark.parametrize(
    ("question", "figure", "others"),
    [
        ("muse spark hle score", "50.2", ["48.4", "43.9"]),
        ("gpt 5.4 terminal bench", "75.1", ["68.5", "59.0"]),
        ("arc-agi-2 score gemini 3.1 pro", "76.5", ["76.1", "42.5"]),
        ("aa index claude opus 4.6", "53", ["57", "52"]),
    ],
)
def test_score_answer_puts_the_figure_in_context(
    engine: Engine, question: str, figure: str, others: list[str]
) -> None:
    text = _ask(engine, question).text
    assert figure in _first_sentence(text)
    assert all(o in text for o in others)


def test_figure_for_a_model_the_source_does_not_score_is_not_made_up(engine: Engine) -> None:
    answer = _ask(engine, "what did claude opus 4.6 score on healthbench hard")
    assert answer.route == "knowledge"
    assert "doesn't give a HealthBench Hard figure for Claude Opus 4.6" in answer.text
    assert not invented(answer.text, "", source_figures())


def test_mode_is_said_with_the_figure(engine: Engine) -> None:
    assert "Contemplating mode" in _first_sentence(_ask(engine, "muse spark hle score").text)
    assert "Thinking mode" in _first_sentence(_ask(engine, "muse spark arc agi 2").text)


# --------------------------------------------------------------------------------- follow-ups


def test_follow_up_model_borrows_the_benchmark(engine: Engine) -> None:
    answer = _ask(engine, "and gemini?", "what did muse spark score on healthbench hard")
    assert answer.route in {"knowledge", "compare"}
    assert "20.6" in _first_sentence(answer.text)
    assert "Gemini 3.1 Pro" in answer.text


def test_follow_up_benchmark_borrows_the_model(engine: Engine) -> None:
    answer = _ask(engine, "and in health?", "how does muse spark do on terminal bench")
    assert "42.8" in _first_sentence(answer.text)


def test_follow_up_without_history_does_not_guess(engine: Engine) -> None:
    answer = _ask(engine, "and gemini?")
    assert "20.6" not in answer.text


def test_follow_up_uses_the_latest_question(engine: Engine) -> None:
    history = ("what did muse spark score on healthbench hard", "muse spark terminal bench 2.0 score")
    answer = _ask(engine, "and gemini?", *history)
    assert "68.5" in _first_sentence(answer.text)


def test_mode_follow_up_after_hle(engine: Engine) -> None:
    answer = _ask(engine, "what mode was that in", "whats the hle score for muse spark")
    assert answer.route == "knowledge"
    assert "Contemplating" in answer.text


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        ("muse spark arc agi 2 score", "Thinking"),
        ("what did muse spark score on healthbench hard", "doesn't say which mode"),
    ],
    ids=["arc-thinking", "healthbench-no-mode"],
)
def test_mode_follow_up_answers_about_the_previous_figure(
    engine: Engine, previous: str, expected: str
) -> None:
    assert expected in _ask(engine, "what mode was that in", previous).text


@pytest.mark.parametrize("reply", ["ok", "sure", "really?", "2", "really good"])
def test_short_reply_after_a_score_question_does_not_crash(engine: Engine, reply: str) -> None:
    answer = _ask(engine, reply, "muse spark hle score")
    assert answer.route in ROUTES and answer.text


# ----------------------------------------------------------------------------------- unknowns


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("how many parameters does muse spark have", "parameter-count"),
        ("muse spark mmlu score", "other-benchmarks"),
        ("whats the context window of muse spark", "context-window"),
        ("how much does muse spark cost per million tokens", "api-pricing"),
    ],
)
def test_unknowns_say_the_source_does_not_give_it(engine: Engine, question: str, subject: str) -> None:
    answer = _ask(engine, question)
    assert answer.route == "knowledge"
    assert answer.subject == subject
    assert re.search(r"source (doesn't|does not) (give|report)|source gives no", answer.text), answer.text
    assert not invented(answer.text, question, source_figures())
    assert answer.sources


@pytest.mark.parametrize(
    "question", ["grok 4 hle", "what did deepseek score on arc agi 2", "llama 5 healthbench"]
)
def test_a_figure_for_a_model_the_source_lacks_is_not_muse_sparks(engine: Engine, question: str) -> None:
    answer = _ask(engine, question)
    assert "doesn't cover that model" in answer.text, answer.text
    assert not answer.text.startswith("No"), "a version number is no claimed figure"
    assert not re.search(r"\b(50\.2|42\.5|42\.8)\b", answer.text)


# --------------------------------------------------------------------------- off-topic / odd input


@pytest.mark.parametrize(
    "question",
    ["whats the weather in london tomorrow", "give me a recipe for banana bread", "bitcoin price today"],
)
def test_off_topic_gets_the_friendly_fallback(engine: Engine, question: str) -> None:
    answer = _ask(engine, question)
    assert answer.route == "fallback"
    assert "outside what I know" in answer.text
    assert "Muse Spark" in answer.text and "/compare" in answer.text
    assert not answer.sources


def test_greeting_is_greeted(engine: Engine) -> None:
    answer = _ask(engine, "hi")
    assert answer.route == "fallback" and answer.text.startswith("Hi!")


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n\t ",
        "?!?!...",
        "🙂🚀🔥",
        "a" * 10_000,
        "muse spark " * 1_000,
        "healthbench " + "x" * 10_000,
        "\x00\x1b[31m",
        '" OR 1=1 -- NEAR(spark) *',
        "```/compare``` **bold** _it_ [link](http://x)",
        "مرحبا ما هو muse spark",
    ],
    ids=[
        "empty",
        "whitespace",
        "punctuation",
        "emoji",
        "10k-letters",
        "repeated-name",
        "benchmark-then-10k",
        "control-chars",
        "fts-syntax",
        "markdown",
        "rtl",
    ],
)
def test_odd_input_never_raises(engine: Engine, question: str) -> None:
    answer = _ask(engine, question)
    assert answer.route in {"knowledge", "compare", "fallback"}
    assert answer.text.strip()


@pytest.mark.parametrize("question", ["", "   ", "?!?!...", "🙂🚀🔥"])
def test_nothing_to_read_gets_the_greeting(engine: Engine, question: str) -> None:
    answer = _ask(engine, question)
    assert answer.route == "fallback" and answer.text.startswith("Hi!")


_WORDS = st.sampled_from(
    [
        "spark",
        "muse",
        "gpt",
        "5.4",
        "pro",
        "gemini",
        "deep",
        "think",
        "claude",
        "opus",
        "hle",
        "healthbench",
        "arc",
        "agi",
        "2",
        "terminal",
        "bench",
        "aa",
        "index",
        "vision",
        "compare",
        "vs",
        "rank",
        "all",
        "models",
        "mode",
        "which",
        "what",
        "and",
        "?",
        "price",
        "params",
        "0",
        "1",
        "ok",
    ]
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(
    question=st.one_of(st.text(max_size=200), st.lists(_WORDS, max_size=10).map(" ".join)),
    history=st.lists(st.lists(_WORDS, min_size=1, max_size=8).map(" ".join), max_size=2),
)
def test_any_question_with_any_history_gets_an_answer(
    engine: Engine, question: str, history: list[str]
) -> None:
    answer = _ask(engine, question, *history)
    assert answer.route in ROUTES and answer.text.strip()


# ------------------------------------------------------------------------------------- length


def test_knowledge_answers_are_short(engine: Engine) -> None:
    """One question, one short answer; a question in several parts gets one short answer per
    part, still within two phone screens."""
    from bot.answering.composition import PARTS_BUDGET
    from tests.eval.harness import load_items

    long = []
    for item in load_items():
        answer = _ask(engine, item.q, *item.history)
        several = answer.subject.count(",") > 0 and "\n\n" in answer.text
        if answer.route == "knowledge" and len(answer.text) > (PARTS_BUDGET if several else SHORT):
            long.append(f"{item.id}: {len(answer.text)} chars")
    assert not long


def test_a_new_short_topic_is_not_read_as_a_follow_up(engine: Engine) -> None:
    answer = _ask(engine, "should i learn rust or go first?", "what did muse spark score on hle")
    assert answer.route == "fallback"
    assert "50.2" not in answer.text


@pytest.mark.parametrize(
    "question",
    ["when was muse spark released", "who built muse spark", "is muse spark open source"],
)
def test_a_new_question_naming_a_model_is_not_the_previous_benchmark(engine: Engine, question: str) -> None:
    answer = _ask(engine, question, "what did muse spark score on hle")
    assert "50.2" not in answer.text, answer.text


def test_a_question_about_a_mode_after_a_score_is_a_new_question(engine: Engine) -> None:
    answer = _ask(engine, "what is contemplating mode", "how did muse spark do on terminal bench")
    assert answer.subject == "contemplating-mode", answer.text


# --------------------------------------------------------------------------- other versions


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("gpt 5 hle score", "gpt 5"),
        ("how does opus 4.5 compare with muse spark", "opus 4.5"),
        ("muse spark 2 hle score", "muse spark 2"),
        ("gemini 2.5 arc agi 2?", "gemini 2.5"),
    ],
)
def test_another_version_of_a_known_model_gets_no_figures_of_this_one(
    engine: Engine, question: str, named: str
) -> None:
    answer = _ask(engine, question)
    assert named in answer.text.lower()
    assert not re.search(r"\d\d\.\d", answer.text), answer.text  # no benchmark figure at all


def test_a_cuando_question_about_this_model_is_not_the_next_models_unknown(engine: Engine) -> None:
    assert "2026" in _ask(engine, "cuando salio muse spark").text
    assert "2026" not in _ask(engine, "cuando sale muse spark 2").text


def test_in_a_multi_part_question_each_part_gets_its_own_answer(engine: Engine) -> None:
    text = _ask(engine, "cuando salio, quien lo hizo y es abierto o cerrado?").text
    assert "2026" in text and "Superintelligence Labs" in text and "cerrado" in text


@pytest.mark.parametrize(
    ("question", "correction"),
    [
        ("o gemini 3.1 pro fez 40,1 no healthbench hard ne", "Não"),
        ("spark dapet 76,5 di arc agi 2 kan?", "Tidak"),
        ("muse spark saco 76,5 en arc agi 2 verdad?", "No"),
    ],
)
def test_a_wrong_figure_with_a_decimal_comma_is_corrected_first(
    engine: Engine, question: str, correction: str
) -> None:
    assert _ask(engine, question).text.startswith(correction)


# ------------------------------------------------------------------------------- sweeping claims


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("muse spark leads every benchmark, correct?", "not"),
        ("spark is the best at everything right", "not"),
        ("does it win all the benchmarks", "not"),
        ("muse spark lidera todos os benchmarks, né?", "não"),
        ("muse spark unggul di semua benchmark kan?", "tidak"),
    ],
)
def test_a_lead_on_every_benchmark_is_denied_with_where_it_trails(
    engine: Engine, question: str, no: str
) -> None:
    text = _ask(engine, question).text
    assert text.casefold().startswith(no), text
    assert "ARC-AGI 2" in text and ("42,8" in text or "42.8" in text), "where it leads and where it trails"
    assert not re.match(rf"{no}\W+{no}\b", text.casefold()), "one 'no', not 'No — Not…'"


def test_a_model_likened_to_is_not_the_subject(engine: Engine) -> None:
    for question in ("is it open weights like llama", "é open source tipo o llama?"):
        answer = _ask(engine, question)
        assert answer.subject == "closed-weights", (question, answer.text)


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("म्यूज स्पार्क का हेल्थबेंच स्कोर क्या है?", "42.8"),
        ("जेमिनी का आर्क एजीआई 2 स्कोर", "76.5"),
        ("जीपीटी 5.4 का टर्मिनल बेंच स्कोर", "75.1"),
    ],
)
def test_names_typed_in_devanagari_are_read(engine: Engine, question: str, figure: str) -> None:
    answer = _ask(engine, question)
    assert figure in answer.text and answer.language == "hi", answer.text


@pytest.mark.parametrize(
    "question",
    ["que onda wey, que es eso de muse spark que saco meta??", "o que é esse muse spark que a meta lançou?"],
)
def test_what_is_the_model_that_meta_released_asks_what_it_is(engine: Engine, question: str) -> None:
    """ "que sacó meta" describes the model; the question is what it is, not when it came out."""
    answer = engine.lookup(question)
    assert "Superintelligence Labs" in answer.text
    assert "propietario" in answer.text or "proprietário" in answer.text  # what it is


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("quando saiu e quem fez?", ["8 de abril de 2026", "Meta Superintelligence Labs"]),
        ("cuando salio y cuanto saco en hle", ["8 de abril de 2026", "50,2"]),
        ("what's the aa index score for spark and gpt, and why is it closed", ["52", "compute"]),
        ("when did it come out, who made it and where can i use it", ["April 8, 2026", "Labs", "WhatsApp"]),
        ("quien lo hizo y donde lo puedo usar", ["Meta Superintelligence Labs", "WhatsApp"]),
    ],
)
def test_every_part_of_a_question_is_answered(engine: Engine, question: str, wanted: list[str]) -> None:
    text = _ask(engine, question).text
    assert all(w in text for w in wanted), text


def test_a_true_premise_about_less_compute_is_not_corrected(engine: Engine) -> None:
    assert not _ask(engine, "is it true it uses less compute than maverick?").text.startswith("No")
    assert _ask(engine, "spark uses more compute than llama maverick right?").text.startswith("No —")


def test_a_shared_top_figure_is_told_as_a_tie(engine: Engine) -> None:
    text = _ask(engine, "gpt 5.4 aa index score").text
    assert "level with Gemini 3.1 Pro" in text and "ahead of" not in text, text
    ranking = _ask(engine, "who leads the aa index").text
    assert ranking.count("(tied)") == 2, ranking


def test_every_message_the_bot_says_is_translated() -> None:
    import string

    import bot.texts as messages
    from bot.i18n import speaker

    english = [v for k, v in vars(messages).items() if k.isupper() and isinstance(v, str)]
    for language in ("es", "pt", "id", "hi"):
        say = speaker(language)
        untranslated = []
        for message in english:
            fields = {name: "" for _, name, _, _ in string.Formatter().parse(message) if name}
            if len(message) > 12 and say(message, **fields) == message.format(**fields):
                untranslated.append(message)
        assert not untranslated, (language, untranslated)


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("spark got 59 on arc agi 2 right?", True),
        ("spark dapet 65 di ARC-AGI 2 kan?", True),
        ("spark got about 42 on arc agi 2 right?", False),
        ("hle score 2026", False),
        ("was it released in 2025?", True),
    ],
)
def test_a_whole_number_is_a_claimed_figure_but_a_year_is_not(
    engine: Engine, question: str, corrected: bool
) -> None:
    text = _ask(engine, question).text
    assert re.match(r"(No|Tidak) —", text) is not None if corrected else not text.startswith("No"), text


def test_a_possessive_names_the_model(engine: Engine) -> None:
    assert "48.4" in _ask(engine, "what is gemini 3.1 deep think's HLE score").text.split(",")[0]
    text = _ask(engine, "openai's gpt-5.4 pro tops humanity's last exam").text
    assert text.startswith("No —") and "43.9" in text, "a maker's name says whose model, not another"


def test_a_question_and_a_second_in_portuguese_are_both_answered(engine: Engine) -> None:
    text = _ask(engine, "quem é o alexandr wang e quanto a meta pagou pela scale ai").text
    assert "diretor de IA" in text and "14 bilhões" in text, text


@pytest.mark.parametrize(
    ("question", "wanted", "unwanted"),
    [
        ("yo whats muse spark in 1 line", "first proprietary", "locally"),
        ("tl;dr strengths and weaknesses pls", "ARC-AGI 2", "outside what I know"),
        ("harga muse spark brp", "API", "Scale AI"),
        ("alexandr wang kaun hai aur scale ai kitne mein kharida", "Meta Superintelligence Labs", "outside"),
    ],
)
def test_shorthand_and_word_order_of_chat_are_understood(
    engine: Engine, question: str, wanted: str, unwanted: str
) -> None:
    text = _ask(engine, question).text
    assert wanted in text and unwanted not in text, text


def test_a_price_of_something_else_is_not_muse_sparks(engine: Engine) -> None:
    for question in ("bitcoin price today", "harga emas antam hari ini brp ya"):
        assert _ask(engine, question).route == "fallback", question


@pytest.mark.parametrize(
    "question",
    ["should i use spark for coding agents", "o spark é bom pra programar?", "sirve para codear agentes?"],
)
def test_advice_about_a_field_gives_the_articles_advice_with_its_figures(
    engine: Engine, question: str
) -> None:
    text = _ask(engine, question).text
    assert "GPT-5.4" in text and "Gemini" in text and ("59.0" in text or "59,0" in text), text


@pytest.mark.parametrize("question", ["what is instant mode", "does it have a fast mode", "tem modo rapido?"])
def test_a_mode_the_source_never_names_is_said_to_be_missing(engine: Engine, question: str) -> None:
    answer = _ask(engine, question)
    assert answer.subject == "other-modes" and "Contemplating" in answer.text, answer.text


@pytest.mark.parametrize(
    ("question", "wanted", "no"),
    [
        ("ye kab launch hua tha", "2026", ""),
        ("gente o que é esse muse spark da meta? 🤔", "primeiro modelo", ""),
        ("va a haber api? cuándo", "API", ""),
        ("foi lançado em maio de 2025 certo?", "abril de 2026", "Não —"),
        ("launched april 18?", "April 8, 2026", "No —"),
        ("Boa tarde. Em quais regiões o Meta AI é o assistente padrão?", "América Latina", ""),
    ],
)
def test_questions_with_no_name_are_about_muse_spark_when_every_word_is(
    engine: Engine, question: str, wanted: str, no: str
) -> None:
    text = _ask(engine, question).text
    assert wanted in text and text.startswith(no), text


@pytest.mark.parametrize(
    "question",
    [
        "vlw mano",
        "gracias crack",
        "shukriya bhai",
        "makasih bro",
        "jajaja",
        "kkkkkkk",
        "wkwkwk",
        "vale",
        "blz",
        "mantap",
    ],
)
def test_thanks_or_laughter_is_an_acknowledgement(engine: Engine, question: str) -> None:
    assert _ask(engine, question).subject == "thanks", question


@pytest.mark.parametrize("question", ["jajaja alguien vio el partido", "how did he get there lol"])
def test_laughter_beside_a_question_leaves_the_question(engine: Engine, question: str) -> None:
    assert _ask(engine, question).subject != "thanks"


def test_a_question_about_something_else_with_a_date_is_not_about_muse_spark(engine: Engine) -> None:
    assert _ask(engine, "what's the weather in march").route == "fallback"


def test_how_many_will_get_it_in_indonesian_is_the_user_count(engine: Engine) -> None:
    assert "3 miliar" in _ask(engine, "berapa banyak pengguna yg bakal dapet muse spark").text
    assert _ask(engine, "is it paid").subject == "consumer-price"


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("how many users will have it? like 1 billion?", True),
        ("how many users will have it? like 3 billion?", False),
        ("muse spark runs on 3 million users yeah", True),
    ],
)
def test_a_guess_at_a_number_is_checked_against_the_answer(
    engine: Engine, question: str, corrected: bool
) -> None:
    answer = _ask(engine, question)
    assert "3 billion" in answer.text and "closed" not in answer.text, answer.text
    assert answer.text.startswith("No —") is corrected


def test_a_spanish_message_with_a_name_in_catalan_is_spanish(engine: Engine) -> None:
    assert _ask(engine, "jajaja alguien vio el partido del barça anoche").language == "es"


def test_a_correction_reads_as_one_sentence(engine: Engine) -> None:
    assert _ask(engine, "does spark beat claude opus 4.6 on the AA index").text.startswith("No — on ")
    assert _ask(engine, "foi lançado em maio de 2025 certo?").text.startswith("Não — a Meta")
    assert "No — **Muse Spark**" in _ask(engine, "spark got 59 on arc agi 2 right?").text, (
        "a name keeps its capital"
    )


def test_a_rivals_response_the_source_never_reports_is_said_to_be_missing(engine: Engine) -> None:
    assert _ask(engine, "did openai respond to this?", "spark healthbench").subject == "competitor-reactions"


def test_a_phrasing_as_typed_reaches_its_entry(engine: Engine) -> None:
    assert "3 billion" in _ask(engine, "how many ppl will get it").text


def test_a_rank_claimed_of_it_is_corrected(engine: Engine) -> None:
    answer = engine.lookup("it's number 1 on the vision benchmarks innit")
    assert answer.text.startswith("No")
    assert "#2" in answer.text


def test_it_in_a_question_about_something_else_is_not_muse_spark(engine: Engine) -> None:
    """ "what time is it in manila": "it" is no model, and the bot says what it covers."""
    assert engine.lookup("what time is it in manila rn").route == "fallback"


@pytest.mark.parametrize(
    ("question", "subjects"),
    [
        (
            "qnd saiu, quem fez e é aberto ou fechado?",
            {"release-date", "who-built-muse-spark", "closed-weights"},
        ),
        ("muse spark bikinan siapa, rilis kapan", {"who-built-muse-spark", "release-date"}),
    ],
)
def test_questions_joined_by_commas_are_each_answered(
    engine: Engine, question: str, subjects: set[str]
) -> None:
    """Indonesian asks last ("rilis kapan"); an unaccented "e é" is "and is": each part answered."""
    assert set(engine.lookup(question).subject.split(",")) == subjects


@pytest.mark.parametrize(
    "question",
    [
        "मैंने पढ़ा कि Muse Spark मार्च 2026 में आया था",
        "Muse Spark kan rilisnya Maret 2026 ya?",
        "muse spark se lanzó en marzo de 2026 no?",
    ],
)
def test_a_wrong_month_is_corrected_in_every_language(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.text.split()[0].strip("—") in {"नहीं", "Tidak", "No"}
    assert "2026" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "so contemplating mode is just one really long chain of thought, same as deep think",
        "el contemplating es lo mismo que deep think no?",
    ],
)
def test_calling_two_different_things_the_same_is_corrected(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.text.startswith("No")
    assert "Deep Think" in answer.text


def test_another_messaging_app_is_said_to_be_missing(engine: Engine) -> None:
    """ "is it on telegram?" gets what the source does list, not "outside what I know"."""
    answer = engine.lookup("is it available on telegram")
    assert answer.route != "fallback"
    assert "WhatsApp" in answer.text and "says nothing" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "pra quantas pessoas isso vai chegar?",
        "a cuanta gente le va a llegar esto",
        "how many people will this reach",
    ],
)
def test_this_in_a_first_question_about_the_subject_is_muse_spark(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "rollout-users"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("journo here, filing in 20 mins — what's the exact launch date for Muse Spark?", "release-date"),
        ("ok who's actually behind muse spark, like which team inside meta built it", "who-built-muse-spark"),
    ],
)
def test_a_preamble_or_an_idiom_does_not_pull_the_answer_off_topic(
    engine: Engine, question: str, subject: str
) -> None:
    answer = engine.lookup(question)
    assert answer.subject == subject


def test_muse_spark_called_another_model_renamed_is_corrected(engine: Engine) -> None:
    answer = engine.lookup("is muse spark basically llama 5 with a new name?")
    assert answer.text.startswith("No")
    assert answer.subject == "first-muse-model"


@pytest.mark.parametrize(
    "question",
    [
        "the muse spark API is live already isn't it? what's the endpoint URL",
        "since meta has killed off llama completely now, what happens to all the devs who built on it?",
    ],
)
def test_a_claim_the_answer_denies_in_other_words_is_corrected(engine: Engine, question: str) -> None:
    """ "live" against "not available yet"; "killed off" against "Llama continues"."""
    assert engine.lookup(question).text.startswith("No")


@pytest.mark.parametrize(
    "question",
    [
        "did openai make muse spark?",
        "foi a openai q fez o muse spark?",
        "no terminal bench 2.0 o muse spark bateu o gpt-5.4 ne?",
    ],
)
def test_a_wrong_maker_or_winner_asked_about_is_corrected(engine: Engine, question: str) -> None:
    assert engine.lookup(question).text.split()[0] in {"No", "Não"}


@pytest.mark.parametrize("question", ["how is muse spark at vision", "Muse Spark विज़न में कैसा है?"])
def test_a_model_and_a_field_ask_for_its_standing_there(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "vision-ranking"


def test_an_aside_after_a_claim_adds_no_answer_of_its_own(engine: Engine) -> None:
    """ "my editor insists. can you confirm?" asks nothing beyond the claim before it."""
    answer = engine.lookup("Muse Spark came out on March 8, 2026 — my editor insists. Can you confirm?")
    assert answer.text.startswith("No")
    assert "April 8, 2026" in answer.text
    assert "," not in answer.subject  # one answer, to the claim


def test_which_is_better_overall_weighs_every_benchmark(engine: Engine) -> None:
    text = engine.lookup("spark vs gpt-5.4, which is better overall?").text
    assert "42.8" in text and "40.1" in text  # where Muse Spark leads, not the overall index alone
    assert "57" in text


def test_better_than_two_rivals_says_who_leads_where(engine: Engine) -> None:
    """ "better than gemini and gpt?" names the leader of each benchmark, not one pair's verdict."""
    text = engine.lookup("is muse spark better than gemini and gpt?").text
    verdict = text.split("\n")[0]
    for model, bench in [("Muse Spark", "HealthBench"), ("Gemini 3.1 Pro", "ARC-AGI"), ("GPT-5.4", "Term")]:
        assert re.search(rf"{re.escape(model)}\W+ leads on [^;]*{bench}", verdict), verdict
    assert "42.8" in text and "76.5" in text and "75.1" in text


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("is it slower than thinking mode? how many seconds does it take", "latency-speed"),
        ("¿es más lento? ¿cuántos segundos tarda?", "latency-speed"),
        ("has meta published any clinical validation for its medical answers?", "privacy-safety"),
    ],
)
def test_speed_and_clinical_validation_are_said_to_be_missing(
    engine: Engine, question: str, subject: str
) -> None:
    answer = engine.lookup(question)
    assert answer.subject == subject
    assert not re.search(r"\d\d\.\d", answer.text)  # no benchmark figure stands in for them


def test_a_trigger_s_words_far_apart_do_not_make_an_unknown(engine: Engine) -> None:
    """ "number of agents" is not in "move our coding agents to spark, include the numbers"."""
    answer = engine.lookup("tell our devs not to move our coding agents to spark yet, include the numbers")
    assert answer.subject != "contemplating-agent-count"
    assert "59.0" in answer.text


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("como a meta desistiu do llama, o que acontece com quem usa?", "Não"),
        ("ya que meta mató a llama, qué pasa con los devs?", "No"),
        ("karena meta sudah menghentikan llama, gimana nasib developer?", "Tidak"),
        ("meta ne llama band kar diya kya?", "नहीं"),
        ("la api ya está activa, no? cuál es la url", "No"),
        ("a api já está no ar né?", "Não"),
    ],
)
def test_a_claim_denied_in_other_words_is_corrected_in_every_language(
    engine: Engine, question: str, no: str
) -> None:
    assert engine.lookup(question).text.split()[0] == no


def test_asking_when_something_missing_comes_is_not_contradicted(engine: Engine) -> None:
    answer = engine.lookup("when will the api be available?")
    assert answer.subject == "api-release-date"
    assert not answer.text.startswith("No")


@pytest.mark.parametrize(
    "question",
    [
        "never heard of muse spark, what is it",
        "muse spark ELI5",
        "saw muse spark trending, what's that about",
    ],
)
def test_asking_for_the_gist_of_the_model_gets_the_overview(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "what-is-muse-spark"


@pytest.mark.parametrize(
    "question",
    [
        "es verdad q muse spark gasta 10 veces menos computo q llama 4 maverick",
        "a eficiência de computo é real?",
    ],
)
def test_a_question_about_the_compute_claim_is_not_the_missing_training_compute(
    engine: Engine, question: str
) -> None:
    """The one-word trigger "flops" means compute, but not every word for compute is "flops"."""
    assert engine.lookup(question).subject == "compute-efficiency"


def test_a_figure_credited_to_the_wrong_mode_is_corrected(engine: Engine) -> None:
    answer = engine.lookup("aquele 42.5 do muse spark no ARC-AGI 2 foi no modo Contemplating ne")
    assert answer.text.startswith("Não")
    assert "Thinking" in answer.text


@pytest.mark.parametrize(
    ("question", "language", "figure"),
    [("muse spark score?", "en", "50.2"), ("cuales son los numeros de muse spark", "es", "42,8")],
)
def test_the_subjects_scores_without_a_benchmark_are_all_its_figures(
    engine: Engine, question: str, language: str, figure: str
) -> None:
    answer = engine.lookup(question, language=language)
    assert figure in answer.text
    assert all(b in answer.subject.split(",") for b in ("hle", "arc-agi-2", "terminal-bench-2"))


def test_a_later_part_asking_for_scores_keeps_the_benchmark(engine: Engine) -> None:
    answer = _ask(
        engine,
        "siapa aja yg di atasnya? skornya brp masing2",
        "nilai muse spark di Artificial Analysis Intelligence Index v4 brp?",
    )
    assert answer.subject == "aa-index-v4"
    assert "57" in answer.text and "53" in answer.text


def test_a_second_part_about_the_same_missing_thing_adds_nothing(engine: Engine) -> None:
    answer = engine.lookup("muse spark bisa bahasa indonesia gak? bagus gak bahasanya")
    assert answer.subject == "languages"
    assert not re.search(r"\d\d[.,]\d", answer.text)


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("o muse spark foi feito pelo google deepmind ne?", "Não"),
        ("muse spark es de openai?", "No"),
        ("muse spark dari google ya?", "Tidak"),
        ("muse spark google ka hai?", "नहीं"),
    ],
)
def test_crediting_another_maker_is_corrected_in_every_language(
    engine: Engine, question: str, no: str
) -> None:
    answer = engine.lookup(question)
    assert answer.text.split()[0] == no
    assert "Meta Superintelligence Labs" in answer.text


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("HLE me gpt 5.4 pro ne muse spark ko hara diya na?", "नहीं"),
        ("Terminal-Bench 2.0 में Muse Spark ने GPT-5.4 को पीछे छोड़ दिया, है ना?", "नहीं"),
    ],
)
def test_a_lead_claimed_with_the_verb_last_is_read_and_corrected(
    engine: Engine, question: str, no: str
) -> None:
    """Hindi marks who beat whom ("ne", "ko") and says the verb last."""
    assert engine.lookup(question).text.split()[0] == no


def test_a_true_lead_claimed_with_the_verb_last_is_not_corrected(engine: Engine) -> None:
    assert not engine.lookup("HLE me muse spark ne gpt 5.4 pro ko hara diya na?").text.startswith("नहीं")


@pytest.mark.parametrize(
    "question",
    [
        "anyone recommend a good laptop for coding under 5k?",
        "galera alguem indica notebook bom pra programar ate 5k?",
    ],
)
def test_a_field_word_about_something_else_is_not_a_benchmark_question(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.route == "fallback"
    assert not re.search(r"\d\d[.,]\d", answer.text)


def test_a_field_word_with_an_ai_word_is_still_the_benchmark(engine: Engine) -> None:
    assert engine.lookup("which model is best for coding?").subject == "terminal-bench-2"


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("mantap, muse spark open source kyk llama kan, mau gw fine-tune sendiri di server kantor", "Tidak"),
        ("Muse Spark भी Llama की तरह open-weight है, तो मैं इसे अपने लैपटॉप पर लोकल चला लूँगा।", "नहीं"),
    ],
)
def test_calling_it_open_is_corrected(engine: Engine, question: str, no: str) -> None:
    assert re.split(r"[\s।.,]+", engine.lookup(question).text)[0] == no


def test_asking_whether_it_is_open_or_closed_claims_nothing(engine: Engine) -> None:
    assert not engine.lookup("is it open or closed?").text.startswith("No —")


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Meta saco Muse Spark el 18 de marzo no?", "release-date"),
        ("entonces Muse Spark es basicamente Llama 5 con otro nombre, no?", "first-muse-model"),
        (
            "El modo Contemplating es alargar la cadena de razonamiento, igual que el Pro de OpenAI, ¿cierto?",
            "contemplating-vs-rivals",
        ),
    ],
)
def test_spanish_false_premises_are_corrected(engine: Engine, question: str, subject: str) -> None:
    answer = engine.lookup(question)
    assert answer.subject == subject
    assert answer.text.startswith("No —")


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("alexandr wang joined meta like two years back when they bought scale, no?", "No"),
        ("wang entro a meta hace dos años, no?", "No"),
        ("wang entrou na meta faz dois anos né", "Não"),
        ("wang gabung meta dua tahun lalu kan?", "Tidak"),
        ("wang do saal pehle meta aaya tha na?", "नहीं"),
    ],
)
def test_a_number_written_in_words_is_a_claim_too(engine: Engine, question: str, no: str) -> None:
    """ "two years" against the source's nine months is corrected as "2 years" would be."""
    answer = engine.lookup(question)
    assert answer.text.split()[0] == no, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "so sam altman's team built this for meta? strange partnership tbh",
        "did demis hassabis build muse spark?",
    ],
)
def test_someone_the_source_never_names_credited_with_it_is_corrected(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.text.startswith("No —") and "Meta Superintelligence Labs" in answer.text


@pytest.mark.parametrize(
    "question", ["who made muse spark", "was it made by meta's new lab", "did msl build it?"]
)
def test_asking_who_made_it_or_naming_meta_is_not_corrected(engine: Engine, question: str) -> None:
    assert not engine.lookup(question).text.startswith("No")


@pytest.mark.parametrize(
    "question",
    [
        "great that meta released the weights, where do i download them? hugging face?",
        "q bueno q meta libero los pesos de muse spark, de donde los bajo? hugging face?",
    ],
)
def test_asking_where_to_download_weights_that_were_never_released_is_corrected(
    engine: Engine, question: str
) -> None:
    assert engine.lookup(question).text.startswith("No —")


def test_a_wrong_audience_size_without_a_question_word_is_corrected(engine: Engine) -> None:
    answer = engine.lookup("es cierto q solo va a llegar a unos 300 millones de usuarios?")
    assert answer.text.startswith("No —") and "3 mil millones" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "rangkum kelebihan & kekurangan muse spark dlm 3 poin aja",  # "aja" is "just", not "only"
        "di instagram muse spark bisa buat apa aja? trus di kacamata meta gmn",
        "sum up muse spark strengths in 3 points",
    ],
)
def test_a_request_is_not_read_as_a_claim_to_correct(engine: Engine, question: str) -> None:
    assert engine.lookup(question).text.split()[0] not in ("No", "Tidak")


@pytest.mark.parametrize(
    ("question", "reason"),
    [("por que meta ya no es open source?", "cómputo"), ("pq a meta nao é mais open source?", "computação")],
)
def test_a_no_inside_the_question_is_not_a_question_tag(engine: Engine, question: str, reason: str) -> None:
    """ "ya no es" is "no longer": the premise is true, so the reason comes with no "No —"."""
    text = engine.lookup(question).text
    assert reason in text and not text.startswith(("No", "Não")), text


@pytest.mark.parametrize(
    ("question", "no"),
    [("muse spark es open source, no?", "No."), ("o muse spark é open source, não é?", "Não.")],
)
def test_a_no_at_the_end_is_a_question_tag(engine: Engine, question: str, no: str) -> None:
    assert engine.lookup(question).text.startswith(no)


def test_what_it_does_on_a_device_is_not_its_scorecard(engine: Engine) -> None:
    """ "do on" also asks a score ("how did it do on hle"), but not with a device and no benchmark."""
    text = engine.lookup("what would muse spark actually do on the glasses, like day to day").text
    assert "glasses" in text and not re.search(r"\d\d[.,]\d", text), text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("how many people will use it", "3 billion"),
        ("why did meta start with a small model instead of going huge", "small model"),
    ],
)
def test_plain_questions_about_reach_and_strategy_are_answered(
    engine: Engine, question: str, wanted: str
) -> None:
    assert wanted in engine.lookup(question).text


@pytest.mark.parametrize(
    "question",
    [
        "since muse spark is basically llama 4 maverick fine-tuned under the hood, is it worth switching?",
        "meta paid like $40bn for scale ai just to get wang lol wild",
    ],
)
def test_premises_stated_in_passing_are_corrected(engine: Engine, question: str) -> None:
    assert engine.lookup(question).text.startswith("No —")


def test_comparing_with_an_older_model_is_no_premise(engine: Engine) -> None:
    assert not engine.lookup("muse spark vs llama 4 maverick").text.startswith("No")


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("muse spark was made by google right? the gemini team", "No"),
        ("muse spark dibikin google kan? yg bikin gemini itu", "Tidak"),
        ("ye muse spark openai ne banaya hai na yaar? chatgpt wali company", "नहीं"),
    ],
)
def test_naming_the_maker_s_model_after_crediting_it_adds_no_comparison(
    engine: Engine, question: str, no: str
) -> None:
    """ "… the gemini team" says which maker was meant: one correction, no Gemini table."""
    answer = engine.lookup(question)
    assert answer.text.split()[0] == no and not re.search(r"\d\d[.,]\d", answer.text), answer.text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("quem fez esse modelo?", "Meta Superintelligence Labs"),
        ("quien construyo este modelo?", "Meta Superintelligence Labs"),
        ("quantas pessoas vao ter acesso a isso?", "3 bilhões"),
        (
            "a meta pretende descontinuar a linha Llama ou o desenvolvimento open source vai continuar?",
            "Llama",
        ),
    ],
)
def test_this_model_and_how_many_people_in_spanish_and_portuguese(
    engine: Engine, question: str, wanted: str
) -> None:
    text = engine.lookup(question).text
    assert wanted in text and "Terminal-Bench" not in text, text


def test_the_right_number_in_words_is_not_corrected(engine: Engine) -> None:
    assert not engine.lookup("wang joined nine months before launch right?").text.startswith("No")


@pytest.mark.parametrize("question", ["a cuanto esta el dolar hoy en mexico", "how do i install telegram"])
def test_a_country_or_an_app_in_another_question_is_not_an_unknown_of_ours(
    engine: Engine, question: str
) -> None:
    assert engine.lookup(question).route == "fallback"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("does spark understand hindi and tagalog properly or only english", "en"),
        ("does it handle yoruba well", "en"),
        ("entiende bien el portugues?", "es"),
        ("ele entende bem japonês?", "pt"),
        ("hindi me properly kaam karega?", "hi"),
        ("क्या Muse Spark हिंदी में ठीक से जवाब दे पाता है?", "hi"),
        ("muse spark bisa ngerti bahasa jawa?", "id"),
        ("oigan y el spark habla quechua? pa mi abuelita q no habla mucho castellano", "es"),
    ],
)
def test_a_language_by_its_name_gets_the_missing_language_list(
    engine: Engine, question: str, language: str
) -> None:
    answer = engine.lookup(question)
    assert (answer.subject, answer.language) == ("languages", language)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("what training technique did they use", "en"),
        ("que tecnica usaron para ahorrar en el entrenamiento", "es"),
        ("स्पार्क की ट्रेनिंग तकनीक का नाम क्या है?", "hi"),
        ("teknik apa yg dipake buat hemat pelatihan", "id"),
    ],
)
def test_the_training_technique_in_any_language_is_thought_compression(
    engine: Engine, question: str, language: str
) -> None:
    answer = engine.lookup(question)
    assert (answer.subject, answer.language) == ("thought-compression", language)


def test_where_a_model_lands_on_a_benchmark_gets_the_sources_placing(engine: Engine) -> None:
    assert "top 5" in engine.lookup("aa index v4 where does spark land").text


def test_that_one_after_a_benchmark_keeps_the_benchmark(engine: Engine) -> None:
    text = _ask(engine, "whats gemini 3.1 pro on that one", "spark healthbench score?").text
    assert "20.6" in text and "HealthBench Hard" in text


@pytest.mark.parametrize(
    "question",
    ["what does contemplating mode compete with", "el contemplating con q modos de la competencia compite"],
)
def test_what_contemplating_competes_with_names_the_rival_modes(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "Deep Think" in text and "GPT-5.4 Pro" in text


@pytest.mark.parametrize(
    "question",
    [
        "is meta going to abandon llama",
        "meta va a dejar de hacer llama?",
        "a meta vai parar de fazer o llama?",
        "क्या मेटा अब लामा पे काम बंद कर देगा स्पार्क के बाद?",
        "llama masih ada gak?",
    ],
)
def test_whether_llama_stops_is_that_it_continues(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "llama-continues"


@pytest.mark.parametrize(
    "question",
    [
        "muse spark was built by the llama team under yann lecun right?",
        "muse spark was made by the team behind llama?",
        "o muse spark foi feito pelo time do llama do yann lecun ne",
        "muse spark lo hizo el equipo de llama, no?",
    ],
)
def test_crediting_the_llama_team_is_corrected_with_its_real_makers(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert re.match(r"(No|Não) —", text) and "Meta Superintelligence Labs" in text


def test_who_made_llama_is_not_muse_sparks_makers(engine: Engine) -> None:
    assert engine.lookup("is llama made by meta").subject != "who-built-muse-spark"


@pytest.mark.parametrize(
    ("question", "earlier"),
    [
        ("what about bitcoin", "when was it released"),
        ("and the weather in london?", "spark hle score"),
        ("y el clima?", "cuanto saco en hle"),
    ],
)
def test_an_everyday_thing_after_an_answer_is_a_new_subject_not_more_of_it(
    engine: Engine, question: str, earlier: str
) -> None:
    said = engine.lookup(earlier)
    history = [Turn("user", earlier), Turn("assistant", said.text, said.language)]
    assert engine.lookup(question, history).route == "fallback"


def test_a_model_the_source_leaves_out_after_a_figure_is_said_to_be_left_out(engine: Engine) -> None:
    said = engine.lookup("spark hle score")
    history = [Turn("user", "spark hle score"), Turn("assistant", said.text, said.language)]
    assert "doesn't cover that model" in engine.lookup("what about deepseek", history).text


@pytest.mark.parametrize(
    "question",
    [
        "why is meta pushing the health angle so hard with this model",
        "por que meta apuesta tanto por la salud con este modelo",
        "pq a meta ta focando tanto em saude",
    ],
)
def test_why_meta_pushes_health_is_why_it_focused_on_health(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "why-health-focus"


@pytest.mark.parametrize(
    "question",
    [
        "what is this muse spark everyone in the group is talking about",
        "mano q q é esse muse spark q tao falando no grupo",
        "faz um resumo em 3 linhas do muse spark pro grupo da firma",
    ],
)
def test_the_group_people_are_chatting_in_is_not_a_question_about_group_chats(
    engine: Engine, question: str
) -> None:
    assert engine.lookup(question).subject == "what-is-muse-spark"


def test_group_chats_asked_about_are_messengers(engine: Engine) -> None:
    assert engine.lookup("can i use muse spark in group chats").subject == "rollout-messenger"


@pytest.mark.parametrize(
    "question",
    [
        "how many ppl is this thing rolling out to, like ballpark",
        "how many okes are gonna get this thing on their phones",
        "oxente, quanta gente vai ter esse negocio no celular?",
        "cuanta gente va a tener muse spark",
        "brp orang yg dapet?",
        "कितने लोग इसे इस्तेमाल करेंगे",
    ],
)
def test_how_many_people_get_it_is_the_three_billion(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "rollout-users"


@pytest.mark.parametrize("question", ["how many people use whatsapp", "how many people live in london"])
def test_how_many_people_use_something_else_is_not_its_reach(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject != "rollout-users"


def test_an_unaccented_e_before_a_short_word_and_a_question_word_starts_a_part(engine: Engine) -> None:
    text = engine.lookup("em quais apps vai ter o muse spark e pra quantas pessoas?").text
    assert "WhatsApp" in text and "3 bilhões" in text


def test_in_which_apps_after_two_questions_is_a_third_part(engine: Engine) -> None:
    text = engine.lookup("cuando salio, quien lo hizo y en q apps esta? porfa rapidito q estoy en clase").text
    assert all(s in text for s in ("8 de abril", "Meta Superintelligence Labs", "WhatsApp", "Messenger"))


@pytest.mark.parametrize(
    ("question", "earlier"),
    [
        ("so gpt 5.4 and gemini are literally tied??", "aa index v4 spark score"),
        ("entao o gpt e o gemini tao empatados?", "qual a nota no aa index?"),
    ],
)
def test_two_models_tied_after_a_benchmark_stay_on_that_benchmark(
    engine: Engine, question: str, earlier: str
) -> None:
    answer = _ask(engine, question, earlier)
    assert answer.text.count("57") >= 2 and "HealthBench" not in answer.text


def test_who_is_ahead_of_it_there_in_portuguese_is_who_leads_that_benchmark(engine: Engine) -> None:
    text = _ask(engine, "e quem ta na frente dele nisso", "o spark é bom em saude?", "e em visao?").text
    assert "Gemini 3.1 Pro" in text


@pytest.mark.parametrize(
    "question", ["why did meta stop releasing the weights", "pq a meta parou de liberar os pesos?"]
)
def test_why_it_stopped_releasing_weights_is_why_it_is_closed_with_no_false_no(
    engine: Engine, question: str
) -> None:
    answer = engine.lookup(question)
    assert answer.subject == "why-closed" and not re.match(r"(No|Não)\b", answer.text)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("muse spark के बारे में हमारे whatsapp ग्रुप के लिए 3 लाइन का छोटा सा मैसेज लिख दो", "what-is-muse-spark"),
        ("bikinin caption IG singkat ttg rilisnya muse spark, sebutin tanggalnya ya", "release-date"),
    ],
)
def test_the_app_a_task_is_written_for_is_not_its_subject(
    engine: Engine, question: str, subject: str
) -> None:
    assert engine.lookup(question).subject == subject


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how many people work at meta superintelligence labs", "en"),
        ("cuanta gente trabaja en msl?", "es"),
        ("meta superintelligence labs me kitne log kaam karte hai", "hi"),
        ("Ada berapa peneliti yang bekerja di Meta Superintelligence Labs?", "id"),
    ],
)
def test_the_labs_headcount_is_a_figure_the_source_does_not_give(
    engine: Engine, question: str, language: str
) -> None:
    answer = engine.lookup(question)
    assert (answer.subject, answer.language) == ("team-size", language)


@pytest.mark.parametrize(
    "question",
    ["is muse spark trained on our whatsapp chats?", "muse spark dilatih pake chat wa kita ga sih?"],
)
def test_being_trained_on_our_chats_is_the_training_data_the_source_does_not_describe(
    engine: Engine, question: str
) -> None:
    assert engine.lookup(question).subject == "training-data"


@pytest.mark.parametrize(
    "question",
    [
        "where is spark on the aa index? is it top 5?",
        "artificial analysis index me muse spark kahan hai? top 5 me aata hai kya",
    ],
)
def test_a_figure_asked_again_with_its_placing_is_said_once_with_it(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert text.count("52") == 1 and ("top 5" in text or "टॉप 5" in text) and not text.startswith("नहीं")


def test_a_yes_no_question_by_its_tag_after_a_question_is_a_part_of_its_own(engine: Engine) -> None:
    text = engine.lookup("muse spark bikinan siapa, rilis kapan, terus open source ga?").text
    assert "Meta Superintelligence Labs" in text and "8 April 2026" in text


def test_llama_switched_off_is_corrected_in_indonesian(engine: Engine) -> None:
    assert engine.lookup("llama udh dimatiin ya sm meta gara2 muse spark?").text.startswith("Tidak —")


@pytest.mark.parametrize("question", ["whats 2+2", "what is 5 times 7", "what is 10 divided by 2"])
def test_a_sum_is_outside_what_the_bot_knows(engine: Engine, question: str) -> None:
    assert engine.lookup(question).route == "fallback"


def test_a_multiple_the_source_gives_is_no_sum(engine: Engine) -> None:
    assert engine.lookup("is it 10 times less compute").subject == "compute-efficiency"


@pytest.mark.parametrize(
    "question", ["where exactly in facebook will it show up", "on facebook where exactly will it show up"]
)
def test_where_exactly_on_an_app_is_what_it_does_there(engine: Engine, question: str) -> None:
    assert "Marketplace" in engine.lookup(question).text


def test_which_regions_specifically_after_the_health_focus_names_them(engine: Engine) -> None:
    text = _ask(engine, "which regions specifically", "why does health matter for meta").text
    assert all(r in text for r in ("South Asia", "Southeast Asia", "Latin America"))


def test_what_the_lab_just_released_is_the_subject(engine: Engine) -> None:
    answer = _ask(engine, "ok and what did they just release", "who leads meta superintelligence labs")
    assert answer.subject == "what-is-muse-spark"


def test_what_another_company_released_is_not_the_subject(engine: Engine) -> None:
    assert engine.lookup("what did scale ai release").subject != "what-is-muse-spark"


@pytest.mark.parametrize(
    ("question", "earlier"),
    [
        ("and the competition?", "how does muse spark do on arc-agi-2"),
        ("y la competencia?", "cuanto saco en arc agi 2"),
        ("e os outros?", "quanto deu no arc agi 2?"),
        ("baaki sab ka?", "arc agi 2 score kitna hai"),
    ],
)
def test_the_others_after_a_figure_get_the_whole_ranking(engine: Engine, question: str, earlier: str) -> None:
    answer = _ask(engine, question, earlier)
    assert answer.route == "compare" and all(n in answer.text for n in ("76", "42"))


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("summarise the article in 3 lines", "en"),
        ("give me the key takeaways", "en"),
        ("tl;dr this muse spark thing for my boss, 3 bullets max", "en"),
        ("resumeme el articulo en 3 lineas porfa", "es"),
        ("resume o artigo em 3 linhas pfv", "pt"),
        ("rangkum artikelnya dong 3 kalimat aja", "id"),
        ("लेख का सार 3 लाइनों में बताओ", "hi"),
    ],
)
def test_a_summary_request_gets_the_overview_without_a_model(
    engine: Engine, question: str, language: str
) -> None:
    answer = engine.lookup(question)
    assert (answer.subject, answer.language) == ("what-is-muse-spark", language)
    assert not re.match(r"(No|Não|Tidak|नहीं)\b", answer.text)  # "3 lines" is no claim


def test_a_summary_of_something_else_is_outside_what_the_bot_knows(engine: Engine) -> None:
    assert engine.lookup("summarize this recipe for me").route == "fallback"


def test_better_in_spanish_is_a_verdict_not_the_missing_speed(engine: Engine) -> None:
    answer = engine.lookup("muse spark es mejor que gpt 5.4?")
    assert answer.subject != "latency-speed" and "42,8" in answer.text


def test_faster_in_spanish_is_the_missing_speed(engine: Engine) -> None:
    assert engine.lookup("es mas rapido que gpt 5.4?").subject == "latency-speed"


def test_available_in_an_app_is_the_app_not_the_missing_country_dates(engine: Engine) -> None:
    assert "Instagram" in engine.lookup("is it available in instagram").text.split(".")[0]


def test_a_topic_of_its_own_after_an_app_leaves_the_app_behind(engine: Engine) -> None:
    answer = _ask(engine, "y la api?", "cuando salio muse spark", "y cuando llega a whatsapp")
    assert answer.subject == "api-access"


@pytest.mark.parametrize(
    "question",
    [
        "how strong is its vision",
        "meta ke glasses me bhi spark chalega kya? aur uska vision kitna strong hai",
    ],
)
def test_how_strong_on_a_benchmark_is_its_placing_not_its_strengths(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "Gemini 3.1 Pro" in text and "HealthBench" not in text


@pytest.mark.parametrize(
    "question",
    [
        "apakah muse spark open source? bisa download bobotnya gak",
        "mantap, muse spark open source kyk llama kan",
    ],
)
def test_whether_it_is_open_source_in_indonesian_is_that_it_is_closed(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.text.startswith("Tidak") and answer.subject != "open-weights-release"


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("cuanto saco en healthbench hard y como quedo gpt 5.4", ("42,8", "40,1")),
        ("quanto tirou no hle e como ficou o gpt 5.4 pro?", ("50,2", "43,9")),
        ("qual a nota no terminal bench 2.0 e quem ficou em primeiro", ("59,0", "75,1")),
    ],
)
def test_how_another_model_did_after_a_figure_stays_on_that_benchmark(
    engine: Engine, question: str, figures: tuple[str, str]
) -> None:
    text = engine.lookup(question).text
    assert all(f in text for f in figures) and "Artificial Analysis" not in text and "Doze meses" not in text


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("Alexandr Wang is the CEO of Meta right?", "No —"),
        ("alexandr wang es el fundador de meta?", "No —"),
        ("o wang é o ceo da meta ne?", "Não —"),
    ],
)
def test_another_role_for_a_person_is_corrected_with_theirs(engine: Engine, question: str, no: str) -> None:
    text = engine.lookup(question).text
    assert text.startswith(no) and "Alexandr Wang" in text


def test_a_role_the_source_does_not_give_is_not_denied(engine: Engine) -> None:
    assert not engine.lookup("zuckerberg is the ceo of meta right?").text.startswith("No")


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("arc agi 2 me muse spark sabse aage hai na?", "नहीं —"),
        ("hmm e o indice AA ele ta em primeiro ne", "Não —"),
    ],
)
def test_a_claim_of_first_place_is_corrected_in_hindi_and_portuguese(
    engine: Engine, question: str, no: str
) -> None:
    assert engine.lookup(question).text.startswith(no)


@pytest.mark.parametrize(
    ("question", "earlier", "figure"),
    [
        ("whats gpt 5.4's score", "is muse spark good at health", "40.1"),
        ("gpt 5.4 ka score kya tha", "muse spark health me kitna acha hai", "40.1"),
    ],
)
def test_another_models_score_after_a_field_stays_on_its_benchmark(
    engine: Engine, question: str, earlier: str, figure: str
) -> None:
    answer = _ask(engine, question, earlier)
    assert figure in answer.text and "ARC-AGI" not in answer.text


def test_portuguese_eu_is_the_asker_not_the_european_union(engine: Engine) -> None:
    answer = engine.lookup("onde eu consigo usar o muse spark?")
    assert answer.subject != "regional-availability"
    assert "WhatsApp" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "which platforms is muse spark on",
        "en que plataformas esta muse spark",
        "em quais plataformas vai estar o spark",
    ],
)
def test_the_platforms_are_the_apps_it_rolls_out_to(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert all(app in text for app in ("WhatsApp", "Instagram", "Messenger"))


@pytest.mark.parametrize(
    "question",
    [
        "do i need to install anything",
        "tengo que instalar algo para usar muse spark?",
        "tenho q instalar alguma coisa?",
    ],
)
def test_nothing_to_install_is_the_invisible_upgrade(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "invisible-upgrade"


def test_a_request_to_answer_in_a_language_is_not_the_language_list(engine: Engine) -> None:
    assert engine.lookup("what is contemplating mode, in english pls").subject != "languages"


def test_a_country_in_a_question_about_getting_it_is_the_missing_country_dates(engine: Engine) -> None:
    assert (
        engine.lookup("vai liberar no brasil junto com os eua ou depois?").subject == "regional-availability"
    )


@pytest.mark.parametrize(
    ("question", "history", "no"),
    [
        ("ok so thats higher than gpt5.4 right", "muse spark arc agi 2 score?", "No"),
        ("o sea que en HLE quedo por debajo de gpt-5.4 pro, no?", "cuanto saco muse spark en HLE", "No"),
    ],
)
def test_a_lead_claimed_against_one_named_model_is_checked(
    engine: Engine, question: str, history: str, no: str
) -> None:
    answer = _ask(engine, question, history)
    assert answer.text.split()[0] == no
    assert (
        "," not in answer.subject or "muse-spark" in answer.subject
    )  # still the earlier benchmark's figures


def test_a_true_lead_against_one_named_model_is_not_corrected(engine: Engine) -> None:
    assert not engine.lookup("is gpt 5.4 ahead on arc agi 2?").text.startswith("No")


@pytest.mark.parametrize(
    ("question", "history"),
    [
        ("y en MedQA cuanto tiene?", "cuanto saco en healthbench hard muse spark"),
        ("how about on charxiv", "hle score"),
    ],
)
def test_a_follow_up_on_a_benchmark_the_source_lacks_gets_no_earlier_figure(
    engine: Engine, question: str, history: str
) -> None:
    said = engine.lookup(history)
    answer = engine.lookup(question, [Turn("user", history), Turn("assistant", said.text, said.language)])
    assert answer.subject == "not-in-source"
    assert not re.search(r"\d\d[.,]\d", answer.text)


@pytest.mark.parametrize(
    "question",
    [
        "alguien tiene el score de muse spark en SWE-bench Verified? necesito compararlo con claude",
        "whats muse spark's swe-bench score, and how does claude compare",
    ],
)
def test_comparing_a_figure_the_source_lacks_adds_no_other_figures(engine: Engine, question: str) -> None:
    """The missing figure cannot be compared: no table of the benchmarks the source does give."""
    answer = engine.lookup(question)
    assert answer.subject == "other-benchmarks"  # the unknown: which benchmarks the source does give
    assert not re.search(r"\d\d[.,]\d", answer.text)


def test_by_how_much_after_the_figures_adds_nothing(engine: Engine) -> None:
    answer = _ask(
        engine, "e o claude ficou na frente do muse? por quanto?", "me passa o ranking do aa index v4"
    )
    assert answer.subject == "aa-index-v4"
    assert "53" in answer.text and "52" in answer.text


@pytest.mark.parametrize(
    "question",
    ["can it see images?", "puede ver fotos y videos o solo texto?", "muse spark bisa lihat gambar?"],
)
def test_what_it_can_do_in_a_field_is_the_prose_not_the_placing(engine: Engine, question: str) -> None:
    assert engine.lookup(question).subject == "vision-capabilities"


def test_how_it_does_in_a_field_is_still_its_standing(engine: Engine) -> None:
    assert engine.lookup("how is it at vision").subject == "vision-ranking"


@pytest.mark.parametrize(
    ("question", "no"), [("its only on whatsapp for now", "No"), ("é só no whatsapp?", "Não")]
)
def test_calling_it_one_apps_only_is_corrected_with_every_app(engine: Engine, question: str, no: str) -> None:
    answer = engine.lookup(question)
    assert answer.text.split()[0] == no
    assert "Instagram" in answer.text and "Messenger" in answer.text


def test_asking_whether_it_is_on_an_app_claims_nothing(engine: Engine) -> None:
    assert not engine.lookup("is it on whatsapp?").text.startswith("No")


@pytest.mark.parametrize(
    "question",
    ["how many people live in london", "cuantas personas viven en lima", "quantas pessoas moram em recife"],
)
def test_how_many_people_somewhere_else_is_not_its_audience(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.route == "fallback", answer.text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [("cuanta gente lo va a tener?", "3 mil millones"), ("quanta gente vai usar isso?", "3 bilhões")],
)
def test_how_much_people_is_its_audience_too(engine: Engine, question: str, wanted: str) -> None:
    assert wanted in engine.lookup(question).text


@pytest.mark.parametrize(
    "question",
    [
        "which outfit at meta made this muse spark thing and who's the oke running it",
        "qual divisao da Meta desenvolveu o Muse Spark e quem a chefia atualmente?",
    ],
)
def test_who_runs_it_gets_no_benchmark_figures(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "Superintelligence Labs" in text
    assert not re.search(r"\d+[.,]\d", text), text


@pytest.mark.parametrize("question", ["who runs it", "who's in charge of it", "who's running it"])
def test_who_runs_it_is_its_leader(engine: Engine, question: str) -> None:
    assert engine.lookup(question).text.startswith("**Alexandr Wang**")


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("Wang was poached from OpenAI wasn't he?", "No"),
        ("alexandr wang fue cofundador de openai no?", "No"),
        ("o wang veio da openai ne?", "Não"),
        ("wang dulu kerja di openai kan?", "Tidak"),
    ],
)
def test_tying_wang_to_another_lab_is_corrected_with_where_he_came_from(
    engine: Engine, question: str, no: str
) -> None:
    text = engine.lookup(question).text
    assert text.split()[0] == no and "Scale AI" in text, text


@pytest.mark.parametrize(
    "question",
    ["wang wants to beat openai right?", "wang quiere ganarle a openai no?", "wang built it right"],
)
def test_wang_s_mandate_against_a_rival_is_no_false_premise(engine: Engine, question: str) -> None:
    assert engine.lookup(question).text.startswith("**Alexandr Wang**")


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("म्यूज़ स्पार्क तो गूगल ने बनाया है ना, जेमिनी वाली टीम ने?", "नहीं"),
        ("muse spark lo saco google deepmind verdad?", "No"),
        ("did the gemini team at google make muse spark", "No"),
    ],
)
def test_crediting_google_and_its_gemini_team_is_corrected_without_a_table(
    engine: Engine, question: str, no: str
) -> None:
    answer = engine.lookup(question)
    assert answer.text.split()[0] == no and "Meta Superintelligence Labs" in answer.text
    assert answer.route == "knowledge" and "20.6" not in answer.text and "20,6" not in answer.text


def test_asking_whether_google_made_gemini_is_not_about_muse_spark(engine: Engine) -> None:
    assert not engine.lookup("did google make gemini").text.startswith("No")


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("why has Meta moved away from open source Llama to a closed model for Muse Spark?", "compute"),
        ("por qué Meta decidió no liberar Muse Spark como sí hizo con sus modelos Llama", "cómputo"),
        ("मेटा ने पहले Llama को ओपन रखा, अब ये क्लोज़्ड मॉडल क्यों बनाया?", "कंप्यूट"),
    ],
)
def test_why_it_is_closed_unlike_llama_is_the_reason(engine: Engine, question: str, wanted: str) -> None:
    text = engine.lookup(question).text
    assert wanted in text and not text.startswith(("No", "नहीं")), text


def test_a_nukta_typed_or_left_out_reads_the_same(engine: Engine) -> None:
    with_nukta = engine.lookup("म्यूज़ स्पार्क क्लोज़्ड क्यों है?").text
    assert with_nukta == engine.lookup("म्यूज स्पार्क क्लोज्ड क्यों है?").text
    assert "कंप्यूट" in with_nukta


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        (
            "Boleh saya tahu kapan Muse Spark dirilis dan lembaga apa yang mengembangkannya?",
            ["April", "Superintelligence"],
        ),
        ("quien lo hizo, cuando salio y en que es bueno", ["Superintelligence", "abril"]),
        ("cuando salio y quien lo armo", ["abril", "Superintelligence"]),
        ("quando foi lancado e quem construiu esse modelo?", ["abril", "Superintelligence"]),
    ],
)
def test_a_second_question_asked_late_in_its_clause_is_answered_too(
    engine: Engine, question: str, wanted: list[str]
) -> None:
    text = engine.lookup(question).text
    assert all(w in text for w in wanted), text
    assert "computa" not in text  # "esse modelo" is the subject, not the open-weights story


def test_a_list_of_benchmarks_is_still_one_question(engine: Engine) -> None:
    answer = engine.lookup("what are its hle and arc agi 2 scores")
    assert "50.2" in answer.text and "42.5" in answer.text


def test_three_questions_in_one_message_get_three_answers(engine: Engine) -> None:
    text = engine.lookup(
        "ok so three things lol. is spark better than gemini at health stuff, is it better at coding,"
        " and is it on insta"
    ).text
    assert "42.8" in text and "59.0" in text and "Instagram" in text
    assert text.count("59.0") == 1  # the app question borrows no Terminal-Bench figures


def test_asking_for_an_app_after_figures_asks_where_it_is(engine: Engine) -> None:
    text = engine.lookup("o spark e melhor q o gpt 5.4 em saude? e ta no facebook?").text
    assert "Facebook" in text and text.count("42,8") == 1


@pytest.mark.parametrize(
    "question",
    [
        "who won the ipl match yesterday? tell me the score",
        "kal ka ipl match kaun jeeta bhai? score bata",
        "me passa a receita de acaraje ai vei",
    ],
)
def test_a_message_about_something_else_gets_the_scope_note_and_no_figures(
    engine: Engine, question: str
) -> None:
    answer = engine.lookup(question)
    assert answer.route == "fallback", answer.text
    assert not re.search(r"\*\*\d", answer.text)


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("oye, ¿esto llega a España o de momento solo está en EEUU?", "país"),
        ("is it coming to spain or just the us for now", "country"),
        ("udah ada di indonesia belum?", "negara"),
    ],
)
def test_a_country_by_name_gets_the_missing_country_dates_and_no_false_no(
    engine: Engine, question: str, wanted: str
) -> None:
    text = engine.lookup(question).text
    assert wanted in text and not text.startswith(("No", "Tidak")), text


@pytest.mark.parametrize(
    ("question", "wanted"), [("is the api live?", "API"), ("quantos parametro tem?", "parâmetros")]
)
def test_a_singular_or_a_bare_live_still_finds_the_unknown(
    engine: Engine, question: str, wanted: str
) -> None:
    text = engine.lookup(question).text
    assert wanted in text and "glasses" not in text, text


@pytest.mark.parametrize(
    ("history", "question", "wanted"),
    [
        ("o muse spark vai rodar nos oculos da meta?", "e oq ele faz nos oculos exatamente?", "vídeo"),
        ("", "funciona en las gafas de meta?", "gafas"),
    ],
)
def test_the_glasses_by_their_local_name(engine: Engine, history: str, question: str, wanted: str) -> None:
    answer = _ask(engine, question, *([history] if history else []))
    assert wanted in answer.text and answer.route == "knowledge", answer.text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [("y muse spark 2 para cuando?", "no da fecha"), ("muse spark 2 kapan?", "tanggal")],
)
def test_when_the_next_model_comes_in_any_word_order_is_the_missing_date(
    engine: Engine, question: str, wanted: str
) -> None:
    assert wanted in engine.lookup(question).text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("why does the health thing matter so much for meta specifically", ["South Asia", "Latin America"]),
        ("wasn't meta seen as way behind in ai like a year ago? what changed", ["Wang", "frontier"]),
        ("a meta tava ficando pra tras em IA ne? isso mudou com esse lancamento?", ["Wang", "fronteira"]),
    ],
)
def test_why_questions_get_the_reason_not_only_the_background(
    engine: Engine, question: str, wanted: list[str]
) -> None:
    text = engine.lookup(question).text
    assert all(w in text for w in wanted) and len(text) < 600, text


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("since yann lecun led the muse spark project, what was his main design idea?", "No"),
        ("Tengo entendido que Yann LeCun fue quien lideró el desarrollo de Muse Spark, ¿es así?", "No"),
        ("quem lidera o meta superintelligence labs é o yann lecun ne", "Não"),
        ("so sam altman's team built it?", "No"),
    ],
)
def test_crediting_someone_the_source_never_names_is_corrected_with_who_did(
    engine: Engine, question: str, no: str
) -> None:
    text = engine.lookup(question).text
    assert text.split()[0] == no and "Alexandr Wang" in text, text


@pytest.mark.parametrize(
    "question", ["what is it best at", "where does it lead", "which benchmark does it lead"]
)
def test_what_it_leads_on_is_its_strengths_not_its_weakest_benchmark(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "HealthBench" in text, text
    assert "Terminal-Bench" not in text or text.index("HealthBench") < text.index("Terminal-Bench")


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("me fala 3 coisa: o spark e melhor q o gpt 5.4 em saude?", "42,8"),
        ("need 3 things for my deck in 10 min: aa index score", "52"),
        ("is there a public API for Muse Spark yet?", "not available yet"),
    ],
)
def test_counts_in_a_request_claim_nothing_and_name_no_model(
    engine: Engine, question: str, wanted: str
) -> None:
    text = engine.lookup(question).text
    assert wanted in text and not re.match(r"(No|Não)\b\W*—", text), text


@pytest.mark.parametrize(
    "question",
    [
        "Qual foi a data oficial de lançamento do Muse Spark e qual divisão da Meta desenvolveu o modelo?",
        "कृपया बताइए कि म्यूज़ स्पार्क को किस लैब ने विकसित किया है और उस लैब का नेतृत्व कौन करता है?",
    ],
)
def test_which_lab_made_it_is_who_built_it(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "Meta Superintelligence Labs" in text and "Wang" in text, text


@pytest.mark.parametrize(
    "question",
    [
        "was muse spark released before gpt 5.4?",
        "with muse spark launching in march 2026, did meta have it before gpt-5.4?",
    ],
)
def test_a_date_question_naming_two_models_gets_a_date_not_a_table(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "April 8, 2026" in text and "76.1" not in text and "```" not in text, text


def test_ok_before_a_follow_up_does_not_switch_the_language(engine: Engine) -> None:
    answer = _ask(engine, "ok y gemini 3.1 pro", "cuanto saca spark en arc agi 2", "y gpt 5.4?")
    assert "76,5" in answer.text, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "what are its biggest strength and biggest weakness",
        "spark की सबसे बड़ी ताकत और सबसे बड़ी कमज़ोरी क्या है?",
        "rangkum kelebihan & kekurangan muse spark dlm 3 poin aja",
    ],
)
def test_strength_and_weakness_asked_together_get_both(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert "HealthBench" in text and "ARC-AGI 2" in text, text


def test_only_a_yes_no_question_about_being_the_best_opens_with_not_across_the_board(engine: Engine) -> None:
    assert engine.lookup("is it the best model").text.startswith("Not across the board")
    assert engine.lookup("what is it best at").text.startswith("It **leads")


def test_a_numbered_list_of_questions_answers_a_bare_when_about_the_same_subject(engine: Engine) -> None:
    text = engine.lookup("3 qs: 1) who built it 2) when 3) is it open source").text
    assert "Meta Superintelligence Labs" in text and "April 8, 2026" in text, text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        (
            "Could you confirm the release date of Muse Spark, the organisation responsible for it,"
            " and whether the model weights are publicly available?",
            ["April 8, 2026", "Meta Superintelligence Labs", "closed-source"],
        ),
        (
            "need 3 things for my deck in 10 min: release date, aa index score, and is it open weights y/n",
            ["April 8, 2026", "52", "closed-source"],
        ),
    ],
)
def test_a_list_of_facts_asked_for_gets_each_one(engine: Engine, question: str, wanted: list[str]) -> None:
    text = engine.lookup(question).text
    assert all(w in text for w in wanted), text


@pytest.mark.parametrize(
    ("question", "no"),
    [
        ("is muse spark more efficient than llama 4", False),
        ("muse spark usa 10 veces mas computo que llama 4 maverick, por eso es tan bueno no?", True),
        ("muse spark uses 10x more compute than llama 4 maverick right", True),
    ],
)
def test_compute_against_llama_is_the_ten_times_less_claim(engine: Engine, question: str, no: bool) -> None:
    text = engine.lookup(question).text
    assert ("ten times less" in text or "diez veces menos" in text) and text.startswith("No") is no, text


def test_an_improved_llama_is_corrected_with_the_new_series(engine: Engine) -> None:
    text = engine.lookup("is it just an improved llama 4 or something else").text
    assert "Muse series" in text and "scratch" in text, text


def test_a_benchmark_s_own_version_number_is_no_claim(engine: Engine) -> None:
    text = engine.lookup("termbench 2 numbers pls").text
    assert text.startswith("**Muse Spark**") and "59.0" in text, text


@pytest.mark.parametrize(
    ("question", "stand_in"),
    [
        ("does it beat gemini at vision?", "Gemini 3.1 Pro Preview"),
        ("is spark better than gpt 5.4 on hle", "GPT-5.4 Pro"),
    ],
)
def test_a_verdict_on_a_benchmark_uses_the_variant_the_source_gives(
    engine: Engine, question: str, stand_in: str
) -> None:
    text = engine.lookup(question).text
    assert stand_in in text and "no benchmark" not in text, text


@pytest.mark.parametrize(
    "question",
    [
        "give me all the benchmark scores",
        "Can you compare Muse Spark with the other frontier models?",
        "dame todos los puntajes de benchmarks",
    ],
)
def test_all_the_scores_is_the_whole_table(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert (
        answer.route == "compare"
        and "Claude Opus 4.6" in answer.text
        and "59,0" in answer.text.replace("59.0", "59,0")
    )


def test_the_price_of_a_deal_is_not_the_api_price(engine: Engine) -> None:
    assert "14" in engine.lookup("meta bayar berapa buat scale ai").text


def test_which_models_it_is_compared_with_is_the_table(engine: Engine) -> None:
    assert engine.lookup("what models did meta compare against").route == "compare"


def test_another_labs_reasoning_mode_is_described_not_a_missing_agent_count(engine: Engine) -> None:
    text = engine.lookup("does deep think use parallel agents too?").text
    assert "self-refinement" in text and "how many" not in text, text


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        (
            "what's the context window, the price and the release date?",
            ["context window", "API pricing", "April 8, 2026"],
        ),
        (
            "who leads msl, how many params, and is it on instagram?",
            ["Alexandr Wang", "parameter", "Instagram"],
        ),
        (
            "healthbench score + how does contemplating mode work + when's the api",
            ["42.8", "sub-agents", "API has not launched"],
        ),
        ("¿cuál es la ventana de contexto y cuánto cuesta?", ["ventana de contexto", "precios"]),
    ],
)
def test_every_part_of_a_three_part_question_gets_its_answer(
    engine: Engine, question: str, wanted: list[str]
) -> None:
    text = engine.lookup(question).text
    assert all(w in text for w in wanted), text


@pytest.mark.parametrize(
    ("question", "yes"),
    [
        ("is it on instagram?", "Yes — it is coming to Instagram"),
        ("tá no whatsapp?", "Sim: chega ao WhatsApp"),
        ("esta en facebook?", "Sí: llega a Facebook"),
        ("kya ye whatsapp pe hai?", "हाँ"),
        ("udah ada di IG belum?", "Ya — Muse Spark hadir di Instagram"),
    ],
)
def test_whether_it_is_on_an_app_gets_a_plain_yes_and_when(engine: Engine, question: str, yes: str) -> None:
    assert engine.lookup(question).text.startswith(yes)


@pytest.mark.parametrize(
    "question", ["is muse spark already on all whatsapp accounts?", "is it good on whatsapp"]
)
def test_only_the_plain_question_gets_the_plain_yes(engine: Engine, question: str) -> None:
    assert not engine.lookup(question).text.startswith("Yes")


@pytest.mark.parametrize(
    ("question", "gap"),
    [
        ("how big is the gap between muse spark and gemini 3.1 pro on healthbench", "22.2"),
        ("how many points behind gpt-5.4 is it on terminal bench", "16.1"),
        ("¿cuánto le saca a gemini en healthbench?", "22,2"),
    ],
)
def test_by_how_much_gets_the_gap_worked_out(engine: Engine, question: str, gap: str) -> None:
    assert gap in engine.lookup(question).text


def test_the_difference_between_modes_is_no_gap(engine: Engine) -> None:
    text = engine.lookup("qual a diferença do contemplating pro deep think do google").text
    assert "paralelo" in text and "pontos" not in text, text


@pytest.mark.parametrize(
    "question", ["who are you", "quién eres?", "quem é vc?", "kamu siapa?", "tum kaun ho?"]
)
def test_who_are_you_gets_the_introduction_not_outside_what_i_know(engine: Engine, question: str) -> None:
    answer = engine.lookup(question)
    assert answer.subject == "greeting" and "Muse Bot" in answer.text, answer.text


def test_a_year_ago_behind_is_the_turnaround_not_the_weak_spots(engine: Engine) -> None:
    text = engine.lookup(
        "a year ago everyone said meta was behind in ai, what was the take on meta ai back then"
    ).text
    assert "Twelve months" in text and "ARC-AGI" not in text, text


def test_an_aside_after_a_question_gets_no_figures_nobody_asked_for(engine: Engine) -> None:
    text = engine.lookup("is it live now or still rolling out? my meta ai looks the same").text
    assert "42.8" not in text, text


@pytest.mark.parametrize("question", ["is llama 4 open source?", "tell me about llama 4"])
def test_a_question_about_llama_is_answered_about_llama(engine: Engine, question: str) -> None:
    text = engine.lookup(question).text
    assert text.startswith("Llama continues"), text


def test_why_closed_unlike_llama_with_this_model_in_hindi_is_the_reason(engine: Engine) -> None:
    text = engine.lookup("मेटा ने पहले Llama को ओपन रखा, अब ये क्लोज़्ड मॉडल क्यों बनाया?").text
    assert "कंप्यूट" in text, text
