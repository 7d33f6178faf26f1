"""The append-only event log: one row per event, unique (session, version).

`EventStore` is the small interface the runtime uses; SQLite is the embedded default (WAL, so a
`kill -9` loses nothing that was committed). A second writer's append with a stale version fails
with `VersionConflict`, which is how several servers can share a session safely.
"""

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from game import Event, parse_event, to_json


class VersionConflict(Exception):
    """Someone else appended first; reload and decide again."""


class CodeTaken(Exception):
    """Another session (maybe on another server) holds this join code; draw another."""


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    join_code: str
    updated_at: int
    ended: bool


def event_rows(
    session_id: str, first_version: int, events: list[Event]
) -> list[tuple[str, int, str, int, str]]:
    """The events as rows (session, version, type, at, body), numbered from `first_version`."""
    return [(session_id, first_version + i, e.type, e.at, to_json(e)) for i, e in enumerate(events)]


class EventStore(Protocol):
    async def open(self) -> None: ...
    async def create(self, session_id: str, join_code: str, first: Event) -> None: ...
    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None: ...
    async def load(self, session_id: str, after: int = 0) -> list[Event]: ...
    async def find_code(self, join_code: str) -> str | None: ...
    async def sessions(self) -> list[SessionRow]: ...
    async def delete(self, session_id: str) -> bool: ...
    async def close(self) -> None: ...


# Each step takes the schema from one version (PRAGMA user_version) to the next, at start-up.
MIGRATIONS = (
    # 1: the first layout
    """
    CREATE TABLE IF NOT EXISTS sessions (
        session_id TEXT PRIMARY KEY,
        join_code  TEXT NOT NULL UNIQUE,
        updated_at INTEGER NOT NULL,
        ended      INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS events (
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        version    INTEGER NOT NULL,
        type       TEXT NOT NULL,
        at         INTEGER NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (session_id, version)
    ) WITHOUT ROWID;
    """,
    # 2: events in order of arrival (a rowid table) with (session, version) unique beside it:
    # an append writes at the end instead of splitting pages all over a clustered key (half the
    # cost per append, measured in bench/load.py's runs)
    """
    CREATE TABLE events_2 (
        id         INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        version    INTEGER NOT NULL,
        type       TEXT NOT NULL,
        at         INTEGER NOT NULL,
        body       TEXT NOT NULL,
        UNIQUE (session_id, version)
    );
    INSERT INTO events_2 (session_id, version, type, at, body)
        SELECT session_id, version, type, at, body FROM events ORDER BY session_id, version;
    DROP TABLE events;
    ALTER TABLE events_2 RENAME TO events;
    """,
)


class SqliteStore:
    """SQLite in WAL mode, called on the event loop's thread. synchronous=NORMAL syncs the log
    only at checkpoints (SQLite's automatic ones, a few milliseconds every 4 MB of log), and the
    appends made in the same turn of the loop share one transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()
        self._pending: list[tuple[str, int, list[Event], asyncio.Future[None]]] = []

    def _migrate(self) -> None:
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self.db.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;"
            )

    async def open(self) -> None:
        """Nothing to do: the file opened in the constructor."""

    async def create(self, session_id: str, join_code: str, first: Event) -> None:
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute(
                    "INSERT INTO sessions (session_id, join_code, updated_at) VALUES (?, ?, ?)",
                    (session_id, join_code, first.at),
                )
                self._insert(session_id, 1, [first])
        except sqlite3.IntegrityError as e:
            raise CodeTaken(join_code) from e

    def _insert(self, session_id: str, first_version: int, events: list[Event]) -> None:
        self.db.executemany(
            "INSERT INTO events (session_id, version, type, at, body) VALUES (?, ?, ?, ?, ?)",
            event_rows(session_id, first_version, events),
        )

    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None:
        """Appends made in the same turn of the event loop share one transaction (group commit):
        each waits for the commit, so nothing is announced before it is stored."""
        if not events:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if not self._pending:
            loop.call_soon(self._commit_pending)
        self._pending.append((session_id, expected_version, events, done))
        await done

    def _commit_pending(self) -> None:
        batch, self._pending = self._pending, []
        outcomes: list[Exception | None] = []
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for session_id, expected, events, _ in batch:
                    outcomes.append(self._append_one(session_id, expected, events))
        except sqlite3.Error as e:  # the commit itself failed: nothing of the batch is stored
            outcomes = [e] * len(batch)
        for (*_, done), outcome in zip(batch, outcomes, strict=True):
            if done.done():
                continue
            if outcome is None:
                done.set_result(None)
            else:
                done.set_exception(outcome)

    def _append_one(self, session_id: str, expected: int, events: list[Event]) -> Exception | None:
        self.db.execute("SAVEPOINT one")  # a conflict undoes this append, not the batch
        try:
            self._insert(session_id, expected + 1, events)
            self.db.execute(
                "UPDATE sessions SET updated_at = ?, ended = MAX(ended, ?) WHERE session_id = ?",
                (events[-1].at, any(e.type == "game_ended" for e in events), session_id),
            )
        except sqlite3.IntegrityError:
            self.db.execute("ROLLBACK TO one")
            return VersionConflict(f"{session_id} is past version {expected}")
        finally:
            self.db.execute("RELEASE one")
        return None

    async def load(self, session_id: str, after: int = 0) -> list[Event]:
        rows = self.db.execute(
            "SELECT body FROM events WHERE session_id = ? AND version > ? ORDER BY version",
            (session_id, after),
        ).fetchall()
        return [parse_event(body) for (body,) in rows]

    async def find_code(self, join_code: str) -> str | None:
        row = self.db.execute(
            "SELECT session_id FROM sessions WHERE join_code = ?", (join_code,)
        ).fetchone()
        return row[0] if row else None

    async def sessions(self) -> list[SessionRow]:
        rows = self.db.execute(
            "SELECT session_id, join_code, updated_at, ended FROM sessions"
        ).fetchall()
        return [SessionRow(sid, code, at, bool(ended)) for sid, code, at, ended in rows]

    async def delete(self, session_id: str) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))
        return cur.rowcount > 0

    async def close(self) -> None:
        self.db.close()


def open_store(url: str) -> EventStore:
    """`sqlite:///path/theater.db` (or a bare path), or `postgresql://user@host:port/db` for
    several servers sharing sessions. Call `await store.open()` before use."""
    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///") or ":memory:")
    if url.startswith(("postgresql://", "postgres://")):
        from app.pg_store import PostgresStore

        return PostgresStore(url)
    if "://" not in url:
        return SqliteStore(url)
    raise ValueError(
        f"Unsupported database URL {url.split('://')[0]}://… (use sqlite:///path or postgresql://…)"
    )
