"""Load: 200 chats × 5 messages arriving at once, through the fake Bot API with flood limits on.

The real Application (rate limiter, per-chat ordering, delivery) answers knowledge questions
from a fake Telegram that enforces Telegram's limits as documented (about 1 message/s per
chat with a burst of 3, 20/min per group, 30/s overall) and answers 429 when they are broken.
Checked: every message answered, 0 flood bans (429s the fake had to give), and each chat's
answers in the order of its questions. Reported: time to drain, as a ratio to draining
1 chat × 5 messages in the same run (the per-chat pace alone), and peak RSS.

    .venv/bin/python bench/load.py [--chats 200] [--messages 5] [--groups 0]

`--groups N` makes N of the chats groups (asked by @mention). Everything runs in one process
and one event loop, the fake server included, so the RSS and the time include the fake.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
import time
from typing import Any

from _common import table
from pydantic import SecretStr

from bot.answering.engine import Engine
from bot.channels.telegram.app import build_application
from bot.knowledge import load_knowledge
from bot.ops.settings import Settings
from bot.state.store import Store
from tests.fakes.telegram_api import FakeBotAPI

# Question → a figure only its own answer contains, so the order of answers can be checked.
QUESTIONS = (
    ("what did muse spark score on hle", "50.2"),
    ("how did muse spark do on arc agi 2", "42.5"),
    ("what did muse spark score on healthbench hard", "42.8"),
    ("how did muse spark do on terminal bench", "59.0"),
    ("what is contemplating mode", "sub-agents"),
)
TIME_LIMIT = 110.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _text(message: dict[str, Any]) -> str:
    return str(message.get("text") or "")


async def _drain(api: FakeBotAPI, chats: list[int], messages: int) -> float:
    """Send `messages` questions to each chat at once; seconds until all are answered."""
    already = {chat: len(api.sent(chat)) for chat in chats}
    start = time.perf_counter()
    for i in range(messages):
        question = QUESTIONS[i % len(QUESTIONS)][0]
        for chat in chats:
            api.message(chat, f"@muse_test_bot {question}" if chat < 0 else question, user_id=abs(chat))
    waiting = set(chats)

    def done() -> bool:
        for chat in list(waiting):
            if len(api.sent(chat)) - already[chat] >= messages:
                waiting.discard(chat)
        return not waiting

    await api.wait_for(done, timeout=TIME_LIMIT)
    return time.perf_counter() - start


def _out_of_order(api: FakeBotAPI, chats: list[int], messages: int) -> int:
    bad = 0
    for chat in chats:
        answers = [_text(m) for m in api.sent(chat)][-messages:]
        wanted = [QUESTIONS[i % len(QUESTIONS)][1] for i in range(messages)]
        bad += any(mark not in answer for mark, answer in zip(wanted, answers, strict=True))
    return bad


def _check_markers(engine: Engine) -> None:
    """Each marker must be in its own answer and in no other, or the order check means nothing."""
    texts = [engine.lookup(q).markdown() for q, _ in QUESTIONS]
    for i, (_, mark) in enumerate(QUESTIONS):
        holders = [j for j, text in enumerate(texts) if mark in text]
        if holders != [i]:
            raise SystemExit(f"marker {mark!r} is in answers {holders}; pick another")


async def run(chats: int, messages: int, groups: int) -> int:
    logging.basicConfig(level=logging.WARNING)
    engine = Engine(load_knowledge())
    _check_markers(engine)
    async with FakeBotAPI(flood_limits=True) as api:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            telegram_bot_token=SecretStr(api.token),
            telegram_api_base_url=api.base_url,
            telegram_api_file_url=api.base_file_url,
        )
        app = build_application(settings, engine, Store(":memory:"))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        try:
            rss_idle = _peak_rss_mb()
            one = await _drain(api, [10], messages)
            bans_one = api.flood_bans
            private = [1_000_000 + i for i in range(chats - groups)]
            group = [-(5_000 + i) for i in range(groups)]
            everyone = private + group
            many = await _drain(api, everyone, messages)
            rss_peak = _peak_rss_mb()
            disorder = _out_of_order(api, [10, *everyone], messages)
            bans = api.flood_bans
            bans_groups = sum(n for chat, n in api.flood_bans_by_chat.items() if chat < 0)
            answered = sum(len(api.sent(c)) for c in everyone)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    total = chats * messages
    kind = f"{chats} chats ({groups} groups) × {messages}" if groups else f"{chats} chats × {messages}"
    print(
        table(
            ["load", "answered", "flood bans", "out of order", "drain s", "ratio to 1 chat", "peak RSS MB"],
            [
                [
                    f"1 chat × {messages}",
                    f"{messages}/{messages}",
                    str(bans_one),
                    "0",
                    f"{one:.2f}",
                    "1.0",
                    f"{rss_idle:.0f}",
                ],
                [
                    kind,
                    f"{answered}/{total}",
                    f"{bans - bans_one}" + (f" ({bans_groups} in groups)" if groups else ""),
                    str(disorder),
                    f"{many:.2f}",
                    f"{many / one:.1f}",
                    f"{rss_peak:.0f}",
                ],
            ],
        )
    )
    print(f"\nFloor set by Telegram's 30 messages/s overall: {total / 30:.1f} s for {total} messages.")
    ok = answered >= total and bans == 0 and disorder == 0
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--groups", type=int, default=0)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.chats, args.messages, args.groups)))


if __name__ == "__main__":
    main()
