"""`musebot ask` and `musebot chat` with a language model: a real process (or `bot.cli.main` in
this process, where every output is captured), configured only by environment variables,
talking HTTP to a fake OpenAI-compatible server in this test."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.ops import logs
from bot.texts import MODEL_MISCONFIGURED as MISCONFIGURED_NOTE
from bot.texts import MODEL_TIMEOUT as TIMEOUT_NOTE
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Reply, assert_no_secret

_CLEARED = ("TELEGRAM_", "KNOWLEDGE_DIR", "LLM_", "DATA_DIR", "LOG_LEVEL")
HAIKU = ["Grey ", "waves ", "fold ", "on ", "sand."]


@pytest.fixture
async def server() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer("openai") as fake:
        yield fake


async def _musebot(cwd: Path, server: FakeLLMServer, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run `python -m bot ARGS` with the LLM settings in its environment; the fake keeps serving."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_CLEARED)}
    env |= {
        "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": server.base_url,
        "LLM_API_KEY": TEST_KEY,
        "LLM_MODEL": "gpt-4o-mini",
        "LLM_MAX_RETRIES": "0",
        "LLM_TOTAL_TIMEOUT": "20",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_ask_json_reports_route_llm_and_the_streamed_text(
    tmp_path: Path, server: FakeLLMServer
) -> None:
    server.stream(HAIKU)
    code, out, err = await _musebot(tmp_path, server, "ask", "--json", "write a haiku about the sea")
    assert code == 0, err
    data = json.loads(out)
    assert data["route"] == "llm"
    assert data["text"] == "".join(HAIKU)
    assert isinstance(data["sources"], list) and data["sources"][0]["as_of"] == "2026-04-08"
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert "write a haiku about the sea" in request.json["messages"][-1]["content"]


async def test_ask_json_knowledge_question_does_not_call_the_model(
    tmp_path: Path, server: FakeLLMServer
) -> None:
    code, out, err = await _musebot(tmp_path, server, "ask", "--json", "what did muse spark score on hle")
    assert code == 0, err
    data = json.loads(out)
    assert data["route"] == "knowledge" and "50.2" in data["text"]
    assert server.requests == []


async def test_ask_with_a_rejected_key_says_so_without_the_key(tmp_path: Path, server: FakeLLMServer) -> None:
    server.error(401, f"Incorrect API key provided: {TEST_KEY}")
    code, out, err = await _musebot(tmp_path, server, "ask", "write a haiku about the sea")
    assert code == 0, err
    assert MISCONFIGURED_NOTE in out
    assert "LLM_API_KEY" in err, "the operator is told what to fix"
    assert TEST_KEY not in out and TEST_KEY not in err
    assert "Traceback" not in err


async def test_chat_ask_prints_the_streamed_text_and_keeps_history(
    tmp_path: Path, server: FakeLLMServer
) -> None:
    server.stream(HAIKU)
    server.stream(["Again: ", "salt ", "and ", "foam."])
    code, out, err = await _musebot(tmp_path, server, "chat", stdin="/ask hi\n/ask once more\n")
    assert code == 0, err
    assert "".join(HAIKU) in out
    assert "Again: salt and foam." in out
    assert out.index("Grey waves") < out.index("Again:")
    assert "Source: " in out
    first, second = server.requests
    assert "hi" in first.json["messages"][-1]["content"]
    assert [m["role"] for m in second.json["messages"]] == ["system", "user", "assistant", "user"]
    assert second.json["messages"][2]["content"] == "".join(HAIKU)


# --- in-process: every output of `musebot ask`/`run` checked for every form of a key ----------

CLI_KEY = "sk-cli-Zq7XwY3vKp9LmN2rT5uV"
PADDED = {
    "newline": f"{CLI_KEY}\n",
    "carriage return": f"{CLI_KEY}\r\n",
    "spaces": f"  {CLI_KEY}  ",
}
BROKEN = {
    "inner newline": "sk-cli-Zq7XwY3v\nKp9LmN2rT5uV",
    "inner carriage return": "sk-cli-Zq7XwY3v\rKp9LmN2rT5uV",
    "en dash": "sk-cli-Zq7XwY3v\u2013Kp9LmN2rT5uV",
}


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: FakeLLMServer
) -> Iterator[pytest.MonkeyPatch]:
    """`musebot` configured by the environment alone (no .env), logging at DEBUG, httpx included."""
    for name in list(os.environ):
        if name.upper().startswith(_CLEARED) or name.upper() in ("WEBHOOK_SECRET", "HEALTH_PORT"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(logs, "_QUIET_LIBRARIES", ())  # let httpx and httpcore log at DEBUG too
    for name, value in {
        "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": server.base_url,
        "LLM_MODEL": "gpt-4o-mini",
        "LLM_MAX_RETRIES": "1",
        "LOG_LEVEL": "DEBUG",
        "DATA_DIR": str(tmp_path / "data"),
    }.items():
        monkeypatch.setenv(name, value)
    yield monkeypatch
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_musebot", False)]:
        root.removeHandler(handler)


async def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`bot.cli.main(args)` in a worker thread (it runs its own event loop); code, stdout, stderr."""
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_nowhere(key: str, caplog: pytest.LogCaptureFixture, *outputs: str) -> None:
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "DEBUG logging was captured"
    records = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for where, text in (("stdout", outputs[0]), ("stderr", outputs[1]), ("the log records", records)):
        assert_no_secret(text, key, where)


@pytest.mark.parametrize("key", PADDED.values(), ids=PADDED.keys())
async def test_ask_with_a_padded_key_answers_and_shows_no_form_of_it(
    key: str, cli_env: pytest.MonkeyPatch, server: FakeLLMServer, capsys: Any, caplog: Any
) -> None:
    cli_env.setenv("LLM_API_KEY", key)
    caplog.set_level(logging.DEBUG)
    server.stream(HAIKU)
    server.error(401, f"Incorrect API key provided: {CLI_KEY}")  # the second question: echoed back

    code, out, err = await _main(capsys, "ask", "write a haiku about the sea")
    assert (code, out.split("\n\n")[0]) == (0, "".join(HAIKU))
    assert server.last.headers["authorization"] == f"Bearer {CLI_KEY}", "sent without the padding"
    _assert_nowhere(key, caplog, out, err)

    code, out, err = await _main(capsys, "ask", "write a haiku about the sea")
    assert code == 0 and MISCONFIGURED_NOTE in out and "LLM_API_KEY" in err
    assert "[REDACTED]" in err, "the echoed key was there, and was hidden"
    _assert_nowhere(key, caplog, out, err)


@pytest.mark.parametrize("key", BROKEN.values(), ids=BROKEN.keys())
@pytest.mark.parametrize("command", [("ask", "write a haiku about the sea"), ("run",)], ids=["ask", "run"])
async def test_a_broken_key_is_one_line_naming_the_variable(
    key: str,
    command: tuple[str, ...],
    cli_env: pytest.MonkeyPatch,
    server: FakeLLMServer,
    capsys: Any,
    caplog: Any,
) -> None:
    variable = "LLM_API_KEY" if command[0] == "ask" else "TELEGRAM_BOT_TOKEN"
    cli_env.setenv(variable, key)
    code, out, err = await _main(capsys, *command)
    assert code == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith("musebot: invalid settings: ") and variable in line
    assert "Traceback" not in err and "input_value" not in err
    assert server.requests == []
    assert_no_secret(err + caplog.text, key, "the output")


async def test_a_broken_key_in_llm_backends_names_it(
    cli_env: pytest.MonkeyPatch, server: FakeLLMServer, capsys: Any
) -> None:
    entry = {"provider": "openai", "base_url": server.base_url, "model": "m", "api_key": BROKEN["en dash"]}
    cli_env.setenv("LLM_BACKENDS", json.dumps([entry]))
    code, _, err = await _main(capsys, "ask", "write a haiku about the sea")
    assert code == 2 and "LLM_BACKENDS api_key" in err and len(err.splitlines()) == 1
    assert_no_secret(err, BROKEN["en dash"], "stderr")


async def test_a_hung_model_is_reported_as_too_slow_with_the_timeout_that_fired(
    cli_env: pytest.MonkeyPatch, server: FakeLLMServer, capsys: Any
) -> None:
    cli_env.setenv("LLM_READ_TIMEOUT", "0.3")
    server.reply(Reply(stall=True))  # accepts the request, never answers
    code, out, err = await _main(capsys, "ask", "write a haiku about the sea")
    assert code == 0 and out.startswith(TIMEOUT_NOTE)
    assert "LLM_READ_TIMEOUT=0.3 s" in err and "busy" not in out
    assert len(server.requests) == 1, "a hung model is not asked again"
