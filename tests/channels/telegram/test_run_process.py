"""`musebot run` as an operator runs it: a real process, polling the fake Bot API, stopped by
SIGTERM as `docker stop` does."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.channels.telegram.conftest import TEST_TOKEN
from tests.fakes.telegram_api import FakeBotAPI

STOP_DEADLINE = 10.0


def _env(api: FakeBotAPI, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LLM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATA_DIR=str(tmp_path / "data"),
        LOG_LEVEL="DEBUG",
    )
    return env


async def _run(api: FakeBotAPI, tmp_path: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=_env(api, tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_sigterm_stops_cleanly_and_confirms_the_offset(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    process = await _run(bot_api, tmp_path)
    try:
        update = bot_api.message(1001, "when was muse spark released")
        [reply] = await bot_api.wait_for_messages(1001, 1, timeout=30)
        assert "April 8, 2026" in reply["text"]
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=10)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), STOP_DEADLINE)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, output.decode()
    assert bot_api.confirmed_offset is not None
    assert bot_api.confirmed_offset > update["update_id"], "the handled update was confirmed"
    logs = output.decode()
    assert TEST_TOKEN not in logs and TEST_TOKEN.split(":")[1] not in logs
    assert "Traceback" not in logs


async def test_restart_does_not_answer_twice(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    for question in ("what is hle", "what did muse spark score on arc agi 2"):
        process = await _run(bot_api, tmp_path)
        bot_api.message(1001, question)
        await bot_api.wait_for(lambda q=question: _answered(bot_api, q), timeout=30)
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=10)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), STOP_DEADLINE)
    texts = [m["text"] for m in bot_api.sent(1001)]
    assert len(texts) == 2, texts
    assert "50.2" in texts[0] and "42.5" in texts[1]


def _answered(api: FakeBotAPI, question: str) -> bool:
    wanted = "50.2" if "hle" in question else "42.5"
    return any(wanted in m["text"] for m in api.sent(1001))
