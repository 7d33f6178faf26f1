"""The event store in PostgreSQL, for several servers sharing sessions (same contract as SQLite).

`UNIQUE (session_id, version)` is what makes sharing safe: of two servers appending at the same
version, exactly one succeeds; the other gets `VersionConflict`, reloads and decides again. The
schema migrates itself at start-up, under an advisory lock so servers starting together take
turns.

A deleted session's rows are gone for every query at once, but PostgreSQL keeps dead row versions
in its data files until (auto)vacuum reuses the space, and in its write-ahead log until the
segment is recycled; an operator who must be sure runs `VACUUM events, snapshots` (see the README).
"""

import contextlib
from collections.abc import Sequence

import asyncpg

from app.stores.base import (
    CodeTaken,
    DeckRow,
    FiledSession,
    LibraryRow,
    SessionRow,
    VersionConflict,
    ends_game,
    event_rows,
)
from game import Event, parse_event

# A step that rewrites stored events must also empty `snapshots`: a snapshot's fingerprint
# names the code that folded it, not the events it was folded from.
MIGRATIONS = (
    """
    CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        join_code  TEXT NOT NULL UNIQUE,
        updated_at BIGINT NOT NULL,
        ended      BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE events (
        id         BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        version    INTEGER NOT NULL,
        type       TEXT NOT NULL,
        at         BIGINT NOT NULL,
        body       TEXT NOT NULL,
        UNIQUE (session_id, version)
    );
    """,
    # 2: anonymous answers carry no author id (logs from before kept it)
    """
    UPDATE events SET body = jsonb_set(body::jsonb, '{player_id}', 'null')::text
        WHERE type = 'answer_given' AND (body::jsonb ->> 'anonymous')::boolean;
    """,
    # 3: trainers' libraries, and which session is filed where (one library per session)
    """
    CREATE TABLE libraries (
        library_id TEXT PRIMARY KEY,
        key_hash   TEXT NOT NULL,
        label      TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE filed (
        session_id TEXT PRIMARY KEY REFERENCES sessions(session_id) ON DELETE CASCADE,
        library_id TEXT NOT NULL REFERENCES libraries(library_id) ON DELETE CASCADE,
        label      TEXT NOT NULL,
        owned      BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX filed_by_library ON filed (library_id);
    """,
    # 4: which co-facilitator's link filed a session (its hash: read only while it stands)
    """
    ALTER TABLE filed ADD COLUMN filed_by TEXT;
    """,
    # 5: trainers' decks, every saved version kept
    """
    CREATE TABLE decks (
        library_id TEXT NOT NULL REFERENCES libraries(library_id) ON DELETE CASCADE,
        deck_id    TEXT NOT NULL,
        version    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        body       TEXT NOT NULL,
        saved_at   BIGINT NOT NULL,
        PRIMARY KEY (library_id, deck_id, version)
    );
    """,
    # 6: a state snapshot per session, so a load folds only the events after it
    """
    CREATE TABLE snapshots (
        session_id TEXT PRIMARY KEY REFERENCES sessions(session_id) ON DELETE CASCADE,
        version    INTEGER NOT NULL,
        body       BYTEA NOT NULL
    );
    """,
)
MIGRATION_LOCK = 0x7468656174  # any constant the servers agree on
INSERT_EVENT = (
    "INSERT INTO events (session_id, version, type, at, body) VALUES ($1, $2, $3, $4, $5)"
)


class PostgresStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self.events_read = 0

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("PostgresStore.open() was not awaited")
        return self._pool

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=10)
        async with self.pool.acquire() as db, db.transaction():
            await db.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            version = await db.fetchval("SELECT max(version) FROM schema_version") or 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await db.execute(script)
                await db.execute("INSERT INTO schema_version VALUES ($1)", number)

    async def create(
        self, session_id: str, join_code: str, first: Event, rest: Sequence[Event] = ()
    ) -> None:
        events = [first, *rest]
        try:
            async with self.pool.acquire() as db, db.transaction():
                await db.execute(
                    "INSERT INTO sessions (session_id, join_code, updated_at) VALUES ($1, $2, $3)",
                    session_id,
                    join_code,
                    events[-1].at,
                )
                await db.executemany(INSERT_EVENT, event_rows(session_id, 1, events))
        except asyncpg.UniqueViolationError as e:
            raise CodeTaken(join_code) from e

    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None:
        if not events:
            return
        try:
            async with self.pool.acquire() as db, db.transaction():
                await db.executemany(
                    INSERT_EVENT, event_rows(session_id, expected_version + 1, events)
                )
                await db.execute(
                    "UPDATE sessions SET updated_at = $1, ended = ended OR $2 "
                    "WHERE session_id = $3",
                    events[-1].at,
                    ends_game(events),
                    session_id,
                )
        except asyncpg.UniqueViolationError as e:
            raise VersionConflict(f"{session_id} is past version {expected_version}") from e

    async def load(self, session_id: str, after: int = 0) -> list[Event]:
        rows = await self.pool.fetch(
            "SELECT body FROM events WHERE session_id = $1 AND version > $2 ORDER BY version",
            session_id,
            after,
        )
        self.events_read += len(rows)
        return [parse_event(row["body"]) for row in rows]

    async def save_snapshot(self, session_id: str, version: int, body: bytes) -> None:
        with contextlib.suppress(asyncpg.ForeignKeyViolationError):  # the session was deleted
            await self.pool.execute(
                "INSERT INTO snapshots VALUES ($1, $2, $3) ON CONFLICT (session_id) DO UPDATE "
                "SET version = excluded.version, body = excluded.body "
                "WHERE excluded.version >= snapshots.version",
                session_id,
                version,
                body,
            )

    async def snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        row = await self.pool.fetchrow(
            "SELECT version, body FROM snapshots WHERE session_id = $1", session_id
        )
        return (row[0], bytes(row[1])) if row else None

    async def find_code(self, join_code: str) -> str | None:
        found: str | None = await self.pool.fetchval(
            "SELECT session_id FROM sessions WHERE join_code = $1", join_code
        )
        return found

    async def sessions(self) -> list[SessionRow]:
        rows = await self.pool.fetch(
            "SELECT session_id, join_code, updated_at, ended FROM sessions"
        )
        return [SessionRow(r[0], r[1], r[2], r[3]) for r in rows]

    async def delete(self, session_id: str) -> bool:
        result: str = await self.pool.execute(
            "DELETE FROM sessions WHERE session_id = $1", session_id
        )
        return result != "DELETE 0"

    async def save_library(self, row: LibraryRow) -> None:
        await self.pool.execute(
            "INSERT INTO libraries VALUES ($1, $2, $3, $4) ON CONFLICT (library_id) DO UPDATE "
            "SET key_hash = excluded.key_hash, label = excluded.label",
            row.library_id,
            row.key_hash,
            row.label,
            row.created_at,
        )

    async def library(self, library_id: str) -> LibraryRow | None:
        row = await self.pool.fetchrow(
            "SELECT library_id, key_hash, label, created_at FROM libraries WHERE library_id = $1",
            library_id,
        )
        return LibraryRow(*row) if row else None

    async def drop_library(self, library_id: str) -> bool:
        result: str = await self.pool.execute(
            "DELETE FROM libraries WHERE library_id = $1", library_id
        )
        return result != "DELETE 0"

    async def file_session(
        self,
        session_id: str,
        library_id: str,
        label: str,
        owned: bool = False,
        filed_by: str | None = None,
    ) -> None:
        await self.pool.execute(
            "INSERT INTO filed (session_id, library_id, label, owned, filed_by) "
            "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM sessions WHERE "
            "session_id = $1) AND EXISTS (SELECT 1 FROM libraries WHERE library_id = $2) "
            "ON CONFLICT (session_id) DO UPDATE SET library_id = excluded.library_id, "
            "label = excluded.label, owned = excluded.owned, filed_by = excluded.filed_by",
            session_id,
            library_id,
            label,
            owned,
            filed_by,
        )

    async def unfile(self, session_id: str) -> None:
        await self.pool.execute("DELETE FROM filed WHERE session_id = $1", session_id)

    async def filed(self, library_id: str) -> list[FiledSession]:
        rows = await self.pool.fetch(
            "SELECT session_id, label, owned, filed_by FROM filed WHERE library_id = $1",
            library_id,
        )
        return [FiledSession(*row) for row in rows]

    async def library_of(self, session_id: str) -> tuple[LibraryRow, FiledSession] | None:
        row = await self.pool.fetchrow(
            "SELECT l.library_id, l.key_hash, l.label, l.created_at, f.label, f.owned, f.filed_by "
            "FROM filed f JOIN libraries l USING (library_id) WHERE f.session_id = $1",
            session_id,
        )
        if row is None:
            return None
        return LibraryRow(*row[:4]), FiledSession(session_id, row[4], row[5], row[6])

    async def save_deck(self, row: DeckRow) -> None:
        try:
            await self.pool.execute(
                "INSERT INTO decks SELECT $1, $2, $3, $4, $5, $6 "
                "WHERE EXISTS (SELECT 1 FROM libraries WHERE library_id = $1)",
                row.library_id, row.deck_id, row.version, row.name, row.body, row.saved_at,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as e:
            raise VersionConflict(f"{row.deck_id} has a version {row.version}") from e

    async def decks(self, library_id: str) -> list[DeckRow]:
        rows = await self.pool.fetch(
            "SELECT library_id, deck_id, version, name, body, saved_at FROM decks "
            "WHERE library_id = $1 ORDER BY saved_at, deck_id, version",
            library_id,
        )
        return [DeckRow(*r) for r in rows]

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
