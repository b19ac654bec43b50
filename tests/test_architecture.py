"""The house keeps its shape: imports point one way, the core never sees a channel or a concrete
LLM adapter, and every module stays short enough to read at once (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
MAX_LINES = 450
CORE = (
    "bot.answering",
    "bot.knowledge",
    "bot.conversation",
    "bot.contemplation",
    "bot.state",
    "bot.commands",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in BOT.rglob("*.py"):
        name = ".".join(path.relative_to(BOT.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: {i for i in _imports(p) if i in modules and i != m} for m, p in modules.items()}


def test_there_is_no_import_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " → ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*path, node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


def test_the_core_never_imports_a_channel_or_telegram() -> None:
    offenders = [
        f"{m} imports {i}"
        for m, p in _modules().items()
        if m.startswith(CORE)
        for i in _imports(p)
        if i.split(".")[0] == "telegram" or i.startswith("bot.channels")
    ]
    assert not offenders


def test_only_bot_llm_knows_the_concrete_adapters() -> None:
    graph = _graph()
    offenders = [
        f"{m} imports {i}"
        for m, imported in graph.items()
        if not m.startswith("bot.llm")
        for i in imported
        if i.startswith("bot.llm.")
    ]
    assert not offenders, "outside bot/llm/, import the contract from `bot.llm` only"


def test_every_module_is_short_enough_to_read_at_once() -> None:
    long = {
        m: n
        for m, p in _modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_the_ci_only_checks_still_import() -> None:
    """The smoke checks run only in CI (a built wheel, a real Docker engine); a module they
    import that moved must fail here, on every machine, not first in CI."""
    import importlib

    for path in sorted((Path(__file__).parent / "smoke").glob("*.py")):
        importlib.import_module(f"tests.smoke.{path.stem}")


def test_the_telegram_bot_loads_no_terminal_renderer() -> None:
    """rich and pygments cost the running bot ~4 MB for nothing (httpx's own CLI pulls them in)."""
    import subprocess
    import sys

    code = "import sys, bot.channels.telegram.app; print(sorted({'rich', 'pygments', 'click'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
