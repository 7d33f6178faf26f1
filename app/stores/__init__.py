"""Event stores: SQLite (embedded default), PostgreSQL (several servers), memory (tests)."""

from app.stores.base import (
    CodeTaken,
    DeckRow,
    EventStore,
    FiledSession,
    LibraryRow,
    SessionRow,
    VersionConflict,
)
from app.stores.memory import MemoryStore
from app.stores.sqlite import SqliteStore


def open_store(url: str) -> EventStore:
    """`sqlite:///path/theater.db` (or a bare path), `postgresql://user@host:port/db` for several
    servers sharing sessions, or `memory://` (nothing kept). Call `await store.open()` first."""
    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///") or ":memory:")
    if url.startswith(("postgresql://", "postgres://")):
        from app.stores.postgres import PostgresStore  # asyncpg only when asked for

        return PostgresStore(url)
    if url == "memory://":
        return MemoryStore()
    if "://" not in url:
        return SqliteStore(url)
    raise ValueError(
        f"Unsupported database URL {url.split('://')[0]}://… (use sqlite:///path or postgresql://…)"
    )


__all__ = [
    "CodeTaken",
    "DeckRow",
    "EventStore",
    "FiledSession",
    "LibraryRow",
    "MemoryStore",
    "SessionRow",
    "SqliteStore",
    "VersionConflict",
    "open_store",
]
