"""The curated knowledge base: what the files in `knowledge/` hold, and loading them.

    kb = load_knowledge()          # the bundled folder, or KNOWLEDGE_DIR
    kb.benchmarks["hle"].score_for("muse-spark").value   # 50.2

`KnowledgeError` names the file, the field and the reason when a file is broken.
"""

from bot.knowledge.loader import default_knowledge_dir, load_knowledge, load_yaml
from bot.knowledge.schema import (
    Benchmark,
    Entity,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Model,
    Score,
    Source,
    Unknown,
)

__all__ = [
    "Benchmark",
    "Entity",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Model",
    "Score",
    "Source",
    "Unknown",
    "default_knowledge_dir",
    "load_knowledge",
    "load_yaml",
]
