"""Every way a request can fail, mapped to the error class and a message an operator can act on.

`bot.llm.http` decides *that* something failed (a status, a transport exception, a body that
ended wrong); these functions decide *what it means*: which class of `bot.llm.errors`, whether
a retry may help, and which setting to check. Messages name the backend and the setting to
fix, never the key (the caller redacts them once more before they leave `bot.llm`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from bot.llm.config import BackendOptions
from bot.llm.errors import (
    AnswerCutOff,
    BackendMisconfigured,
    BackendTimeout,
    BackendUnavailable,
    CutOffReason,
    LLMError,
    StreamInterrupted,
)
from bot.llm.wire import ErrorDetail, Stop, StopReason, display_url

__all__ = [
    "Subject",
    "cut_off",
    "ending_error",
    "interrupted",
    "redirected",
    "status_error",
    "transport_error",
    "unsendable",
    "web_page",
]

_RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
_CUT_REASONS: dict[StopReason, CutOffReason] = {
    "max_tokens": "max_tokens",
    "content_filter": "content_filter",
    "error": "error",
}


@dataclass(frozen=True)
class Subject:
    """The backend a message is about, and the wording that goes with it."""

    name: str
    model: str
    base_url: str
    final_marker: str = "its final event"  # what a whole answer ends with in this format

    @property
    def who(self) -> str:
        return f"LLM backend {self.name!r}"

    @property
    def where(self) -> str:
        return display_url(self.base_url)

    def misconfigured(self, message: str) -> BackendMisconfigured:
        return BackendMisconfigured(message, backend=self.name)


def status_error(
    b: Subject, status: int, detail: ErrorDetail, retry_after: float | None, *, in_band: bool = False
) -> LLMError:
    """A refusal with `status` (the HTTP one, or what an error in a 200 body stands for).

    4xx are the request's fault (`BackendMisconfigured`, not retried) except 408/409/425/429;
    those and 5xx are `BackendUnavailable`, retryable. The provider's own words are quoted.
    A 400 whose body says the key is refused (Gemini's API_KEY_INVALID, see
    `bot.llm.wire`) is reported as the 401 or 403 it stands for.
    """
    retry_after = retry_after if retry_after is not None else detail.retry_after
    said = "an error in a 200 response" if in_band else f"HTTP {status}"
    said += f": {detail.message}" if detail.message else ""
    hint = f" {detail.hint}" if detail.hint else ""
    if status == 400 and detail.status in (401, 403):
        status = detail.status
    if detail.kind == "insufficient_quota":
        return b.misconfigured(f"{b.who} has no quota left ({said}). Check its billing.")
    if status == 401:
        return b.misconfigured(f"{b.who} rejected the API key ({said}). Check LLM_API_KEY.{hint}")
    if status == 403:
        return b.misconfigured(
            f"{b.who} refused access ({said}). Check LLM_API_KEY and that it may use model {b.model!r}.{hint}"
        )
    if status == 404:
        advice = hint or f" Check LLM_MODEL ({b.model!r}) and LLM_BASE_URL ({b.where})."
        return b.misconfigured(f"{b.who} was not found ({said}).{advice}")
    if status in _RETRYABLE_STATUSES or status >= 500:
        return _unavailable(b, status, said, retry_after, hint)
    advice = hint or f" Check LLM_MODEL ({b.model!r}) and the backend's limits."
    return b.misconfigured(f"{b.who} rejected the request ({said}).{advice}")


def _unavailable(
    b: Subject, status: int, said: str, retry_after: float | None, hint: str
) -> BackendUnavailable:
    if status == 429:
        what = "is rate-limiting requests"
    elif status == 529 or "overloaded" in said.lower():
        what = "is overloaded"
    elif status in (408, 504):
        what = "timed out"
    else:
        what = "had a server error"
    wait = f" It asks to wait {retry_after:.0f} s." if retry_after is not None else ""
    return BackendUnavailable(
        f"{b.who} {what} ({said}).{wait} Try again later.{hint}",
        backend=b.name,
        retry_after=retry_after,
        retryable=True,
    )


def transport_error(b: Subject, exc: Exception, options: BackendOptions, *, started: bool) -> LLMError:
    """A failure below HTTP: no connection, a timeout (`TimeoutError` is the overall deadline), a drop.

    Before any text a timeout is a `BackendTimeout` naming the setting that fired; after text
    the caller turns every error into a `StreamInterrupted`.
    """
    if isinstance(exc, TimeoutError | httpx.ReadTimeout):
        if isinstance(exc, TimeoutError):
            setting, seconds = "LLM_TOTAL_TIMEOUT", options.total_timeout
            what = f"did not {'finish' if started else 'start'} its answer within {seconds:g} s"
        else:
            setting, seconds = "LLM_READ_TIMEOUT", options.read_timeout
            what = f"sent nothing for {seconds:g} s; the model may still be loading, or the server is stuck"
        message = f"{b.who} {what} ({setting}={seconds:g} s)."
        if started:
            return BackendUnavailable(message, backend=b.name)
        return BackendTimeout(message, backend=b.name, setting=setting, seconds=seconds)
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return BackendUnavailable(
            f"{b.who} could not connect to {b.where} ({_reason(exc)}). Is the server running, and is "
            "LLM_BASE_URL right?",
            backend=b.name,
            retryable=True,
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return b.misconfigured(
            f"{b.who} has an unusable LLM_BASE_URL ({b.where}): it must start with http(s)://."
        )
    return BackendUnavailable(
        f"{b.who}: the connection to {b.where} broke ({_reason(exc)}).",
        backend=b.name,
        retryable=not started,
    )


def unsendable(b: Subject) -> BackendMisconfigured:
    """httpx refused to build or write the request: a header value HTTP cannot carry."""
    return b.misconfigured(
        f"{b.who} could not send its request: a header value holds a character HTTP does not allow "
        "(a line break, a space at either end, a non-ASCII character). Check LLM_API_KEY for stray "
        "characters."
    )


def redirected(b: Subject, status: int, location: str | None, request_url: str) -> BackendMisconfigured:
    """A 3xx: the API moved, or LLM_BASE_URL names the wrong scheme, host or path.

    Never followed: httpx would turn the POST of a 301/302 into a GET without a body, and
    a redirect to another host may hand it the key. Never retried either, since the same URL
    redirects again. `location` is shown without user info or query (`display_url`), and when
    it keeps the path the adapter added, the base URL it implies is suggested.
    """
    if not location:
        return b.misconfigured(
            f"{b.who} answered HTTP {status} (a redirect) without a Location. Check LLM_BASE_URL ({b.where})."
        )
    shown, base = _redirect_target(location, request_url, b.base_url)
    suggestion = f" Set LLM_BASE_URL to {base} if that is the server's new address." if base else ""
    return b.misconfigured(
        f"{b.who} answered HTTP {status}, a redirect to {shown}: LLM_BASE_URL ({b.where}) is not "
        f"where the API answers (an http:// URL for an https:// server, a moved host or path).{suggestion}"
    )


def _redirect_target(location: str, request_url: str, base_url: str) -> tuple[str, str | None]:
    """Where a redirect points (for display), and the base URL it implies when it keeps our path."""
    try:
        target = urlsplit(urljoin(request_url, location))
        added = urlsplit(request_url).path.removeprefix(urlsplit(base_url).path)
    except ValueError:
        return "<invalid URL>", None
    shown = display_url(urlunsplit(target))
    if not added or not target.path.endswith(added):
        return shown, None
    return shown, display_url(urlunsplit(target._replace(path=target.path[: -len(added)])))


def web_page(b: Subject, hint: str) -> BackendMisconfigured:
    """A 200 with HTML: the base URL points at a web page, not the API."""
    return b.misconfigured(
        f"{b.who} answered with a web page instead of a stream. Check LLM_BASE_URL ({b.where}).{hint}"
    )


def ending_error(b: Subject, stop: Stop | None, partial: str, max_tokens: int) -> LLMError | None:
    """None for a whole answer; otherwise the error that says why the body was not one."""
    if stop is None and not partial:
        return BackendUnavailable(
            f"{b.who} ended its response before any answer and without {b.final_marker}: the "
            f"connection to {b.where} was dropped (a proxy, or the server restarting).",
            backend=b.name,
            retryable=True,
        )
    if stop is None:
        return cut_off(b, "incomplete", partial, f"the stream ended without {b.final_marker}", max_tokens)
    if stop.reason == "error" and not partial:
        return BackendUnavailable(
            f"{b.who} reported that the generation failed ({stop.said}) before any answer text.",
            backend=b.name,
            retryable=True,
        )
    if stop.cut:
        return cut_off(b, _CUT_REASONS.get(stop.reason, "incomplete"), partial, stop.said, max_tokens)
    if partial:
        return None
    return BackendUnavailable(
        f"{b.who} finished without any answer text (the model may have spent its whole token "
        "budget thinking: raise LLM_MAX_TOKENS).",
        backend=b.name,
    )


def cut_off(b: Subject, reason: CutOffReason, partial: str, said: str, max_tokens: int) -> AnswerCutOff:
    """An answer that is not whole, with the advice that fits `reason`."""
    after = f"after {len(partial)} characters" if partial else "before any answer text"
    if reason == "max_tokens":
        why = "" if partial else "A reasoning model may have spent it all thinking. "
        message = (
            f"{b.who} stopped at its token limit ({said}) {after}: the answer is cut off. {why}"
            f"Raise LLM_MAX_TOKENS (this request allowed {max_tokens} tokens)."
        )
    elif reason == "content_filter":
        message = (
            f"{b.who}: the provider's content filter stopped the answer ({said}) {after}. That is the "
            "provider's policy, not a fault here; its safety settings decide what passes."
        )
    elif reason == "error":
        message = (
            f"{b.who}: the server reported that the generation failed ({said}) {after}, so the "
            "answer is incomplete. The model or the server failed, not a setting here; asking again may work."
        )
    else:
        message = (
            f"{b.who}: {said} {after}, so the answer is incomplete: a proxy or the server dropped the "
            f"connection. Check proxy timeouts and buffering between the bot and {b.where}."
        )
    return AnswerCutOff(message, backend=b.name, partial=partial, reason=reason)


def interrupted(b: Subject, error: LLMError, partial: str) -> StreamInterrupted:
    """`error` after text was delivered: the answer broke off; `partial` is what the user saw."""
    return StreamInterrupted(
        f"{error.message} The answer stopped part-way.",
        backend=b.name,
        partial=partial,
        retry_after=error.retry_after,
    )


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
