"""`musebot`: run the bot, or use the same engine from a terminal.

The sub-commands (`run`, `chat`, `ask`, `compare`, `knowledge check`) are a contract other tools
rely on (docs/architecture.md).
Errors a person can fix (a broken knowledge file, a missing token) print one clear line and
exit non-zero; no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.conversation import Conversation, Question
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.llm import LLMError, build_backend
from bot.ops.logs import setup_logging
from bot.ops.metrics import Metrics
from bot.ops.settings import Settings
from bot.state.store import Store
from bot.warmstart import engine_for


class UserError(Exception):
    """Something the user can fix; printed as one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """The `musebot` command (`argv` None: this process's own arguments), or a call with
    `argv` from Python, which returns the exit status.

    As the command, the process ends as soon as the work is done (output flushed, the store
    closed): tearing down every object of the knowledge base and the engine one by one, as the
    interpreter does on its way out, would add a tenth of a second to `musebot ask`."""
    code = _main(argv)
    if argv is not None:
        return code
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
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
    todo = ksub.add_parser("translations", help="print what a language still needs translated (YAML)")
    todo.add_argument("language", choices=["es", "pt", "id", "hi"])
    todo.set_defaults(handler=_cmd_knowledge_translations)
    return parser


def _conversation(
    settings: Settings | None = None, *, with_llm: bool = True, counted: bool = True
) -> Conversation:
    """The same conversation as the Telegram bot's, with history kept in memory for this run
    (and metrics for `/stats`, unless not `counted`: one question has nobody to report to)."""
    settings = settings or Settings()
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, settings.secrets())
    engine = engine_for(settings.knowledge_dir, settings.cache_dir)  # a warm start when it can
    engine.llm = build_backend(settings) if with_llm else None
    metrics = Metrics(enabled=counted)
    return Conversation.from_settings(settings, engine, Store(":memory:"), metrics=metrics)


async def _close(conversation: Conversation) -> None:
    if conversation.engine.llm is not None:
        await conversation.engine.llm.aclose()
    conversation.store.close()


def _cmd_health(args: argparse.Namespace) -> int:
    """For Docker's HEALTHCHECK: no curl needed in the image."""
    settings = Settings()
    if not settings.health_port:
        raise UserError("HEALTH_PORT is 0: the health server is switched off.")
    url = f"http://127.0.0.1:{settings.health_port}/healthz"
    import httpx

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
    for line in _translation_report(kb):
        print(line)
    return 0


def _translation_report(kb: KnowledgeBase) -> list[str]:
    """One line per language: how much is translated, and what shows in English until it is."""
    from bot.knowledge.translations import KINDS, originals

    lines = []
    for language in kb.translations.languages():
        done = sum(len(list(kb.translations.items(language, kind))) for kind in KINDS)
        total = sum(len(originals(kb, kind)) for kind in KINDS)
        todo = [t for t in (*kb.translations.stale, *kb.translations.missing) if t.startswith(f"{language} ")]
        line = f"  {language}: {done}/{total} translated"
        if todo:
            line += f"; shown in English until translated: {len(todo)} (musebot knowledge translations {language})"
        lines.append(line)
    return lines


def _cmd_knowledge_translations(args: argparse.Namespace) -> int:
    import yaml

    from bot.knowledge.translations import skeleton

    kb = load_knowledge(Settings().knowledge_dir)
    print(yaml.safe_dump(skeleton(kb, args.language), allow_unicode=True, sort_keys=False, width=100), end="")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    return asyncio.run(_ask(" ".join(args.question), as_json=args.json, contemplate=args.contemplate))


async def _ask(question: str, *, as_json: bool, contemplate: bool = False) -> int:
    from bot.channels import terminal

    conversation = _conversation(counted=False)
    try:
        asked = Question(question, terminal.ASKER, force="contemplate" if contemplate else None)
        reply = await conversation.turn(asked)
        if as_json:
            await reply.text()
            print(json.dumps(reply.answer.to_json(), ensure_ascii=False))
        else:
            await terminal.show(reply, terminal.screen_for(sys.stdout))
    finally:
        await _close(conversation)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from bot.channels import terminal

    conversation = _conversation(with_llm=False)
    answer = conversation.engine.compare(args.names)
    terminal.screen_for(sys.stdout).answer(answer)
    return 0 if answer.route == "compare" else 1


def _cmd_chat(args: argparse.Namespace) -> int:
    return asyncio.run(_chat())


async def _chat() -> int:
    from bot.channels import terminal

    conversation = _conversation()
    try:
        return await terminal.chat(
            conversation, terminal.screen_for(sys.stdout, spaced=True), terminal.read_stdin
        )
    finally:
        await _close(conversation)


def _cmd_run(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.telegram_bot_token.get_secret_value():
        raise UserError(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather in Telegram "
            "(send /newbot), then put TELEGRAM_BOT_TOKEN=... in .env or the environment. "
            "To try the bot without a token, run: musebot chat"
        )
    from bot.channels.telegram.app import run_bot  # the terminal commands never load telegram

    return run_bot(settings)


if __name__ == "__main__":
    raise SystemExit(main())
