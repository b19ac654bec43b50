"""Shared fixtures: one knowledge base and one engine for the whole session (both are immutable
in use, and building them once keeps the suite fast); and the `needs_seed` marker's rule."""

from __future__ import annotations

import os

import pytest

from bot.answering.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge
from tests.seed import SEED_DIR, seed_files

_NOT_RUN = f"needs the source article, which this checkout lacks ({SEED_DIR}); CI runs it"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the article (and outside CI), checks against it are reported as not run."""
    if seed_files() or os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        return
    for item in items:
        if item.get_closest_marker("needs_seed") is not None:
            item.add_marker(pytest.mark.skip(reason=_NOT_RUN))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if _NOT_RUN in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} check(s) against the source article were NOT run: {_NOT_RUN}.",
            yellow=True,
        )


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The terminal commands' engine snapshots go to a folder of the session's, not ~/.cache."""
    before = os.environ.get("CACHE_DIR")
    os.environ["CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("CACHE_DIR", None)
    else:
        os.environ["CACHE_DIR"] = before
