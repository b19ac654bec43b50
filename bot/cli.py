"""`musebot`: run the bot, or use the same engine from a terminal.

Sub-commands are the contract of DESIGN.md (`run`, `chat`, `ask`, `compare`, `knowledge check`).
Errors a person can fix (a broken knowledge file, a missing token) print one clear line and
exit non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence

import httpx
from pydantic import ValidationError

from bot.answer import Answer, Turn
from bot.commands import COMMANDS, help_text, run_command
from bot.contemplate import ContemplateConfig, ContemplateUnavailable, Contemplator, Progress
from bot.engine import Engine
from bot.knowledge import KnowledgeError, load_knowledge
from bot.llm import LLMError, build_backend
from bot.logs import setup_logging
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
    except (UserError, KnowledgeError, LLMError) as exc:
        print(f"musebot: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # the settings: one line, and never the rejected value
        print(f"musebot: invalid settings: {_settings_problems(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `musebot … | head`: the reader left, nothing to report
        return 0


def _settings_problems(exc: ValidationError) -> str:
    """Each problem as "VARIABLE: what is wrong", from the errors without their inputs."""
    problems = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        head, *rest = [str(part) for part in error["loc"]] or [""]
        where = head.upper() + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in rest)
        message = error["msg"].removeprefix("Value error, ")
        problems.append(message if message.startswith(head.upper()) else f"{where}: {message}")
    return "; ".join(problems)


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
    ask.add_argument("--contemplate", action="store_true", help="several agents, then one synthesis")
    ask.set_defaults(handler=_cmd_ask)

    compare = sub.add_parser("compare", help="models side by side, or a benchmark ranking")
    compare.add_argument("names", nargs="*", metavar="NAME")
    compare.set_defaults(handler=_cmd_compare)

    health = sub.add_parser("health", help="exit 0 if the running bot's /healthz says it is healthy")
    health.set_defaults(handler=_cmd_health)

    knowledge = sub.add_parser("knowledge", help="knowledge base tools")
    ksub = knowledge.add_subparsers(title="knowledge commands", metavar="COMMAND")
    check = ksub.add_parser("check", help="validate the knowledge folder and print counts")
    check.set_defaults(handler=_cmd_knowledge_check)
    return parser


def _engine(settings: Settings | None = None, *, with_llm: bool = True) -> Engine:
    settings = settings or Settings()
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, settings.secrets())
    llm = build_backend(settings) if with_llm else None
    return Engine(load_knowledge(settings.knowledge_dir), llm=llm)


def _cmd_health(args: argparse.Namespace) -> int:
    """For Docker's HEALTHCHECK: no curl needed in the image."""
    settings = Settings()
    if not settings.health_port:
        raise UserError("HEALTH_PORT is 0: the health server is switched off.")
    url = f"http://127.0.0.1:{settings.health_port}/healthz"
    try:
        response = httpx.get(url, timeout=5.0)
    except httpx.HTTPError as exc:
        print(f"unhealthy: no answer from {url} ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(response.text)
    return 0 if response.status_code == 200 else 1


def _cmd_knowledge_check(args: argparse.Namespace) -> int:
    settings = Settings()
    kb = load_knowledge(settings.knowledge_dir)
    counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
    print(f"{kb.root}: OK — {counts}; as of {kb.as_of.isoformat()}")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    return asyncio.run(_ask(" ".join(args.question), as_json=args.json, contemplate=args.contemplate))


async def _ask(question: str, *, as_json: bool, contemplate: bool = False) -> int:
    engine = _engine()
    try:
        answer = await (_contemplate(engine, question) if contemplate else engine.answer(question))
        if as_json:
            await answer.collect()
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            await _print_answer(answer)
    finally:
        if engine.llm is not None:
            await engine.llm.aclose()
    return 0


async def _print_answer(answer: Answer) -> None:
    """Streamed answers appear as they are written; the source line follows."""
    if answer.stream is None:
        print(answer.markdown())
        return
    parts = []
    async for chunk in answer.stream:
        parts.append(chunk)
        print(chunk, end="", flush=True)
    answer.text, answer.stream = "".join(parts), None
    footer = answer.footer()
    print(f"\n\n{footer}" if footer else "")


async def _contemplate(engine: Engine, question: str, history: Sequence[Turn] = ()) -> Answer:
    """Contemplating mode in the terminal: progress on stderr, then the answer as it streams."""
    try:
        contemplator = Contemplator.for_engine(engine, ContemplateConfig.from_settings(Settings()))
    except ContemplateUnavailable as exc:
        return Answer(str(exc), "fallback")

    async def show(progress: Progress) -> None:
        print(f"… {progress.describe()}", file=sys.stderr, flush=True)

    return (await contemplator.run(question, history, on_progress=show)).to_answer()


def _cmd_compare(args: argparse.Namespace) -> int:
    answer = _engine(with_llm=False).compare(args.names)
    print(answer.markdown())
    return 0 if answer.route == "compare" else 1


def _cmd_chat(args: argparse.Namespace) -> int:
    return asyncio.run(_chat())


async def _chat() -> int:
    engine = _engine()
    _enable_line_editing()
    print("Muse Bot — ask about Meta's Muse Spark. /help for commands, Ctrl-D to leave.")
    history: list[Turn] = []
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "you> ")).strip()
            except EOFError:
                print()
                return 0
            if line and not await _chat_turn(engine, line, history):
                return 0
    finally:
        if engine.llm is not None:
            await engine.llm.aclose()


async def _chat_turn(engine: Engine, line: str, history: list[Turn]) -> bool:
    """One turn of the terminal chat; False means the user asked to leave."""
    if line in {"/quit", "/exit"}:
        return False
    if line == "/reset":
        history.clear()
        print("\nHistory cleared.\n")
        return True
    question, use_llm = line, False
    contemplate = line.startswith("/contemplate")
    if line.startswith("/ask"):
        question, use_llm = line[4:].strip(), True
    elif contemplate:
        question = line.removeprefix("/contemplate").strip()
    elif line.startswith("/"):
        name, *rest = line[1:].split() or [""]
        answer = run_command(engine, name, rest) or _unknown_command(name)
        if name == "help":
            answer = Answer(help_text(TERMINAL_EXTRAS), "knowledge")
        print(f"\n{answer.markdown()}\n")
        return True
    if contemplate:
        answer = await _contemplate(engine, question, history)
    else:
        answer = await engine.answer(question, history, use_llm=use_llm)
    print()
    await _print_answer(answer)
    print()
    history.extend([Turn("user", question), Turn("assistant", answer.text)])
    del history[:-12]
    return True


TERMINAL_EXTRAS = (
    ("ask", "ask the language model directly: /ask QUESTION"),
    ("contemplate", "several agents think it over, then one answer: /contemplate QUESTION"),
    ("reset", "forget this conversation"),
    ("quit", "leave (or Ctrl-D)"),
)


def _unknown_command(name: str) -> Answer:
    known = " ".join(f"/{c.name}" for c in COMMANDS) + " " + " ".join(f"/{n}" for n, _ in TERMINAL_EXTRAS)
    return Answer(f"Unknown command /{name}. Try: {known}", "fallback")


def _enable_line_editing() -> None:
    """Arrow keys and history in `input()`, where the platform has readline."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


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
