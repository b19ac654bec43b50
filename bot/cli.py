"""`musebot`: run the bot, or use the same engine from a terminal.

Sub-commands are the contract of DESIGN.md (`run`, `chat`, `ask`, `compare`, `knowledge check`).
Errors a person can fix (a broken knowledge file, a missing token) print one clear line and
exit non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from bot.answer import Answer, Turn
from bot.commands import COMMANDS, run_command
from bot.engine import Engine
from bot.knowledge import KnowledgeError, load_knowledge
from bot.settings import Settings


class UserError(Exception):
    """Something the user can fix; printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (UserError, KnowledgeError) as exc:
        print(f"musebot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musebot", description="Muse Bot: answers about Meta's Muse Spark.")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.set_defaults(handler=_cmd_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no token needed)")
    chat.set_defaults(handler=_cmd_chat)

    ask = sub.add_parser("ask", help="answer one question and exit")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print one JSON object: text, route, sources")
    ask.set_defaults(handler=_cmd_ask)

    compare = sub.add_parser("compare", help="models side by side, or a benchmark ranking")
    compare.add_argument("names", nargs="*", metavar="NAME")
    compare.set_defaults(handler=_cmd_compare)

    knowledge = sub.add_parser("knowledge", help="knowledge base tools")
    ksub = knowledge.add_subparsers(title="knowledge commands", metavar="COMMAND")
    check = ksub.add_parser("check", help="validate the knowledge folder and print counts")
    check.set_defaults(handler=_cmd_knowledge_check)
    return parser


def _engine(settings: Settings | None = None) -> Engine:
    settings = settings or Settings()
    return Engine(load_knowledge(settings.knowledge_dir))


def _cmd_knowledge_check(args: argparse.Namespace) -> int:
    settings = Settings()
    kb = load_knowledge(settings.knowledge_dir)
    counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
    print(f"{kb.root}: OK — {counts}; as of {kb.as_of.isoformat()}")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    answer = asyncio.run(_answer_once(" ".join(args.question)))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(answer.markdown())
    return 0


async def _answer_once(question: str) -> Answer:
    answer = _engine().lookup(question)
    await answer.collect()
    return answer


def _cmd_compare(args: argparse.Namespace) -> int:
    answer = _engine().compare(args.names)
    print(answer.markdown())
    return 0 if answer.route == "compare" else 1


def _cmd_chat(args: argparse.Namespace) -> int:
    engine = _engine()
    _enable_line_editing()
    print("Muse Bot — ask about Meta's Muse Spark. /help for commands, Ctrl-D to leave.")
    history: list[Turn] = []
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            print()
            return 0
        if not line:
            continue
        answer = _chat_reply(engine, line, history)
        if answer is None:
            return 0
        print(f"\n{answer.markdown()}\n")


def _chat_reply(engine: Engine, line: str, history: list[Turn]) -> Answer | None:
    """One turn of the terminal chat; None means the user asked to leave."""
    if line.startswith("/"):
        name, *rest = line[1:].split()
        if name in {"quit", "exit"}:
            return None
        if name == "reset":
            history.clear()
            return Answer("History cleared.", "knowledge")
        answer = run_command(engine, name, rest)
        if answer is None:
            known = " ".join(f"/{c.name}" for c in COMMANDS)
            return Answer(f"Unknown command /{name}. Try: {known}", "fallback")
        return answer
    answer = engine.lookup(line, history)
    history.extend([Turn("user", line), Turn("assistant", answer.text)])
    del history[:-12]
    return answer


def _enable_line_editing() -> None:
    """Arrow keys and history in `input()`, where the platform has readline."""
    try:
        import readline  # noqa: F401
    except ImportError:
        pass


def _cmd_run(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.telegram_bot_token.get_secret_value():
        raise UserError(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather in Telegram "
            "(send /newbot), then put TELEGRAM_BOT_TOKEN=... in .env or the environment. "
            "To try the bot without a token, run: musebot chat"
        )
    from bot.telegram.app import run_bot

    return run_bot(settings)


if __name__ == "__main__":
    raise SystemExit(main())
