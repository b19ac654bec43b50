"""`musebot ask` and `musebot chat` with a language model: a real process, configured only by
`LLM_*` environment variables, talking HTTP to a fake OpenAI-compatible server in this test."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.texts import MODEL_MISCONFIGURED as MISCONFIGURED_NOTE
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer

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
