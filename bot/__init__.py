"""Muse Bot: a Telegram bot that answers questions about Meta's Muse Spark.

The house, from the outside in (imports only ever point down this list):

- `cli` — the `musebot` command line: `run`, `chat`, `ask`, `compare`, `knowledge check`, `health`.
- `channels` — how people reach the bot: `channels.telegram` (python-telegram-bot) and
  `channels.terminal`. Thin: parse what arrived, take one turn, show the reply.
- `commands` — the one list of slash commands, and what each does.
- `conversation` — one turn, the same for every channel: clip, history, mode, quota, answer or
  stream, remember. The only place that turns model failures into sentences.
- `contemplation` — Contemplating mode: parallel agents and a synthesis.
- `answering` — the transport-agnostic engine: text → typed query → exact answer, or a task
  for the model with a grounded prompt.
- `knowledge` — the curated knowledge base (`knowledge/` is data), validated at load.
- `llm` — language-model backends: one small contract, one adapter per wire format.
- `state` — SQLite storage, who may use the bot, quotas. `ops` — settings, logs, health, metrics.
- `texts` — every sentence the bot says on its own behalf. `jobs` — work running in the background.

`docs/architecture.md` follows one question through all of it.
"""

import sys

__version__ = "0.1.0"

# httpx imports its own command-line client (rich, pygments, click: about 4 MB resident) whenever
# those happen to be installed, and rich is, for `musebot chat`. The bot never runs httpx's
# client, so its module is marked absent: httpx then keeps its stub `main` (its documented
# fallback when the CLI extras are missing), and rich loads only when the terminal renders.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
