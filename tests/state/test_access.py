"""The access policy and the LLM quotas, without Telegram: plain ids, a fake clock, a real Store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.conversation import clip_question
from bot.ops.settings import Settings
from bot.state.access import AccessPolicy, Standing
from bot.state.quotas import Limits, Quotas
from bot.state.store import Store

USER, OTHER, ADMIN = 1001, 1002, 9
GROUP, OTHER_GROUP = -2001, -2002
# 2026-11-26 14:02:30 UTC: 30 s before the minute turns, 9 h 57 min 30 s before the day does.
T0 = dt.datetime(2026, 11, 26, 14, 2, 30, tzinfo=dt.UTC).timestamp()


class Clock:
    def __init__(self, at: float = T0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


def _quotas(store: Store, clock: Clock, **limits: int) -> Quotas:
    base = {"user_per_minute": 2, "user_per_day": 5, "chat_per_minute": 3, "chat_per_day": 10}
    return Quotas(store, Limits(**{**base, **limits}), exempt={ADMIN}, clock=clock)


# -- policy ------------------------------------------------------------------------------------


def test_empty_allowlists_are_open_to_everyone_everywhere() -> None:
    policy = AccessPolicy()
    assert policy.open
    assert policy.standing(USER, USER, private=True) is Standing.FULL
    assert policy.standing(OTHER, GROUP, private=False) is Standing.FULL
    assert policy.standing(OTHER, None, private=True) is Standing.FULL


def test_policy_from_settings_reads_the_documented_variables() -> None:
    from_env: dict[str, Any] = {
        "allowed_user_ids": "1001, 1002",
        "allowed_chat_ids": "-2001",
        "admin_user_ids": "9",
    }
    settings = Settings(_env_file=None, **from_env)  # type: ignore[call-arg]
    policy = AccessPolicy.from_settings(settings)
    assert policy.allowed_users == {USER, OTHER} and policy.allowed_chats == {GROUP}
    assert policy.admins == {ADMIN} and policy.knowledge_open_to_all


def test_policy_from_settings_without_the_new_fields_is_open() -> None:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert AccessPolicy.from_settings(defaults).open
    assert Limits.from_settings(defaults) == Limits(5, 100, 20, 500)


@pytest.mark.parametrize("knowledge_open", [True, False])
def test_members_strangers_and_groups(knowledge_open: bool) -> None:
    policy = AccessPolicy(frozenset({USER}), frozenset({GROUP}), frozenset({ADMIN}), knowledge_open)
    stranger = Standing.KNOWLEDGE if knowledge_open else Standing.NONE
    assert policy.standing(USER, USER, private=True) is Standing.FULL
    assert policy.standing(ADMIN, ADMIN, private=True) is Standing.FULL
    assert policy.standing(OTHER, OTHER, private=True) is stranger
    assert policy.standing(OTHER, GROUP, private=False) is Standing.FULL, "an allowed group's members"
    assert policy.standing(USER, OTHER_GROUP, private=False) is Standing.LEAVE
    assert policy.standing(OTHER, None, private=True) is stranger, "inline mode: no chat"


def test_only_users_listed_keeps_groups_but_limits_the_llm_to_members() -> None:
    policy = AccessPolicy(allowed_users=frozenset({USER}), knowledge_open_to_all=True)
    assert policy.standing(USER, GROUP, private=False) is Standing.FULL
    assert policy.standing(OTHER, GROUP, private=False) is Standing.KNOWLEDGE


# -- quotas ------------------------------------------------------------------------------------


def test_per_minute_limit_refuses_with_the_reset_time(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock)
    assert quotas.spend(USER) and quotas.spend(USER)
    refused = quotas.spend(USER)
    assert not refused and refused.reason == "user_minute"
    assert refused.reset_at == dt.datetime(2026, 11, 26, 14, 3, tzinfo=dt.UTC)
    assert "at 14:03 UTC (in 30 sec)" in refused.message
    assert "2 questions a minute" in refused.message
    clock.at += 30
    assert quotas.spend(USER), "a new minute, a new allowance"


def test_per_day_limit_refuses_until_midnight_utc(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock)
    for _ in range(5):
        assert quotas.spend(USER)
        clock.at += 60
    refused = quotas.spend(USER)
    assert refused.reason == "user_day"
    assert refused.reset_at == dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    assert "at 00:00 UTC (in 9 hr 52 min)" in refused.message
    clock.at = dt.datetime(2026, 11, 27, 0, 0, 1, tzinfo=dt.UTC).timestamp()
    assert quotas.spend(USER)


def test_a_refused_request_is_not_charged(store: Store) -> None:
    quotas = _quotas(store, Clock(), user_per_minute=1)
    assert quotas.spend(USER)
    for _ in range(3):
        assert not quotas.spend(USER)
    day = next(line for line in quotas.report(USER).lines if "today" in line.label)
    assert day.used == 1


def test_group_and_user_limits_are_separate(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock, user_per_minute=10, chat_per_minute=3)
    assert all(quotas.spend(u, GROUP, group=True) for u in (USER, OTHER, USER))
    refused = quotas.spend(OTHER, GROUP, group=True)
    assert refused.reason == "chat_minute" and "this group can ask" in refused.message
    assert quotas.spend(OTHER, OTHER_GROUP, group=True), "another group has its own allowance"
    assert quotas.spend(OTHER, OTHER), "and so has the user in private"
    user_lines = {line.label: line.used for line in quotas.report(USER).lines}
    assert user_lines == {"you, this minute": 2, "you, today (UTC)": 2}


def test_user_limit_applies_across_chats(store: Store) -> None:
    quotas = _quotas(store, Clock())
    assert quotas.spend(USER, GROUP, group=True)
    assert quotas.spend(USER, USER)
    assert quotas.spend(USER, OTHER_GROUP, group=True).reason == "user_minute"


def test_cost_charges_n_plus_one_and_a_big_cost_fits_only_an_empty_window(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock, user_per_minute=3, user_per_day=100)
    assert quotas.spend(USER, cost=3)
    assert not quotas.spend(USER)
    clock.at += 60
    assert quotas.spend(USER)
    assert not quotas.spend(USER, cost=4), "over the limit, and the window is not empty"
    clock.at += 60
    assert quotas.spend(USER, cost=4), "alone it exceeds the limit: allowed into an empty window"
    assert not quotas.spend(USER)


def test_zero_means_no_limit_and_admins_are_exempt(store: Store) -> None:
    quotas = _quotas(store, Clock(), user_per_minute=0, user_per_day=0)
    assert all(quotas.spend(USER) for _ in range(50))
    limited = _quotas(store, Clock(), user_per_minute=1)
    assert all(limited.spend(ADMIN) for _ in range(10))
    assert limited.report(ADMIN).exempt


def test_counters_persist_across_a_store_reopen(tmp_path: Path) -> None:
    path = tmp_path / "data" / "musebot.sqlite3"
    clock = Clock()
    first = Store(path)
    quotas = _quotas(first, clock)
    assert quotas.spend(USER) and quotas.spend(USER)
    first.close()
    second = Store(path)
    try:
        assert not _quotas(second, clock).spend(USER), "a restart is no way around the limit"
    finally:
        second.close()


def test_old_windows_are_pruned(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock)
    quotas.spend(USER)
    clock.at += 86_400 * 2
    quotas.spend(OTHER)
    assert store.usage(f"llm:user:{USER}", "day:2026-11-26") == 0
    assert store.usage(f"llm:user:{OTHER}", "day:2026-11-28") == 1


def test_report_shows_own_numbers_limits_and_resets(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock)
    quotas.spend(USER, GROUP, group=True)
    quotas.spend(OTHER, GROUP, group=True)
    text = quotas.report(USER, GROUP, group=True).markdown(quotas.now())
    assert "you, this minute: **1** of 2 — resets at 14:03 UTC (in 30 sec)" in text
    assert "you, today (UTC): **1** of 5" in text
    assert "this group, this minute: **2** of 3" in text
    private = quotas.report(USER).markdown(quotas.now())
    assert "group" not in private


def test_strangers_are_told_once_a_day(store: Store) -> None:
    clock = Clock()
    quotas = _quotas(store, clock)
    assert quotas.first_today("stranger", OTHER)
    assert not quotas.first_today("stranger", OTHER)
    assert quotas.first_today("stranger", USER)
    clock.at += 86_400
    assert quotas.first_today("stranger", OTHER)


# -- input length ------------------------------------------------------------------------------


def test_long_questions_are_cut_with_a_notice() -> None:
    short = clip_question("what is hle", 2000)
    assert short.text == "what is hle" and not short.cut and not short.notice
    long = clip_question("x" * 10_000, 2000)
    assert long.cut and len(long.text) == 2000
    assert "10,000 characters" in long.notice and "2,000" in long.notice
