"""`musebot ask "..."` wall time per process, as a ratio to `python -c "import telegram.ext"`
(and to `python -c pass`) from the same run.

Process start is what a user of `musebot ask` (or a container health check) waits for: the
interpreter, the imports, loading the knowledge base and one answer. Importing
python-telegram-bot's `telegram.ext` is the yardstick: a bot on it cannot start faster. The
goal is `musebot ask` within 1.5× of it. `musebot ask` reads the engine from its snapshot
(bot/warmstart.py), made by the first run; the last row builds it every time, as the first
run after a change to the knowledge files or the code does.

The package is byte-compiled first (`compileall`), as a pip-installed wheel is: with
PYTHONDONTWRITEBYTECODE set, a checkout would otherwise compile every module on every start,
while site-packages (telegram included) has its `.pyc` files from installation.

    .venv/bin/python bench/cli_start.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, median, table

QUESTION = "what did muse spark score on healthbench hard"
COLD = "<CACHE_DIR=off>"


def _time(cmd: list[str], runs: int, cwd: str) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "KNOWLEDGE_DIR"}}
    env["CACHE_DIR"] = str(Path(cwd) / "cache")  # the engine snapshot, kept in the temporary folder
    if cmd[-1] == COLD:
        cmd, env["CACHE_DIR"] = cmd[:-1], "off"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    musebot = Path(sys.executable).with_name("musebot")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "bot")], check=True)
    cmds = {
        "`python -c pass`": [sys.executable, "-c", "pass"],
        "`python -c 'import telegram.ext'` (baseline)": [sys.executable, "-c", "import telegram.ext"],
        "`python -c 'import bot.cli'`": [sys.executable, "-c", "import bot.cli"],
        '`musebot ask "<score question>"`': [str(musebot), "ask", QUESTION],
        "`musebot ask --json …`": [str(musebot), "ask", "--json", QUESTION],
        "`musebot ask …` with CACHE_DIR=off (the engine built every time)": [
            str(musebot),
            "ask",
            QUESTION,
            COLD,
        ],
    }
    with tempfile.TemporaryDirectory() as cwd:  # from any folder, with no .env
        for cmd in cmds.values():
            _time(cmd, 1, cwd)  # warm the OS file cache
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(runs):  # in turns, so that a busy machine slows every command alike
            for name, cmd in cmds.items():
                times[name] += _time(cmd, 1, cwd)
        results = {name: median(ts) for name, ts in times.items()}
    bare, base = list(results.values())[:2]
    print(f"## CLI start — median of {runs} runs each\n")
    print(
        table(
            ["command", "median", "÷ `import telegram.ext`", "÷ `python -c pass`"],
            [
                [name, f"{t * 1e3:.0f} ms", f"{t / base:.2f}×", f"{t / bare:.1f}×"]
                for name, t in results.items()
            ],
        )
    )


if __name__ == "__main__":
    main()
