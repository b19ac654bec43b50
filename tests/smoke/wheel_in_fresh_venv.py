"""What the Docker image does, without Docker: the built wheel, installed on its own in a fresh
virtualenv (`.ci/check-deploy` builds both and names the entry point in MUSEBOT_SMOKE_BIN), runs
`musebot run` against the fake Bot API from an empty folder, answers a question from the bundled
knowledge base, and serves /healthz; `musebot health` agrees.

Not collected by a plain `pytest` run (no `test_` prefix): it needs the venv CI builds.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx

from tests.channels.telegram.conftest import TEST_TOKEN
from tests.channels.telegram.test_operations import _free_port
from tests.fakes.telegram_api import FakeBotAPI

MUSEBOT = os.environ.get("MUSEBOT_SMOKE_BIN", "")
INSTALLED = bool(MUSEBOT) and Path(MUSEBOT).is_file()


async def test_installed_wheel_answers_and_reports_healthy(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    assert INSTALLED, "set MUSEBOT_SMOKE_BIN to the fresh venv's musebot"
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        DATA_DIR=str(tmp_path / "data"),
        HEALTH_HOST="127.0.0.1",
        HEALTH_PORT=str(port),
        MPLBACKEND="Agg",
    )
    process = await asyncio.create_subprocess_exec(
        MUSEBOT,
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        bot_api.message(1001, "what did muse spark score on healthbench hard")
        [reply] = await bot_api.wait_for_messages(1001, 1, timeout=60)
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=10)
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
        checked = await asyncio.create_subprocess_exec(MUSEBOT, "health", cwd=tmp_path, env=env)
        await checked.wait()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    assert "42.8" in reply["text"], output.decode()
    assert health.status_code == 200 and health.json()["knowledge"]["entries"] > 0
    assert checked.returncode == 0
    assert process.returncode == 0, output.decode()
