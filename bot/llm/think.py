"""Keeping a model's reasoning out of the answer when the server leaves it in the text.

Reasoning models served without a reasoning parser (vLLM, llama.cpp, MLX servers, older
Ollama) put their thinking inline. Two shapes reach us:

- a leading block: `<think>reasoning</think>answer`;
- no opening tag, because the chat template already put `<think>` into the prompt
  (DeepSeek-R1 and its distills, QwQ, Qwen3, MiniMax-M2, GLM…): `reasoning</think>answer`.

The first is recognised within a few characters. The second cannot be told from an
ordinary answer until the closing tag arrives, and holding every answer back until the end
would end streaming. The rule (`ThinkFilter`, with `hold` chosen per backend by the adapter):

1. Leading whitespace and `<think>`: drop through the first `</think>`, whatever comes.
2. `hold=True` (the backend is known to reason first: a reasoning model by its name, or it
   has sent a bare `</think>` before): keep everything back until the first `</think>`, then
   drop it all and stream the rest. If no tag comes, the whole text is released at the end.
3. `hold=False` (every other backend): stream at once, keeping back at most the 8 characters
   that could be the start of `</think>`. If a bare `</think>` still turns up, the tag and the
   text before it in the unreleased part are dropped, `bare_close` is set, and the adapter
   holds from the next answer on (and tells the operator to enable the reasoning parser).

So an ordinary answer is never delayed by more than one chunk, a backend known to reason
shows no reasoning, and an unknown one shows it at most once. The user never sees a raw tag.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["ThinkFilter", "reasons_first"]

_OPEN = "<think>"
_CLOSE = "</think>"

_State = Literal["start", "inside", "held", "watch", "after", "answer"]


class ThinkFilter:
    """Feed it the answer's text chunks in order; it returns what may be shown now.

    `feed(text)` returns the visible part of `text` (possibly ""), `flush()` whatever is still
    kept back once the stream has ended. Afterwards `tagged` says whether any think tag was
    seen and `bare_close` whether a `</think>` came without an opening tag.
    """

    def __init__(self, *, hold: bool = False) -> None:
        self._hold = hold
        self._state: _State = "start"
        self._buffer = ""
        self.tagged = False
        self.bare_close = False

    def feed(self, text: str) -> str:
        if self._state == "answer":
            return text
        if self._state == "after":  # the blank lines between the reasoning and the answer
            text = text.lstrip()
            if text:
                self._state = "answer"
            return text
        self._buffer += text
        if self._state == "start":
            head = self._buffer.lstrip()
            if len(head) < len(_OPEN) and _OPEN.startswith(head):
                return ""  # may still become "<think>"
            if head.startswith(_OPEN):
                self._state, self.tagged = "inside", True
                self._buffer = head[len(_OPEN) :]
            else:
                self._state = "held" if self._hold else "watch"
        end = self._buffer.find(_CLOSE)
        if end >= 0:
            if self._state != "inside":
                self.bare_close = self.tagged = True
            rest = self._buffer[end + len(_CLOSE) :]
            self._state, self._buffer = "after", ""
            return self.feed(rest)
        if self._state == "inside":
            self._buffer = self._buffer[-(len(_CLOSE) - 1) :]
            return ""
        if self._state == "held":
            return ""
        keep = _tag_start(self._buffer)
        shown, self._buffer = (
            self._buffer[: len(self._buffer) - keep],
            self._buffer[len(self._buffer) - keep :],
        )
        return shown

    def flush(self) -> str:
        """What was kept back, when the stream ended without the closing tag it waited for."""
        if self._state in ("start", "held", "watch"):
            text, self._buffer = self._buffer, ""
            return text
        return ""


def _tag_start(text: str) -> int:
    """Length of the longest end of `text` that could begin `</think>`."""
    for size in range(min(len(_CLOSE) - 1, len(text)), 0, -1):
        if text.endswith(_CLOSE[:size]):
            return size
    return 0


# Models whose text starts with reasoning when the server does not split it off: DeepSeek-R1
# and its distills, QwQ, Qwen3 (not its Instruct/Coder builds), "thinking"/"reasoning" builds,
# MiniMax-M, Magistral, GLM-4.5+, DeepSeek-V3.1+, EXAONE Deep.
_REASONING_MODELS = re.compile(
    r"(?<![a-z0-9])r1(?![0-9])|qwq|qwen3(?!.*(instruct|coder))|think|reason|minimax-m|magistral|"
    r"glm-(4\.[5-9]|z1)|deepseek-v3\.[1-9]|exaone-deep",
    re.IGNORECASE,
)


def reasons_first(model: str) -> bool:
    """Whether `model`, by its name, is a reasoning model (so its answers are held; see above)."""
    return bool(_REASONING_MODELS.search(model))
