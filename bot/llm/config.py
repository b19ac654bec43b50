"""What an adapter is built from: plain values, so nothing in `bot.llm` depends on the settings.

The factory (`bot.llm.factory`) is the one place that reads `bot.ops.settings` and fills these in;
tests and tools can build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = ["BackendConfig", "BackendOptions"]


@dataclass(frozen=True)
class BackendConfig:
    """One backend: which wire format, where, with which key and model.

    `base_url` is used as given apart from a trailing slash (the factory fills a provider's
    public URL when none is set); `name` is what logs call it ("" means `provider:model`);
    `supports_images` None means "guess from the model name". The key never shows in repr.
    """

    provider: str
    model: str
    base_url: str
    api_key: str = field(default="", repr=False)
    name: str = ""
    supports_images: bool | None = None


@dataclass(frozen=True)
class BackendOptions:
    """The limits every adapter shares (LLM_* settings), in seconds, tokens and tries.

    `read_timeout` is idle time: no byte for that long, including before the first one, which
    is how a hung model shows. `total_timeout` bounds a whole answer. `max_retries` counts
    extra tries before the first token; a `Retry-After` longer than `max_retry_after` is not
    waited for. `max_tokens` and `temperature` are defaults a call may override.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 180.0
    max_retries: int = 2
    max_tokens: int = 1024
    temperature: float = 0.3
    max_retry_after: float = 30.0
    backoff_base: float = 0.5

    def httpx_timeout(self) -> httpx.Timeout:
        # httpx's read timeout applies to each socket read, which is exactly "idle": no bytes
        # for that long. The overall deadline is enforced separately, per await.
        import httpx

        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.read_timeout,
            pool=self.connect_timeout,
        )
