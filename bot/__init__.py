"""Muse Bot: a Telegram bot that answers questions about Meta's Muse Spark."""

__version__ = "0.1.0"
