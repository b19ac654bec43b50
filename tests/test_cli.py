"""The `musebot` command line as an operator runs it: a real process, from an unrelated folder,
with no `.env` and no token unless a test gives one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_CLEARED = ("TELEGRAM_BOT_TOKEN", "KNOWLEDGE_DIR", "LLM_PROVIDER", "LLM_BACKENDS", "DATA_DIR")


def _run(
    cwd: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k.upper() not in _CLEARED}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    done = _run(tmp_path, "--help")
    assert done.returncode == 0
    for command in ("run", "chat", "ask", "compare", "knowledge"):
        assert command in done.stdout


def test_ask_json_prints_one_object(tmp_path: Path) -> None:
    done = _run(tmp_path, "ask", "--json", "what did muse spark score on helthbench hard")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert isinstance(data, dict)
    assert "42.8" in data["text"]
    assert data["route"] == "knowledge"
    assert isinstance(data["sources"], list) and data["sources"][0]["as_of"] == "2026-04-08"


def test_ask_prints_the_answer_and_its_source(tmp_path: Path) -> None:
    done = _run(tmp_path, "ask", "muse", "spark", "hle", "score")
    assert done.returncode == 0, done.stderr
    assert "50.2" in done.stdout
    assert "Source: " in done.stdout and "as of Apr 8, 2026" in done.stdout


def test_compare_prints_the_table(tmp_path: Path) -> None:
    done = _run(tmp_path, "compare", "spark", "gpt-5.4")
    assert done.returncode == 0, done.stderr
    assert "42.8*" in done.stdout and "75.1*" in done.stdout
    assert "```" not in done.stdout and "**" not in done.stdout, "plain text off a terminal, no markers"
    assert "Source: " in done.stdout


def test_compare_unknown_model_fails_kindly(tmp_path: Path) -> None:
    done = _run(tmp_path, "compare", "nosuchmodel", "spark")
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Unknown model 'nosuchmodel'" in output and "Known models: Muse Spark" in output
    assert "Traceback" not in output


def test_knowledge_check_prints_counts(tmp_path: Path) -> None:
    done = _run(tmp_path, "knowledge", "check")
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout
    for count in ("8 models", "6 benchmarks", "18 scores"):
        assert count in done.stdout


@pytest.mark.parametrize("command", [("knowledge", "check"), ("ask", "hi"), ("compare", "hle")])
def test_broken_knowledge_dir_names_the_file_without_a_traceback(tmp_path: Path, command: tuple[str]) -> None:
    broken = tmp_path / "kb"
    broken.mkdir()
    (broken / "models.yaml").write_text("models:\n  - id: spark\n    name: Spark\n", encoding="utf-8")
    done = _run(tmp_path, *command, env={"KNOWLEDGE_DIR": str(broken)})
    assert done.returncode != 0
    assert str(broken / "models.yaml") in done.stderr and "vendor" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_run_without_token_says_where_to_get_one(tmp_path: Path) -> None:
    done = _run(tmp_path, "run")
    assert done.returncode != 0
    assert "@BotFather" in done.stderr and "musebot chat" in done.stderr
    assert "Traceback" not in done.stderr


def test_chat_answers_follow_ups_and_commands_until_eof(tmp_path: Path) -> None:
    done = _run(tmp_path, "chat", stdin="spark hle score\nand gemini?\n/compare hle\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "50.2" in out
    assert "doesn't give a Humanity's Last Exam (No Tools) figure for Gemini 3.1 Pro" in out
    assert "1. Muse Spark (Contemplating) — 50.2" in out
    assert "Traceback" not in done.stderr


def test_chat_names_the_commands_there_are_for_an_unknown_one(tmp_path: Path) -> None:
    done = _run(tmp_path, "chat", stdin="/weather\n", env={"LLM_PROVIDER": "none"})
    assert "/weather" in done.stdout and "/compare" in done.stdout and "/quit" in done.stdout
    assert "/usage" not in done.stdout, "a command that needs a model is not offered without one"


def test_chat_quits_on_slash_quit(tmp_path: Path) -> None:
    done = _run(tmp_path, "chat", stdin="/quit\nspark hle score\n")
    assert done.returncode == 0
    assert "50.2" not in done.stdout


def test_chat_survives_a_short_reply(tmp_path: Path) -> None:
    done = _run(tmp_path, "chat", stdin="spark hle score\nok\n/compare hle\n")
    assert "Traceback" not in done.stderr
    assert done.returncode == 0


def test_an_unreachable_bot_api_stops_the_bot_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:ABCdefGhIJKlmNoPQRstuVWxyz0123456789",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "HEALTH_PORT": "0",
        "DATA_DIR": str(tmp_path / "data"),
    }
    done = _run(tmp_path, "run", env=env)
    assert done.returncode != 0
    assert "Cannot reach the Telegram Bot API" in done.stderr
    assert "Traceback" not in done.stderr and "ABCdefGhIJ" not in done.stderr


def test_bytes_that_are_not_utf8_are_read_not_crashed_on(tmp_path: Path) -> None:
    """A Latin-1 terminal typing "café", or a broken pipe: an answer, never a traceback."""
    env = {**{k: v for k, v in os.environ.items() if k.upper() not in _CLEARED}, "DATA_DIR": str(tmp_path)}
    asked = subprocess.run(
        [sys.executable, "-m", "bot", "ask", b"caf\xe9 healthbench"], env=env, capture_output=True, timeout=60
    )
    assert asked.returncode == 0 and b"42.8" in asked.stdout and b"Traceback" not in asked.stderr
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=b"\xff\xfe bad healthbench\nwhat did spark score on hle\n",
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert chat.returncode == 0 and b"50.2" in chat.stdout and b"Traceback" not in chat.stderr
