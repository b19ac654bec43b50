"""What an operator relies on: health and metrics, one instance per token and data folder,
webhook mode with a secret token, and the admin commands."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.ext import Application

from bot.answering.engine import Engine
from bot.channels.telegram.app import build_application, webhook_parameters
from bot.knowledge import load_knowledge
from bot.ops.settings import Settings
from bot.state.store import Store
from tests.channels.telegram.conftest import TEST_TOKEN
from tests.channels.telegram.harness import bot_settings, start_bot, stop_bot
from tests.fakes.telegram_api import FakeBotAPI

ADMIN = 4242
USER = 1001


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(api: FakeBotAPI, data: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LLM_", "HEALTH_", "WEBHOOK_"))
    }
    env.update(TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=api.base_url, DATA_DIR=str(data), **extra)
    return env


async def _spawn(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 10)
    return output.decode()


async def test_health_metrics_and_the_health_command(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    port = _free_port()
    env = _env(bot_api, tmp_path / "data", HEALTH_PORT=str(port), HEALTH_HOST="127.0.0.1")
    process = await _spawn(env, tmp_path, "run")
    try:
        bot_api.message(USER, "what did muse spark score on hle")
        await bot_api.wait_for_messages(USER, 1, timeout=30)
        await bot_api.wait_for(lambda: bot_api.is_polling)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            health = await client.get("/healthz")
            metrics = (await client.get("/metrics")).text
        checked = await _spawn(env, tmp_path, "health")
        await checked.wait()
    finally:
        output = await _stop(process)
    assert health.status_code == 200, output
    body = health.json()
    assert body["status"] == "ok" and body["knowledge"]["scores"] > 0
    assert body["updates"]["last_poll_age_s"] is not None and body["llm"]["configured"] is False
    assert 'musebot_answers_total{route="knowledge"} 1.0' in metrics
    assert "musebot_answer_seconds_bucket" in metrics
    assert 'musebot_knowledge_items{kind="scores"}' in metrics
    assert checked.returncode == 0


async def test_health_command_fails_when_nothing_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTH_")}
    env["HEALTH_PORT"] = str(_free_port())
    process = await _spawn(env, tmp_path, "health")
    output, _ = await process.communicate()
    assert process.returncode == 1
    assert b"unhealthy" in output and b"Traceback" not in output


async def test_second_instance_on_the_same_data_folder_refuses_to_start(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    env = _env(bot_api, tmp_path / "data", HEALTH_PORT="0")
    first = await _spawn(env, tmp_path, "run")
    try:
        await bot_api.wait_for(lambda: bot_api.is_polling, timeout=30)
        second = await _spawn(env, tmp_path, "run")
        output, _ = await asyncio.wait_for(second.communicate(), 30)
    finally:
        await _stop(first)
    assert second.returncode == 3
    assert "already running" in output.decode() and "Traceback" not in output.decode()


async def test_conflict_from_telegram_stops_with_a_clear_message(bot_api: FakeBotAPI, tmp_path: Path) -> None:
    bot_api.inject(
        "getUpdates",
        status=409,
        description="Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        times=50,
    )
    process = await _spawn(_env(bot_api, tmp_path / "data", HEALTH_PORT="0"), tmp_path, "run")
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    text = output.decode()
    assert process.returncode == 3, text
    assert "Another bot instance is polling with this token" in text
    assert len(bot_api.calls_to("getUpdates")) < 10, "it stopped instead of looping on 409s"


# ------------------------------------------------------------------------------ in process


def _settings(api: FakeBotAPI, **extra: Any) -> Settings:
    return bot_settings(api, admin_user_ids=frozenset({ADMIN}), **extra)


@pytest.fixture
async def webhook_bot(bot_api: FakeBotAPI) -> AsyncIterator[tuple[FakeBotAPI, str, str]]:
    port = _free_port()
    settings = _settings(
        bot_api,
        webhook_url=f"https://bot.example.org/hook/{port}",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    app = build_application(settings, Engine(load_knowledge()), Store(":memory:"))
    await app.initialize()
    params = webhook_parameters(settings)
    assert app.updater is not None
    await app.updater.start_webhook(**params)
    await app.start()
    try:
        yield bot_api, f"http://127.0.0.1:{port}/{params['url_path']}", params["secret_token"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_refuses_requests_without_the_secret(webhook_bot: tuple[FakeBotAPI, str, str]) -> None:
    api, url, secret = webhook_bot
    [call] = api.calls_to("setWebhook")
    assert call.params["secret_token"] == secret and call.params["url"].startswith(
        "https://bot.example.org/hook/"
    )
    update = api.message(USER, "what did muse spark score on hle")
    async with httpx.AsyncClient() as client:
        refused = await client.post(url, json=update)
        forged = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        accepted = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    assert refused.status_code == 403 and forged.status_code == 403
    assert accepted.status_code == 200
    [reply] = await api.wait_for_messages(USER, 1)
    assert "50.2" in reply["text"]
    assert TEST_TOKEN not in secret


async def _start(api: FakeBotAPI, settings: Settings) -> Application:  # type: ignore[type-arg]
    return await start_bot(
        build_application(settings, Engine(load_knowledge(settings.knowledge_dir)), Store(":memory:"))
    )


_shutdown = stop_bot


async def test_stats_is_for_admins_only(bot_api: FakeBotAPI) -> None:
    app = await _start(bot_api, _settings(bot_api))
    try:
        bot_api.message(USER, "what is hle")
        bot_api.message(USER, "/stats")
        _, refusal = await bot_api.wait_for_messages(USER, 2)
        bot_api.message(ADMIN, "/stats")
        [stats] = await bot_api.wait_for_messages(ADMIN, 1)
    finally:
        await _shutdown(app)
    assert "operators" in refusal["text"] and "Updates" not in refusal["text"]
    assert "healthy" in stats["text"] and "knowledge 1" in stats["text"]
    scopes = [c.params["scope"] for c in bot_api.calls_to("setMyCommands")]
    assert {"type": "chat", "chat_id": ADMIN} in scopes, "admins get the operator menu"


async def test_reload_keeps_the_old_knowledge_when_a_file_is_broken(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(load_knowledge().root, kb_dir)
    app = await _start(bot_api, _settings(bot_api, knowledge_dir=kb_dir))
    try:
        broken = kb_dir / "benchmarks.yaml"
        good = broken.read_text(encoding="utf-8")
        broken.write_text(good.replace("value: 50.2", "value: high"), encoding="utf-8")
        bot_api.message(ADMIN, "/reload")
        [kept] = await bot_api.wait_for_messages(ADMIN, 1)
        bot_api.message(ADMIN, "what did muse spark score on hle")
        _, still = await bot_api.wait_for_messages(ADMIN, 2)
        broken.write_text(good.replace("value: 50.2", "value: 50.2\n        note: edited"), encoding="utf-8")
        bot_api.message(ADMIN, "/reload")
        *_, reloaded = await bot_api.wait_for_messages(ADMIN, 3)
    finally:
        await _shutdown(app)
    assert "Kept the current knowledge base" in kept["text"] and "benchmarks.yaml" in kept["text"]
    assert "50.2" in still["text"]
    assert "Reloaded the knowledge base" in reloaded["text"]


def test_webhook_url_without_a_path_gets_the_path_it_listens_on() -> None:
    settings = Settings(telegram_bot_token=TEST_TOKEN, webhook_url="https://bot.example.org", _env_file=None)  # type: ignore[call-arg]
    params = webhook_parameters(settings)
    assert params["webhook_url"] == "https://bot.example.org/telegram" and params["url_path"] == "telegram"


def test_health_report_is_json_serialisable() -> None:
    from bot.ops.health import Health

    ok, body = Health(knowledge_counts={"entries": 1}, webhook=True).report()
    assert ok and json.loads(json.dumps(body))["updates"]["mode"] == "webhook"
    assert Health().report()[0] is False, "no knowledge and no polling yet is not healthy"
