"""Which store a configuration asks for: memory, or an SQLite database file.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .config import Config
from .store import MemoryStore, MessageStore


def open_store(config: Config) -> MessageStore:
    """The configured store; ``DatabaseError`` when the database file cannot be used."""
    if config.db:
        from .store.sqlite_query import SqliteStore

        return SqliteStore(
            config.db,
            sync=config.db_sync,
            max_messages=config.max_messages,
            max_age=config.max_age,
        )
    return MemoryStore(max_messages=config.max_messages, max_age=config.max_age)
