"""The append-only event log: one row per event, unique (session, version).

`EventStore` is the small interface the runtime uses; SQLite is the embedded default (WAL, so a
`kill -9` loses nothing that was committed). A second writer's append with a stale version fails
with `VersionConflict`, which is how several servers can share a session safely.
"""

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from game import Event, parse_event, to_json


class VersionConflict(Exception):
    """Someone else appended first; reload and decide again."""


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    join_code: str
    updated_at: int
    ended: bool


class EventStore(Protocol):
    async def create(self, session_id: str, join_code: str, first: Event) -> None: ...
    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None: ...
    async def load(self, session_id: str) -> list[Event]: ...
    async def find_code(self, join_code: str) -> str | None: ...
    async def sessions(self) -> list[SessionRow]: ...
    async def delete(self, session_id: str) -> bool: ...
    async def close(self) -> None: ...


SCHEMA = """
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
"""


class SqliteStore:
    """SQLite in WAL mode. Calls are short and made on the event loop's thread: one append is a
    single small transaction (tens of microseconds with synchronous=NORMAL, which syncs the log
    only at checkpoints). Checkpoints copy the log into the database and sync it, which takes the
    disk's time (100 ms and more), so they run on a thread of their own, never on the loop."""

    CHECKPOINT_EVERY_S = 1.0

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if self.path != ":memory:":
            self.db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = threading.Thread(
                target=self._checkpoint_forever, name="sqlite-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_forever(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            while not self._stop.wait(self.CHECKPOINT_EVERY_S):
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()

    async def create(self, session_id: str, join_code: str, first: Event) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO sessions (session_id, join_code, updated_at) VALUES (?, ?, ?)",
                (session_id, join_code, first.at),
            )
            self._insert(session_id, 1, [first])

    def _insert(self, session_id: str, first_version: int, events: list[Event]) -> None:
        self.db.executemany(
            "INSERT INTO events (session_id, version, type, at, body) VALUES (?, ?, ?, ?, ?)",
            [
                (session_id, first_version + i, e.type, e.at, to_json(e))
                for i, e in enumerate(events)
            ],
        )

    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None:
        if not events:
            return
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self._insert(session_id, expected_version + 1, events)
                self.db.execute(
                    "UPDATE sessions SET updated_at = ?, ended = MAX(ended, ?) WHERE session_id = ?",
                    (events[-1].at, any(e.type == "game_ended" for e in events), session_id),
                )
        except sqlite3.IntegrityError as e:
            raise VersionConflict(f"{session_id} is past version {expected_version}") from e

    async def load(self, session_id: str) -> list[Event]:
        rows = self.db.execute(
            "SELECT body FROM events WHERE session_id = ? ORDER BY version", (session_id,)
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
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        self.db.close()


def open_store(url: str) -> EventStore:
    """`sqlite:///path/theater.db` (or a bare path); other engines arrive with scaling out."""
    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///") or ":memory:")
    if "://" not in url:
        return SqliteStore(url)
    raise ValueError(f"Unsupported database URL {url.split('://')[0]}://… (use sqlite:///path)")
