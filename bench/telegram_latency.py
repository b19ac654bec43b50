"""End-to-end latency and bursts through the fake Bot API, and the memory of `musebot run`.

(a) From an update being queued at the fake Telegram to the bot's reply arriving there, one
question at a time (50 ms apart, well under Telegram's 30 messages a second), for Muse Bot
answering a knowledge question and for a minimal echo bot (python-telegram-bot's defaults, one
handler that repeats the text) on the same fake server in the same run. The echo bot is the
floor set by python-telegram-bot, long polling and HTTP on this machine; the ratio is what Muse
Bot adds on top.

(b) A burst: 20 questions from 20 chats queued together, until the last is answered; the same
for the echo bot; median over rounds 1.2 s apart (a burst of 20 is within Telegram's limits,
so Muse Bot's flood control must let it straight through).

(c) Memory of a real `musebot run` process: resident (VmRSS) at idle after start-up and 50
knowledge answers; then after questions including `/compare` (charts), its peak (VmHWM) and
idle again. For scale, a process that has only imported `telegram.ext`.

    .venv/bin/python bench/telegram_latency.py [--messages 200] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from tempfile import TemporaryDirectory

from _common import median, percentile, table
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.answering.engine import Engine
from bot.channels.telegram.app import build_application
from bot.knowledge import load_knowledge
from bot.state.store import Store
from tests.channels.telegram.harness import bot_settings, running
from tests.fakes.telegram_api import FakeBotAPI

TOKEN = "123456:TEST-token-not-real-abcdefghijklmno"
QUESTION = "what did muse spark score on healthbench hard"
PACE = 0.05  # seconds between questions one at a time
BURST_GAP = 1.2  # seconds between one bot's bursts: 20 a burst stays within Telegram's 30 a second
BURST = 20
KNOWLEDGE = (
    "what did muse spark score on hle",
    "how did muse spark do on arc agi 2",
    "what did muse spark score on healthbench hard",
    "how did muse spark do on terminal bench",
    "what is contemplating mode",
)
CHART_QUESTIONS = (
    "what did muse spark score on hle",
    "/compare muse-spark gpt-5.4",
    "/compare hle",
    "spark vs gemini vs opus",
    "how does contemplating mode work",
    "where is muse spark rolling out",
)

App = Application  # type: ignore[type-arg]


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def _echo_app(api: FakeBotAPI) -> App:
    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).base_file_url(api.base_file_url).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    return app


class _Bot:
    """One bot under test, on a fake Bot API of its own; samples are taken in turns with the
    other bots', so that a busy machine slows every bot alike and the ratios stay fair."""

    def __init__(self, api: FakeBotAPI, app: App, *, menus: bool) -> None:
        self.api, self.app, self.menus = api, app, menus
        self.chat = 10_000

    async def one(self) -> float:
        """One question from a new private chat (a single chat is paced at Telegram's ~1
        message/s on purpose); seconds from the update being queued to the reply arriving."""
        self.chat += 1
        chat, start = self.chat, time.perf_counter()
        self.api.message(chat, QUESTION)
        await self.api.wait_for(lambda: self.api.sent(chat), timeout=30)
        return time.perf_counter() - start

    async def burst(self) -> float:
        """`BURST` questions from `BURST` new chats queued together; seconds until all are answered."""
        chats = [self.chat + 1 + i for i in range(BURST)]
        self.chat += BURST
        start = time.perf_counter()
        for chat in chats:
            self.api.message(chat, QUESTION)
        await self.api.wait_for(lambda: all(self.api.sent(c) for c in chats), timeout=30)
        return time.perf_counter() - start


async def _in_turns(bots: list[_Bot], take: str, n: int, gap: float) -> list[list[float]]:
    """`n` samples of `take` per bot, bot after bot, `gap` seconds from one start to the next
    (the first few, which include connection set-up, are left out)."""
    samples: list[list[float]] = [[] for _ in bots]
    warm = 3
    for i in range(n + warm):
        for bot, out in zip(bots, samples, strict=True):
            start = time.perf_counter()
            value = await getattr(bot, take)()
            if i >= warm:
                out.append(value)
            await asyncio.sleep(max(0.0, gap - (time.perf_counter() - start)))
    return samples


async def _latency_table(n: int, rounds: int) -> str:
    engine = Engine(load_knowledge())
    async with AsyncExitStack() as stack:
        bots = []
        for kind in ("echo", "muse", "fresh"):
            api = await stack.enter_async_context(FakeBotAPI(TOKEN))
            if kind == "echo":
                app = _echo_app(api)
            else:
                extra = {"remembered_answers": 0} if kind == "fresh" else {}
                app = build_application(bot_settings(api, **extra), engine, Store(":memory:"))
            await stack.enter_async_context(running(app, menus=kind != "echo"))
            bots.append(_Bot(api, app, menus=kind != "echo"))
        echo, muse, fresh = await _in_turns(bots, "one", n, PACE)
        echo_burst, muse_burst = await _in_turns(bots[:2], "burst", rounds, BURST_GAP)
    base_med, base_p95 = median(echo), percentile(echo, 0.95)
    rows = [
        [
            "minimal echo bot (baseline)",
            f"{base_med * 1e3:.1f} ms",
            f"{base_p95 * 1e3:.1f} ms",
            "1.00×",
            "1.00×",
        ],
        *(
            [
                name,
                f"{median(xs) * 1e3:.1f} ms",
                f"{percentile(xs, 0.95) * 1e3:.1f} ms",
                f"{median(xs) / base_med:.2f}×",
                f"{percentile(xs, 0.95) / base_p95:.2f}×",
            ]
            for name, xs in (
                ("Muse Bot, knowledge question", muse),
                ("… with REMEMBERED_ANSWERS=0 (the engine every time)", fresh),
            )
        ),
    ]
    header = ["update → reply", "median", "p95", "median ÷ echo", "p95 ÷ echo"]
    burst_base = median(echo_burst)
    burst_rows = [
        [name, f"{median(xs) * 1e3:.1f} ms", f"{max(xs) * 1e3:.1f} ms", f"{median(xs) / burst_base:.2f}×"]
        for name, xs in (("minimal echo bot (baseline)", echo_burst), ("Muse Bot, knowledge", muse_burst))
    ]
    return (
        f"## Update → reply through the fake Bot API, one at a time ({n} messages each, {PACE * 1e3:.0f} ms apart)\n\n"
        + table(header, rows)
        + f"\n\n## A burst of {BURST} questions from {BURST} chats, until the last is answered ({rounds} rounds)\n\n"
        + table(["burst", "median", "slowest", "median ÷ echo"], burst_rows)
    )


async def _memory_table() -> str:
    async with FakeBotAPI(TOKEN) as api:
        with TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LLM_"))}
            env.update(
                TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url, DATA_DIR=tmp, HEALTH_PORT="0"
            )
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            asked = 0

            async def ask(questions: tuple[str, ...], chat: int) -> None:
                nonlocal asked
                for i, question in enumerate(questions):
                    api.message(chat + i, question)
                asked += len(questions)
                await api.wait_for(lambda: len(api.sent()) >= asked, timeout=120)
                quiet, count = 0, -1
                while quiet < 3:  # until nothing more is sent (charts come after their answers)
                    await asyncio.sleep(0.5)
                    quiet, count = (quiet + 1, count) if len(api.sent()) == count else (0, len(api.sent()))

            await ask(KNOWLEDGE * 10, 3000)
            idle = _status_mb(process.pid, "VmRSS")
            await ask(CHART_QUESTIONS * 5, 4000)
            peak, after = _status_mb(process.pid, "VmHWM"), _status_mb(process.pid, "VmRSS")
            process.send_signal(signal.SIGTERM)
            await process.wait()
    bare = await _bare_telegram_mb()
    n_charts = len(CHART_QUESTIONS) * 5
    rows = [
        ["`python -c 'import telegram.ext'` (for scale)", f"{bare:.0f} MB"],
        [f"`musebot run`, idle after start-up and {len(KNOWLEDGE) * 10} knowledge answers", f"{idle:.0f} MB"],
        [f"`musebot run`, peak (VmHWM) after {n_charts} more incl. /compare charts", f"{peak:.0f} MB"],
        ["`musebot run`, idle after those", f"{after:.0f} MB"],
    ]
    return "## Memory (resident)\n\n" + table(["process", "RSS"], rows)


async def _bare_telegram_mb() -> float:
    code = (
        "import telegram.ext\n"
        "print([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])"
    )
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    return int(out) / 1024


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(await _latency_table(args.messages, args.rounds))
    print()
    print(await _memory_table())


if __name__ == "__main__":
    asyncio.run(main())
