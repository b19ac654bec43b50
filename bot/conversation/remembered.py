"""Knowledge answers to opening questions, remembered: the same question, the same answer.

An exact answer to a question with no conversation before it depends only on the text, the
client's language and the chat's chosen language (the engine is a pure function of them and the
knowledge base), and people ask the same few things: "what is muse spark", "spark vs gpt 5.4".
Remembering those answers takes the engine off the path of most first questions. Follow-ups
(any history), pictures and questions for the model are never remembered; a `/reload` forgets
everything (a new engine, a new `RememberedAnswers`).
"""

from __future__ import annotations

import copy
from collections import OrderedDict

from bot.answering.answer import Answer

__all__ = ["RememberedAnswers"]

Key = tuple[str, str | None, str | None]


class RememberedAnswers:
    """A small LRU of exact answers by (question, client language, chosen language)."""

    def __init__(self, size: int = 1024) -> None:
        self._items: OrderedDict[Key, Answer] = OrderedDict()
        self.size = size

    def get(self, key: Key) -> Answer | None:
        """A copy of the remembered answer (callers may annotate theirs), or None."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return copy.copy(found)

    def keep(self, key: Key, answer: Answer) -> None:
        if self.size <= 0:
            return
        self._items[key] = copy.copy(answer)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
