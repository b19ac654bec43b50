"""Numbers in the asker's language: English without Babel, to the same characters as Babel."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import _english_number, speaker

TRICKY = [0.0, -0.0, 0.05, 0.15, 0.25, 2.675, 1.005, -0.04, 999.95, 1e-7, 1234567.891, 1e15]


def _babel(value: float, decimals: int) -> str:
    pattern = "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals
    return str(format_decimal(value, format=pattern, locale="en_US"))


@settings(max_examples=2000, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
    | st.sampled_from(TRICKY),
    st.integers(0, 4),
)
def test_english_numbers_are_babels(value: float, decimals: int) -> None:
    assert _english_number(value, decimals) == _babel(value, decimals)


def test_other_languages_still_use_babel() -> None:
    assert speaker("es").number(1234.5, 1) == "1.234,5"
    assert speaker("pt").number(1234.5, 1) == "1.234,5"
    assert speaker("en").number(1234.5, 2) == "1,234.50"


def test_english_dates_and_lists_are_babels() -> None:
    from babel.dates import format_date
    from babel.lists import format_list

    say = speaker("en")
    for month in range(1, 13):
        day = dt.date(2026, month, 1 + month * 2)
        assert say.date(day) == format_date(day, format="long", locale="en_US")
    for n in range(2, 6):
        items = [f"item {i}" for i in range(n)]
        assert say.join(items) == format_list(items, locale="en_US")
        assert say.join(items, style="or") == format_list(items, style="or", locale="en_US")


@pytest.mark.parametrize(
    ("language", "wanted"), [("en", "9 hr"), ("es", "9 h"), ("id", "9 j"), ("hi", "9 घं॰")]
)
def test_a_wait_is_written_in_the_readers_units(language: str, wanted: str) -> None:
    assert speaker(language).duration(9, "hour") == wanted
