"""How people reach the bot. A channel parses what arrives, calls `Conversation.turn()` (or
`commands.run()`), and shows the `Reply`; it never re-implements any part of a turn."""
