"""Where the source article is, and whether this checkout has it.

The article lives beside the repository (`../shared/seed`), not in it: CI has it, a fresh clone
on someone's machine does not. Tests that compare the knowledge base with the article carry
`@pytest.mark.needs_seed`; without the article they are reported as not run (and why) instead
of failing, except under CI (`CI=true`), where a missing article is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED_DIR = Path(os.environ.get("MUSEBOT_SEED_DIR") or REPO.parent / "shared" / "seed")


def seed_files() -> list[Path]:
    return sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []


def seed_text() -> str:
    """The article's text; raises FileNotFoundError naming the folder when it is missing."""
    files = seed_files()
    if not files:
        raise FileNotFoundError(f"no seed article in {SEED_DIR} (../shared/seed)")
    return "\n".join(p.read_text(encoding="utf-8") for p in files)
