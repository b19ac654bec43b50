"""The terminal channel: `musebot chat` and `musebot ask`, through the same conversation as Telegram.

Answers are Markdown. On a terminal they are drawn with rich (bold, italics, lists, the
comparison table as a block), streamed answers live as they are written; anywhere else (a pipe,
a file, a test) they are plain text with the Markdown markers taken out, so scripts read words,
not asterisks. A contemplation runs in the background like in Telegram, with its progress on
stderr, so `/cancel` can stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import IO, Protocol

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from bot import commands
from bot.answering.answer import Answer
from bot.contemplation import Progress
from bot.conversation import Asker, Conversation, Question, Reply

__all__ = ["ASKER", "Screen", "chat", "plain", "screen_for"]

ASKER = Asker(chat_id=0, user_id=0, private=True, channel="terminal")
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


class Screen(Protocol):
    """Where answers are shown: rich on a terminal, plain text elsewhere."""

    def answer(self, answer: Answer) -> None: ...

    async def stream(self, reply: Reply) -> None: ...

    def note(self, markdown: str) -> None: ...


class PlainScreen:
    """Plain text: what a pipe, a file or a test reads."""

    def __init__(self, out: IO[str], *, spaced: bool = False) -> None:
        self._out, self._spaced = out, spaced

    def answer(self, answer: Answer) -> None:
        text = plain(answer.markdown())
        print(f"\n{text}\n" if self._spaced else text, file=self._out, flush=True)

    async def stream(self, reply: Reply) -> None:
        async for _ in reply.stream(on_progress=_progress_to_stderr):
            pass  # a pipe wants the final text once, not every partial one
        self.answer(reply.answer)

    def note(self, markdown: str) -> None:
        print(plain(markdown), file=self._out, flush=True)


class RichScreen:
    """A terminal: Markdown drawn by rich, streamed answers updated live."""

    def __init__(self, out: IO[str]) -> None:
        from rich.console import Console  # only a terminal needs rich: keep it off other paths

        self._console = Console(file=out)

    def answer(self, answer: Answer) -> None:
        from rich.markdown import Markdown

        self._console.print()
        self._console.print(Markdown(answer.markdown()))
        self._console.print()

    async def stream(self, reply: Reply) -> None:
        from rich.live import Live
        from rich.markdown import Markdown

        text = ""
        with Live(Markdown(""), console=self._console, refresh_per_second=8) as live:
            async for piece in reply.stream(on_progress=_progress_to_stderr):
                text += piece
                live.update(Markdown(text))
            live.update(Markdown(reply.answer.markdown()))  # the final text: figures checked

    def note(self, markdown: str) -> None:
        from rich.markdown import Markdown

        self._console.print(Markdown(markdown))


def screen_for(out: IO[str] = sys.stdout, *, spaced: bool = False) -> Screen:
    """Rich on a terminal, plain text elsewhere; `spaced` puts a blank line around answers
    (a chat's turns), which a one-shot answer does not want."""
    return RichScreen(out) if out.isatty() else PlainScreen(out, spaced=spaced)


async def show(reply: Reply, screen: Screen) -> None:
    """Notices, then the answer (streamed where it is one)."""
    for notice in reply.notices:
        screen.note(notice)
    if reply.streamed:
        await screen.stream(reply)
    elif reply.answer.text:
        screen.answer(reply.answer)


async def chat(conversation: Conversation, screen: Screen, read_line: _Reader) -> int:
    """`musebot chat`: questions and commands until `/quit` or end of input."""
    screen.note("Muse Bot — ask about Meta's Muse Spark. /help for commands, Ctrl-D to leave.")
    try:
        while (line := await read_line("you> ")) is not None:
            line = line.strip()
            if line in {"/quit", "/exit"}:
                break
            if line:
                await _one_line(conversation, screen, line)
    finally:
        await _wait_for_background(conversation)
    return 0


async def _one_line(conversation: Conversation, screen: Screen, line: str) -> None:
    if line.startswith("/"):
        name, *args = line[1:].split() or [""]
        reply = await commands.run(conversation, name, args, ASKER) or commands.unknown(
            conversation, name, ASKER
        )
    else:
        reply = await conversation.turn(Question(line, ASKER))
    if reply.contemplation:
        task = asyncio.create_task(_in_background(reply, screen, conversation), name="contemplate")
        conversation.jobs.add(ASKER.key, ASKER.user_id, task)
        return
    await show(reply, screen)


async def _in_background(reply: Reply, screen: Screen, conversation: Conversation) -> None:
    try:
        await show(reply, screen)
    except asyncio.CancelledError:
        screen.note(conversation.jobs.reason(ASKER.key))
        raise


async def _wait_for_background(conversation: Conversation) -> None:
    """At the end of input, let a running contemplation finish (a script may have piped it)."""
    await conversation.jobs.wait_all()


async def _progress_to_stderr(progress: Progress) -> None:
    print(f"… {progress.describe()}", file=sys.stderr, flush=True)


class _Reader(Protocol):
    async def __call__(self, prompt: str) -> str | None: ...


async def read_stdin(prompt: str) -> str | None:
    """One line from stdin without blocking the event loop; None at end of input."""
    with contextlib.suppress(ImportError):  # arrow keys and history where the platform has it
        import readline  # noqa: F401
    try:
        return await asyncio.to_thread(input, prompt if sys.stdin.isatty() else "")
    except EOFError:
        return None


def plain(markdown: str) -> str:
    """Markdown as plain text: markers out, lists as "•" lines, code blocks kept as they are."""
    root = SyntaxTreeNode(_MD.parse(markdown))
    return "\n\n".join(b for b in (_block(node) for node in root.children) if b).strip()


def _block(node: SyntaxTreeNode) -> str:
    if node.type in ("fence", "code_block"):
        return node.content.rstrip("\n")
    if node.type in ("bullet_list", "ordered_list"):
        ordered = node.type == "ordered_list"
        return "\n".join(
            f"{f'{i}.' if ordered else '•'} {_inline_of(item)}" for i, item in enumerate(node.children, 1)
        )
    if node.type == "hr":
        return "—" * 10
    return _inline_of(node)


def _inline_of(node: SyntaxTreeNode) -> str:
    if node.type in ("text", "code_inline", "html_inline", "html_block"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return "\n"
    parts = [_inline_of(child) for child in node.children]
    sep = "\n" if node.type in ("list_item", "blockquote") else ""
    return sep.join(p for p in parts if p) if sep else "".join(parts)
