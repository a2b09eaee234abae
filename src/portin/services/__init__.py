"""Use cases: each takes a session inside the caller's transaction, changes state through
storage, and records the event(s) for the change in that same transaction. No commits here."""
