"""Logging set-up that cannot leak secrets.

httpx logs every request URL at INFO and python-telegram-bot logs the Bot API URL at DEBUG;
both contain the bot token. Raising one logger's level is not enough (another library, or an
exception message, may carry it), so a filter on the *handler* rewrites every record, whatever
logger it came from, replacing every form of each configured secret (see `bot.ops.secrets`) with a
placeholder.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.ops.secrets import Redactor

_QUIET_LIBRARIES = ("httpx", "httpcore", "apscheduler", "matplotlib", "PIL", "markdown_it")


class BootstrapFailure(logging.Filter):
    """python-telegram-bot logs a start-up it gives up on ("Network Retry Loop (Bootstrap …):
    Aborting") with a traceback; the bot then says in one line why it cannot start. The
    library's line stays, its traceback goes: an operator reads the reason, not the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram.ext") and record.getMessage().startswith(
            "Network Retry Loop (Bootstrap"
        ):
            record.exc_info = None
            record.exc_text = None
        return True


class RedactSecrets(logging.Filter):
    """Replaces each secret, in any form, in the final message (args included) and exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._redactor = Redactor(secrets)

    def redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._redactor:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.exc_info = None if record.exc_text else record.exc_info
        return True


def setup_logging(level: str, secrets: Iterable[str] = (), *, stream: object = None) -> logging.Handler:
    """One handler on the root logger with the redacting filter; noisy libraries above INFO."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(BootstrapFailure())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_musebot", False)]:
        root.removeHandler(old)
    handler._musebot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler
