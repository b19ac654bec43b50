"""What the bot keeps and decides about people: the SQLite store, the access policy, the quotas."""
