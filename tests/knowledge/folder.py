"""A small valid knowledge folder for tests that break or extend one file of it."""

from __future__ import annotations

import textwrap
from pathlib import Path

SOURCES = """
sources:
  - id: seed
    title: The seed article
    as_of: 2026-04-08
"""
MODELS = """
models:
  - id: spark
    name: Muse Spark
    vendor: Meta
    family: Muse
    aliases: ["muse"]
    source: seed
  - id: gpt
    name: GPT-5.4
    vendor: OpenAI
    family: GPT
    source: seed
"""
BENCHMARKS = """
benchmarks:
  - id: hle
    name: Humanity's Last Exam
    measures: Hard questions.
    source: seed
    scores:
      - model: spark
        value: 50.2
        source: seed
      - model: gpt
        value: 43.9
        source: seed
"""
ENTRIES = """
entries:
  - id: release
    topic: release
    title: Release date
    answer: Released on April 8, 2026.
    source: seed
    as_of: 2026-04-08
"""


def write_kb(root: Path, **overrides: str) -> Path:
    """A small valid knowledge folder; `overrides` replace a file's text (name → YAML)."""
    files = {
        "sources.yaml": SOURCES,
        "models.yaml": MODELS,
        "benchmarks.yaml": BENCHMARKS,
        "entries/release.yaml": ENTRIES,
    }
    files.update({name.replace("__", "/") + ".yaml": text for name, text in overrides.items()})
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root
