"""Keeping the books in step with the accounting package: the engine, its outbox and journal. No Qt."""
