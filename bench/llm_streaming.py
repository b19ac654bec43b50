"""Streaming LLM answers into Telegram: how soon text shows, and what streaming costs others.

The real Application runs against the fake Bot API and a fake OpenAI-compatible server (both
real HTTP on 127.0.0.1, in this process), with the default `StreamPolicy` and rate limiter.

(a) Delay from the backend writing its first token to the first visible text in Telegram (the
    first `sendMessageDraft` the fake Bot API receives), over `--runs` questions, each in a fresh
    private chat; as a ratio to the round trip of a plain `sendMessage` through the same bot and
    fake, measured in the same run.
(b) Knowledge-answer latency (update queued → reply received by the fake Bot API) for other
    chats while 50 LLM answers stream slowly and concurrently, as a ratio to the same
    measurement with nothing else going on, in the same run. The fake Bot API enforces
    Telegram's flood limits; 429s are counted.

    .venv/bin/python bench/llm_streaming.py [--runs 40] [--streams 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import time
from collections.abc import Iterator
from typing import Any

from _common import median, percentile, table

from bot.engine import Engine
from bot.knowledge import load_knowledge
from bot.llm import build_backend
from bot.settings import Settings
from bot.store import Store
from bot.telegram.app import build_application
from tests.fakes.llm_servers import FakeLLMServer, Reply, render_openai
from tests.fakes.telegram_api import FakeBotAPI

TOKEN = "123456:BENCH-token-not-real-abcdefghijklmno"
KEY = "sk-bench-not-a-real-key"
KNOWLEDGE_QUESTIONS = (
    "what did muse spark score on hle",
    "when was muse spark released",
    "what is contemplating mode",
    "muse spark healthbench score",
)
OFF_TOPIC = "write a short poem about the sea"
QUESTION_SPACING = 0.15


class _TimedChunks(list[bytes]):
    """A reply's chunks that note when the first one carrying text is handed to the socket."""

    def __init__(self, chunks: list[bytes], first_text: int, marks: list[float]) -> None:
        super().__init__(chunks)
        self._first_text, self._marks = first_text, marks

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(super().__iter__()):
            if i == self._first_text:
                self._marks.append(time.perf_counter())
            yield chunk


def _settings(api: FakeBotAPI, llm: FakeLLMServer) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api.base_url,
        telegram_api_file_url=api.base_file_url,
        llm_provider="openai",
        llm_base_url=llm.base_url,
        llm_api_key=KEY,
        llm_model="bench-model",
        llm_max_retries=0,
        _env_file=None,  # type: ignore[call-arg]
    )


async def _first_token_delays(api: FakeBotAPI, llm: FakeLLMServer, app: Any, runs: int) -> dict[str, Any]:
    marks: list[float] = []
    delays, round_trips = [], []
    words = [f"word{i} " for i in range(12)]
    for run in range(runs):
        chat = 10_000 + run
        # chunk 0 is the role-only delta; chunk 1 carries the first text
        llm.reply(Reply(chunks=_TimedChunks(render_openai(words), 1, marks), pause=0.005))
        api.message(chat, OFF_TOPIC)
        draft = await api.wait_for(
            lambda chat=chat: next(  # type: ignore[misc]
                (c for c in api.calls_to("sendMessageDraft") if c.params["chat_id"] == chat), None
            )
        )
        delays.append(draft.timestamp - marks[-1])
        await api.wait_for(lambda chat=chat: api.sent(chat))  # type: ignore[misc]
        start = time.perf_counter()
        await app.bot.send_message(20_000 + run, "ping")
        round_trips.append(time.perf_counter() - start)
    return {"delays": delays, "round_trips": round_trips}


async def _knowledge_latencies(api: FakeBotAPI, chats: Iterator[int], n: int) -> list[float]:
    """`n` knowledge questions in fresh chats, a few a second (open loop, like real users)."""

    async def one(question: str, chat: int) -> float:
        start = time.perf_counter()
        api.message(chat, question)
        call = await api.wait_for(
            lambda: next((c for c in api.calls_to("sendMessage") if c.params["chat_id"] == chat), None),
            timeout=30,
        )
        return call.timestamp - start

    tasks = []
    for question in itertools.islice(itertools.cycle(KNOWLEDGE_QUESTIONS), n):
        tasks.append(asyncio.create_task(one(question, next(chats))))
        await asyncio.sleep(QUESTION_SPACING)  # pacing the load generator, not waiting for the bot
    return list(await asyncio.gather(*tasks))


async def _under_load(api: FakeBotAPI, llm: FakeLLMServer, streams: int, questions: int) -> dict[str, Any]:
    chats = itertools.count(30_000)
    idle = await _knowledge_latencies(api, chats, questions)

    words = [f"w{i} " for i in range(100)]
    for i in range(streams):  # 6 to 10 s each, so they end spread out, as real answers do
        llm.reply(Reply(chunks=render_openai(words), pause=0.06 + 0.04 * i / streams))
    before = len(llm.requests)
    bans_before = api.flood_bans
    stream_chats = [40_000 + i for i in range(streams)]
    started = time.perf_counter()
    for chat in stream_chats:
        api.message(chat, OFF_TOPIC)
    await api.wait_for(lambda: len(llm.requests) - before >= streams, timeout=30)
    loaded = await _knowledge_latencies(api, chats, questions)
    still_streaming = sum(not api.sent(c) for c in stream_chats)
    await api.wait_for(lambda: all(api.sent(c) for c in stream_chats), timeout=60)
    return {
        "idle": idle,
        "loaded": loaded,
        "still_streaming": still_streaming,
        "stream_seconds": time.perf_counter() - started,
        "flood_bans": api.flood_bans - bans_before,
        "drafts": len(api.calls_to("sendMessageDraft")),
    }


async def _main(runs: int, streams: int, questions: int) -> None:
    kb = load_knowledge()
    async with (
        FakeBotAPI(TOKEN, clock=time.perf_counter, flood_limits=True) as api,
        FakeLLMServer("openai") as llm,
    ):
        settings = _settings(api, llm)
        engine = Engine(kb, llm=build_backend(settings))
        app = build_application(settings, engine, Store(":memory:"))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            a = await _first_token_delays(api, llm, app, runs)
            b = await _under_load(api, llm, streams, questions)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)

    ms = 1e3
    d, rtt = a["delays"], a["round_trips"]
    print(f"## (a) First token → first visible text — {runs} runs, fresh private chat each\n")
    print(
        table(
            ["measure", "median", "p95", "median ÷ sendMessage RTT", "p95 ÷ RTT p95"],
            [
                [
                    "plain `sendMessage` round trip",
                    f"{median(rtt) * ms:.1f} ms",
                    f"{percentile(rtt, 0.95) * ms:.1f} ms",
                    "1×",
                    "1×",
                ],
                [
                    "backend's first token → first `sendMessageDraft`",
                    f"{median(d) * ms:.1f} ms",
                    f"{percentile(d, 0.95) * ms:.1f} ms",
                    f"{median(d) / median(rtt):.2f}×",
                    f"{percentile(d, 0.95) / percentile(rtt, 0.95):.2f}×",
                ],
            ],
        )
    )
    idle, loaded = b["idle"], b["loaded"]
    print(
        f"\n## (b) Knowledge answers for other chats while {streams} LLM answers stream — "
        f"{questions} questions each\n"
    )
    print(
        table(
            ["condition", "median", "p95", "median ÷ idle", "p95 ÷ idle p95"],
            [
                [
                    "idle",
                    f"{median(idle) * ms:.1f} ms",
                    f"{percentile(idle, 0.95) * ms:.1f} ms",
                    "1×",
                    "1×",
                ],
                [
                    f"{streams} streams in flight",
                    f"{median(loaded) * ms:.1f} ms",
                    f"{percentile(loaded, 0.95) * ms:.1f} ms",
                    f"{median(loaded) / median(idle):.1f}×",
                    f"{percentile(loaded, 0.95) / percentile(idle, 0.95):.1f}×",
                ],
            ],
        )
    )
    print(
        f"\nStreams still running after the loaded questions: {b['still_streaming']} of {streams}; "
        f"all {streams} answered in {b['stream_seconds']:.1f} s; drafts sent: {b['drafts']}; "
        f"429s from the fake Bot API: {b['flood_bans']}."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)  # the fakes' own noise
    asyncio.run(_main(args.runs, args.streams, args.questions))


if __name__ == "__main__":
    main()
