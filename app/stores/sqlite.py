"""The event store in SQLite: the embedded default (WAL, so a `kill -9` loses nothing committed).

Deleting a session leaves nothing of it readable: `secure_delete` zeroes freed content and a
truncating checkpoint empties the write-ahead log, so names and reflections are gone from the
`.db` and `-wal` files alike.
"""

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

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

# Each step takes the schema from one version (PRAGMA user_version) to the next, at start-up.
# A step that rewrites stored events must also empty `snapshots`: a snapshot's fingerprint
# names the code that folded it, not the events it was folded from.
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
    # 3: anonymous answers carry no author id (logs from before kept it)
    """
    UPDATE events SET body = json_set(body, '$.player_id', json('null'))
        WHERE type = 'answer_given' AND json_extract(body, '$.anonymous') = 1;
    """,
    # 4: trainers' libraries, and which session is filed where (one library per session)
    """
    CREATE TABLE IF NOT EXISTS libraries (
        library_id TEXT PRIMARY KEY,
        key_hash   TEXT NOT NULL,
        label      TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS filed (
        session_id TEXT PRIMARY KEY REFERENCES sessions(session_id) ON DELETE CASCADE,
        library_id TEXT NOT NULL REFERENCES libraries(library_id) ON DELETE CASCADE,
        label      TEXT NOT NULL,
        owned      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS filed_by_library ON filed (library_id);
    """,
    # 5: which co-facilitator's link filed a session (its hash: read only while it stands); the table
    # made anew, so that running it again over a newer layout (as a test does) cannot fail
    """
    CREATE TABLE filed_5 (
        session_id TEXT PRIMARY KEY REFERENCES sessions(session_id) ON DELETE CASCADE,
        library_id TEXT NOT NULL REFERENCES libraries(library_id) ON DELETE CASCADE,
        label      TEXT NOT NULL,
        owned      INTEGER NOT NULL DEFAULT 0,
        filed_by   TEXT
    );
    INSERT INTO filed_5 (session_id, library_id, label, owned)
        SELECT session_id, library_id, label, owned FROM filed;
    DROP TABLE filed;
    ALTER TABLE filed_5 RENAME TO filed;
    CREATE INDEX filed_by_library ON filed (library_id);
    """,
    # 6: trainers' decks, every saved version kept
    """
    CREATE TABLE IF NOT EXISTS decks (
        library_id TEXT NOT NULL REFERENCES libraries(library_id) ON DELETE CASCADE,
        deck_id    TEXT NOT NULL,
        version    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        body       TEXT NOT NULL,
        saved_at   INTEGER NOT NULL,
        PRIMARY KEY (library_id, deck_id, version)
    );
    """,
    # 7: a state snapshot per session, so a load folds only the events after it
    """
    CREATE TABLE IF NOT EXISTS snapshots (
        session_id TEXT PRIMARY KEY REFERENCES sessions(session_id) ON DELETE CASCADE,
        version    INTEGER NOT NULL,
        body       BLOB NOT NULL
    );
    """,
)


SAVE_SNAPSHOT = (
    "INSERT INTO snapshots VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE "
    "SET version = excluded.version, body = excluded.body "
    "WHERE excluded.version >= snapshots.version"
)


class SqliteStore:
    """SQLite in WAL mode, called on the event loop's thread. synchronous=NORMAL syncs the log
    only at checkpoints (SQLite's automatic ones, a few milliseconds every 4 MB of log), and the
    appends made in the same turn of the loop share one transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.events_read = 0
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA secure_delete=ON")
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

    async def create(
        self, session_id: str, join_code: str, first: Event, rest: Sequence[Event] = ()
    ) -> None:
        events = [first, *rest]
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute(
                    "INSERT INTO sessions (session_id, join_code, updated_at) VALUES (?, ?, ?)",
                    (session_id, join_code, events[-1].at),
                )
                self._insert(session_id, 1, events)
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
                (events[-1].at, ends_game(events), session_id),
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
        self.events_read += len(rows)
        return [parse_event(body) for (body,) in rows]

    async def save_snapshot(self, session_id: str, version: int, body: bytes) -> None:
        with contextlib.suppress(sqlite3.IntegrityError):  # the session was deleted meanwhile
            self.db.execute(SAVE_SNAPSHOT, (session_id, version, body))

    async def snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        row = self.db.execute(
            "SELECT version, body FROM snapshots WHERE session_id = ?", (session_id,)
        ).fetchone()
        return (row[0], bytes(row[1])) if row else None

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
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cur.rowcount > 0

    async def save_library(self, row: LibraryRow) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO libraries VALUES (?, ?, ?, ?) ON CONFLICT (library_id) DO UPDATE "
                "SET key_hash = excluded.key_hash, label = excluded.label",
                (row.library_id, row.key_hash, row.label, row.created_at),
            )

    async def library(self, library_id: str) -> LibraryRow | None:
        row = self.db.execute(
            "SELECT library_id, key_hash, label, created_at FROM libraries WHERE library_id = ?",
            (library_id,),
        ).fetchone()
        return LibraryRow(*row) if row else None

    async def drop_library(self, library_id: str) -> bool:
        with self.db:
            cur = self.db.execute("DELETE FROM libraries WHERE library_id = ?", (library_id,))
        return cur.rowcount > 0

    async def file_session(
        self,
        session_id: str,
        library_id: str,
        label: str,
        owned: bool = False,
        filed_by: str | None = None,
    ) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO filed (session_id, library_id, label, owned, filed_by) "
                "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sessions WHERE "
                "session_id = ?) AND EXISTS (SELECT 1 FROM libraries WHERE library_id = ?) "
                "ON CONFLICT (session_id) DO UPDATE SET library_id = excluded.library_id, "
                "label = excluded.label, owned = excluded.owned, filed_by = excluded.filed_by",
                (session_id, library_id, label, owned, filed_by, session_id, library_id),
            )

    async def unfile(self, session_id: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM filed WHERE session_id = ?", (session_id,))

    async def filed(self, library_id: str) -> list[FiledSession]:
        rows = self.db.execute(
            "SELECT session_id, label, owned, filed_by FROM filed WHERE library_id = ?",
            (library_id,),
        ).fetchall()
        return [FiledSession(sid, label, bool(owned), by) for sid, label, owned, by in rows]

    async def library_of(self, session_id: str) -> tuple[LibraryRow, FiledSession] | None:
        row = self.db.execute(
            "SELECT l.library_id, l.key_hash, l.label, l.created_at, f.label, f.owned, f.filed_by "
            "FROM filed f JOIN libraries l USING (library_id) WHERE f.session_id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            return None
        return LibraryRow(*row[:4]), FiledSession(session_id, row[4], bool(row[5]), row[6])

    async def save_deck(self, row: DeckRow) -> None:
        try:
            with self.db:
                self.db.execute(
                    "INSERT INTO decks SELECT ?, ?, ?, ?, ?, ? "
                    "WHERE EXISTS (SELECT 1 FROM libraries WHERE library_id = ?)",
                    (row.library_id, row.deck_id, row.version, row.name, row.body, row.saved_at,
                     row.library_id),
                )  # fmt: skip
        except sqlite3.IntegrityError as e:
            raise VersionConflict(f"{row.deck_id} has a version {row.version}") from e

    async def decks(self, library_id: str) -> list[DeckRow]:
        rows = self.db.execute(
            "SELECT library_id, deck_id, version, name, body, saved_at FROM decks "
            "WHERE library_id = ? ORDER BY saved_at, deck_id, version",
            (library_id,),
        ).fetchall()
        return [DeckRow(*r) for r in rows]

    async def close(self) -> None:
        self.db.close()
