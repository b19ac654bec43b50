"""Running the bot: settings, logging with secrets redacted, health and metrics."""
