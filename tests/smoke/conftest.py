"""The smoke check reuses the fake Bot API fixture of the Telegram tests."""

from tests.channels.telegram.conftest import bot_api  # noqa: F401
