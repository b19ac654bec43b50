"""Configuration from the environment (and `.env`); docs/architecture.md lists the names that
other tools rely on.

One class so that every entry point (Telegram, terminal, bench) sees the same values and the
same validation; secrets are `SecretStr` so they never print by accident.

Secrets are also cleaned when they load: a value mounted from a file or pasted from a web page
often carries a trailing newline, a carriage return or spaces, which HTTP cannot send in a
header. Surrounding whitespace is stripped; a control or non-ASCII character left inside is a
validation error that names the variable and never shows the value (errors of these models
never echo their input).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.knowledge import default_knowledge_dir

Provider = Literal["openai", "anthropic", "ollama", "gemini", "none"]
IdList = Annotated[frozenset[int], NoDecode]

DEFAULT_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "ollama": "http://localhost:11434",
    "gemini": "https://generativelanguage.googleapis.com",
}


def clean_secret(value: object, variable: str) -> object:
    """`value` without surrounding whitespace; ValueError (naming `variable`, never the value)
    if a control or non-ASCII character remains, since HTTP headers and URLs cannot carry it."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    for position, char in enumerate(stripped, 1):
        if char.isascii() and char.isprintable():
            continue
        name = unicodedata.name(char, "")
        kind = (
            "a control character" if unicodedata.category(char).startswith("C") else "a non-ASCII character"
        )
        what = f"{kind} (U+{ord(char):04X}{' ' + name if name else ''})"
        raise ValueError(
            f"{variable} contains {what} at position {position} of {len(stripped)}, which cannot be "
            "sent over HTTP. Copy the value again without it (the value itself is not shown)."
        )
    return stripped


class BackendSettings(BaseModel):
    """One LLM backend. The single-backend variables (`LLM_*`) fill one of these; `LLM_BACKENDS`
    (a JSON list) may name several, tried in order when one fails before its first token."""

    model_config = ConfigDict(hide_input_in_errors=True)

    name: str = "default"
    provider: Provider = "none"
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    model: str = ""
    supports_images: bool | None = None

    @field_validator("api_key", mode="before")
    @classmethod
    def _clean_key(cls, value: object) -> object:
        return clean_secret(value, "LLM_BACKENDS api_key")

    @model_validator(mode="after")
    def _fill_base_url(self) -> BackendSettings:
        if not self.base_url and self.provider != "none":
            self.base_url = DEFAULT_BASE_URLS[self.provider]
        self.base_url = self.base_url.rstrip("/")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,  # `KNOWLEDGE_DIR=` in .env means "the default", not "the cwd"
        hide_input_in_errors=True,  # a rejected secret must not be echoed in the error
    )

    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_url: str = ""

    llm_provider: Provider = "none"
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""
    llm_backends: list[BackendSettings] = Field(default_factory=list)
    llm_connect_timeout: float = 10.0
    llm_read_timeout: float = 30.0
    llm_total_timeout: float = 180.0
    llm_max_retries: int = 2
    llm_max_tokens: int = 1024
    llm_temperature: float = 0.3
    llm_history_turns: int = 6
    contemplate_enabled: bool = True
    contemplate_agents: int = 3
    contemplate_max_agents: int = 5
    contemplate_agent_timeout: float = 60.0

    knowledge_dir: Path = Field(default_factory=default_knowledge_dir)
    data_dir: Path = Path("./data")
    cache_dir: str = ""  # the terminal commands' engine snapshot; "" = ~/.cache/musebot, "off"
    log_level: str = "INFO"

    health_host: str = "0.0.0.0"
    health_port: int = Field(default=8080, ge=0, le=65535)

    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    allowed_user_ids: IdList = frozenset()
    allowed_chat_ids: IdList = frozenset()
    admin_user_ids: IdList = frozenset()
    knowledge_open_to_all: bool = True
    llm_per_user_per_minute: int = Field(default=5, ge=0)
    llm_per_user_per_day: int = Field(default=100, ge=0)
    llm_per_chat_per_minute: int = Field(default=20, ge=0)
    llm_per_chat_per_day: int = Field(default=500, ge=0)
    max_question_chars: int = Field(default=2000, ge=100)
    remembered_answers: int = Field(default=1024, ge=0)

    @field_validator("allowed_user_ids", "allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return frozenset(int(p) for p in parts if p)
        return value

    @field_validator("telegram_bot_token", "llm_api_key", "webhook_secret", mode="before")
    @classmethod
    def _clean_secrets(cls, value: object, info: ValidationInfo) -> object:
        return clean_secret(value, (info.field_name or "").upper())

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def file_api_base_url(self) -> str:
        """`…/bot` → `…/file/bot`, as python-telegram-bot's `base_file_url` expects."""
        if self.telegram_api_file_url:
            return self.telegram_api_file_url
        base = self.telegram_api_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}"

    def backends(self) -> list[BackendSettings]:
        """The configured backends in fallback order; empty when no LLM is configured."""
        if self.llm_backends:
            return [b for b in self.llm_backends if b.provider != "none"]
        if self.llm_provider == "none":
            return []
        single = BackendSettings(
            provider=self.llm_provider,
            base_url=self.llm_base_url,
            api_key=self.llm_api_key,
            model=self.llm_model,
        )
        return [single]

    def webhook_secret_token(self) -> str:
        """`WEBHOOK_SECRET`, or one derived from the bot token, so a webhook is never left open
        to anyone who learns its URL. Telegram allows A-Z, a-z, 0-9, _ and -, up to 256."""
        if self.webhook_secret.get_secret_value():
            return self.webhook_secret.get_secret_value()
        token = self.telegram_bot_token.get_secret_value().encode()
        return hmac.new(token, b"musebot-webhook", hashlib.sha256).hexdigest()

    def secrets(self) -> list[str]:
        """Every secret value in force, so logging can redact them wherever they appear."""
        values = [
            self.telegram_bot_token.get_secret_value(),
            self.llm_api_key.get_secret_value(),
            self.webhook_secret.get_secret_value(),
        ]
        values += [b.api_key.get_secret_value() for b in self.llm_backends]
        return [v for v in values if v]
