"""Follow-ups on the bot's last answer, in one chat, as people send them: "tell me more" gives
more (never the same answer twice), a bare "why?" gets the reason."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.answering.engine import Engine
from bot.conversation import Asker, Conversation, Question
from bot.state.store import Store


def _chat(engine: Engine, *messages: str) -> list[str]:
    """Every reply, in order, to `messages` sent one after another in one private chat."""

    async def run() -> list[str]:
        conversation = Conversation(engine, Store(":memory:"))
        asker = Asker(chat_id=5, user_id=5, channel="test")
        return [await (await conversation.turn(Question(m, asker))).text() for m in messages]

    return asyncio.run(run())


def test_tell_me_more_says_something_new_each_time(engine: Engine) -> None:
    replies = _chat(engine, "what is contemplating mode", "tell me more", "tell me more")
    assert len(set(replies)) == 3, replies
    assert all("outside what I know" not in r for r in replies)


def test_a_bare_why_gets_the_reason(engine: Engine) -> None:
    _, why = _chat(engine, "is muse spark open source?", "why?")
    assert "compute" in why


def test_more_in_spanish_is_more_in_spanish(engine: Engine) -> None:
    first, more = _chat(engine, "que es el modo contemplating", "cuentame mas")
    assert first != more and "artículo" in more


def test_a_follow_up_about_a_detail_is_answered_from_what_was_just_said(engine: Engine) -> None:
    _, deal = _chat(engine, "who is alexandr wang", "how much was that deal")
    assert "14 billion" in deal


def test_a_follow_up_about_it_asks_about_the_model_not_the_last_figure(engine: Engine) -> None:
    _, released, built = _chat(engine, "muse spark hle", "when was it released?", "who built it")
    assert "April 8, 2026" in released and "50.2" not in released
    assert "Meta Superintelligence Labs" in built and "50.2" not in built


def test_a_follow_up_about_that_figure_stays_on_it(engine: Engine) -> None:
    _, mode, numbers = _chat(engine, "muse spark arc agi 2 score", "what mode was that in", "and gemini?")
    assert "Thinking" in mode
    assert "76.5" in numbers


def test_thanks_after_a_figure_is_no_question(engine: Engine) -> None:
    _, thanks = _chat(engine, "muse spark hle", "thanks!")
    assert "50.2" not in thanks and "welcome" in thanks.lower()


def test_why_after_a_figure_gives_what_the_source_says_is_behind_it(engine: Engine) -> None:
    _, hle_why = _chat(engine, "muse spark hle", "why?")
    _, health_why = _chat(engine, "spark healthbench score", "why?")
    assert "parallel" in hle_why, "HLE was won in Contemplating mode: its sub-agents in parallel"
    assert "health" in health_why.lower() and "42.8" not in health_why.split(".")[0], health_why


def test_tell_me_more_after_a_figure_says_something_new(engine: Engine) -> None:
    figure, more = _chat(engine, "muse spark hle", "tell me more")
    assert more != figure and "outside what I know" not in more


def test_who_is_best_after_a_thread_ranks_every_model(engine: Engine) -> None:
    *_, best = _chat(
        engine, "whats spark's arc agi 2 score", "how about gemini 3.1 pro", "and gpt 5.4", "so who's best"
    )
    assert best.index("Gemini 3.1 Pro") < best.index("GPT-5.4"), "Gemini 3.1 Pro leads ARC-AGI 2 with 76.5"


def test_which_model_is_best_on_a_benchmark_is_a_ranking_in_any_language(engine: Engine) -> None:
    (answer,) = _chat(engine, "qual modelo é o melhor no arc-agi 2?")
    assert answer.index("Gemini 3.1 Pro") < answer.index("Muse Spark") and "76,5" in answer


def test_why_so_low_in_any_language_gets_where_it_falls_short(engine: Engine) -> None:
    for first, why in (
        ("spark arc agi 2", "why so low?"),
        ("puntaje de spark en arc agi 2", "por qué tan bajo?"),
        ("qual a nota do spark no terminal bench", "pq tão baixo?"),
    ):
        _, reply = _chat(engine, first, why)
        assert "76" in reply and "outside" not in reply.lower() and "fora do" not in reply, (why, reply)


def test_what_about_in_indonesian_keeps_the_benchmark(engine: Engine) -> None:
    _, gpt = _chat(engine, "nilai spark di HLE berapa", "kalo gpt?")
    assert "43,9" in gpt and "(OpenAI)" not in gpt, gpt


def test_worst_and_which_one_to_use_after_a_benchmark_rank_every_model(engine: Engine) -> None:
    _, worst = _chat(engine, "who is best on arc agi 2", "and worst?")
    _, which = _chat(engine, "spark arc agi 2", "which one should i use then?")
    for reply in (worst, which):
        assert reply.index("Gemini 3.1 Pro") < reply.index("GPT-5.4") < reply.index("Muse Spark"), reply


def test_asking_who_is_number_one_corrects_nobody(engine: Engine) -> None:
    """ "who is number 1 then" after a vision answer asks; it claims nothing to say "No" to."""
    reply = _chat(engine, "how good is muse spark at vision", "who is number 1 then")[1]
    assert not reply.lower().startswith("no")
    assert "Gemini 3.1 Pro Preview" in reply


def test_a_figure_claimed_there_is_checked_on_the_benchmark_just_answered(engine: Engine) -> None:
    reply = _chat(engine, "what did muse spark get on healthbench hard", "so gpt-5.4 scored 20.6 there?")[1]
    assert reply.startswith("No")
    assert "40.1" in reply and "HealthBench" in reply


def test_a_follow_up_that_leaves_out_he_is_about_the_person_just_named(engine: Engine) -> None:
    """Spanish and Portuguese drop the subject: "y cómo llegó a meta?" after "who leads MSL"."""
    reply = _chat(engine, "quien lidera meta superintelligence labs", "y como llego a meta ese wey")[1]
    assert "Scale AI" in reply


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        ("en", ("what is contemplating mode", "whats it competing against from google and openai")),
        ("pt", ("o que é o modo contemplating", "e o modo pro do gpt 5.4 faz oq diferente")),
        ("es", ("que es el modo contemplating", "y contra que compite? lo de google y openai digo")),
    ],
)
def test_rivals_of_a_mode_are_the_other_makers_reasoning_modes(
    engine: Engine, language: str, messages: tuple[str, str]
) -> None:
    """After a mode, "google and openai" mean Deep Think and GPT-5.4 Pro, not the base models."""
    _, rivals = _chat(engine, *messages)
    assert "Deep Think" in rivals and "GPT-5.4 Pro" in rivals
    assert "Contemplating" in rivals
    assert not re.search(r"\d\d[.,]\d", rivals)  # how they work, not a table of the base models
