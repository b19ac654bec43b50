"""Shared fixtures: one knowledge base and one engine for the whole session (both are immutable
in use, and building them once keeps the suite fast)."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load_knowledge


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)
