"""End-to-end latency through the fake Bot API, and the peak memory of `musebot run`.

(a) From an update being queued at the fake Telegram to the bot's reply arriving there, one
question at a time, for Muse Bot answering a knowledge question and for a minimal echo bot
(python-telegram-bot's defaults, one handler that repeats the text) on the same fake server in
the same run. The echo bot is the floor set by python-telegram-bot, long polling and HTTP on
this machine; the ratio is what Muse Bot adds on top.

(b) Peak RSS (VmHWM) of a real `musebot run` process after it has answered a mix of questions,
including `/compare` (which loads matplotlib to draw a chart).

    .venv/bin/python bench/telegram_latency.py [--messages 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
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
RSS_QUESTIONS = (
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


async def _latencies(
    api: FakeBotAPI, make_app: Callable[[], App], chat_id: int, n: int, *, menus: bool = True
) -> list[float]:
    """One question at a time, each from another private chat (as when many people ask once:
    a single chat asking back to back is paced at Telegram's ~1 message/s on purpose): queue
    the update, wait for the reply, record the gap."""
    samples = []
    async with running(make_app(), menus=menus):
        for i in range(n + 5):
            chat = chat_id + i
            start = time.perf_counter()
            api.message(chat, QUESTION)
            await api.wait_for(lambda c=chat: api.sent(c), timeout=30)
            samples.append(time.perf_counter() - start)
    return samples[5:]  # the first few include connection set-up


async def _latency_table(n: int) -> str:
    engine = Engine(load_knowledge())
    async with FakeBotAPI(TOKEN) as api:
        echo = await _latencies(api, lambda: _echo_app(api), 10_000, n, menus=False)
        muse = await _latencies(
            api, lambda: build_application(bot_settings(api), engine, Store(":memory:")), 20_000, n
        )
    base_med, base_p95 = median(echo), percentile(echo, 0.95)
    rows = [
        [
            "minimal echo bot (baseline)",
            f"{base_med * 1e3:.1f} ms",
            f"{base_p95 * 1e3:.1f} ms",
            "1.00×",
            "1.00×",
        ],
        [
            "Muse Bot, knowledge question",
            f"{median(muse) * 1e3:.1f} ms",
            f"{percentile(muse, 0.95) * 1e3:.1f} ms",
            f"{median(muse) / base_med:.2f}×",
            f"{percentile(muse, 0.95) / base_p95:.2f}×",
        ],
    ]
    header = ["update → reply", "median", "p95", "median ÷ echo", "p95 ÷ echo"]
    return f"## Update → reply through the fake Bot API ({n} messages each)\n\n" + table(header, rows)


async def _peak_rss_table() -> str:
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
            for i, question in enumerate(RSS_QUESTIONS * 5):
                api.message(3000 + i, question)
            await api.wait_for(lambda: len(api.sent()) >= len(RSS_QUESTIONS) * 5, timeout=120)
            peak = _vm_hwm_mb(process.pid)
            process.send_signal(signal.SIGTERM)
            await process.wait()
    rows = [
        [f"`musebot run`, after {len(RSS_QUESTIONS) * 5} questions incl. /compare charts", f"{peak:.0f} MB"]
    ]
    return "## Peak memory\n\n" + table(["process", "peak RSS (VmHWM)"], rows)


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(await _latency_table(args.messages))
    print()
    print(await _peak_rss_table())


if __name__ == "__main__":
    asyncio.run(main())
