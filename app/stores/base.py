"""The event store port: an append-only log per session, unique (session, version).

A second writer's append with a stale version fails with `VersionConflict`: that is how several
servers share a session safely. Every adapter (SQLite, PostgreSQL, memory) passes the same
contract tests (`tests/app/test_store_contract.py`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from game import Event, to_json


class VersionConflict(Exception):
    """Someone else appended first; reload and decide again."""


class CodeTaken(Exception):
    """Another session (maybe on another server) holds this join code; draw another."""


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    join_code: str
    updated_at: int  # the time of the session's last event (retention counts from here)
    ended: bool


@dataclass(frozen=True)
class LibraryRow:
    """A trainer's library: sessions filed under one private key (stored only as its hash)."""

    library_id: str
    key_hash: str
    label: str
    created_at: int


@dataclass(frozen=True)
class FiledSession:
    session_id: str
    label: str  # the group or organisation, as the trainer filed it
    owned: bool = False  # made in the library or filed by its first facilitator: it may delete it
    # the hash of the co-facilitator's link that filed it (None: the library, the first
    # facilitator or the trainer link): it is read only while that link stands
    filed_by: str | None = None


@dataclass(frozen=True)
class DeckRow:
    """One saved version of a trainer's deck in a library: a `cards.document.DeckDocument` as
    JSON. Versions are never changed: a save is the next version."""

    library_id: str
    deck_id: str
    version: int
    name: str
    body: str
    saved_at: int


class EventStore(Protocol):
    events_read: int  # by `load` since start: what holding tables costs the store (/healthz)

    async def open(self) -> None: ...
    async def create(
        self, session_id: str, join_code: str, first: Event, rest: Sequence[Event] = ()
    ) -> None:
        """A new session with its first events, all or nothing (`CodeTaken` if code or id is)."""
        ...

    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None: ...
    async def load(self, session_id: str, after: int = 0) -> list[Event]: ...
    async def save_snapshot(self, session_id: str, version: int, body: bytes) -> None:
        """Keep `body` (`app.stores.snapshot`) as the session's state at `version`, unless one of
        a later version is kept (one of the same version is replaced: it may be of other code);
        nothing if the session is gone."""
        ...

    async def snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        """The latest snapshot kept: its version and body."""
        ...

    async def find_code(self, join_code: str) -> str | None: ...
    async def sessions(self) -> list[SessionRow]: ...
    async def delete(self, session_id: str) -> bool:
        """Remove the session and its whole log, leaving nothing of it readable on disk."""
        ...

    # Libraries: a session is filed in at most one; deleting either leaves the other.
    async def save_library(self, row: LibraryRow) -> None:
        """Create the library, or give it a new key or label."""
        ...

    async def library(self, library_id: str) -> LibraryRow | None: ...
    async def drop_library(self, library_id: str) -> bool: ...
    async def file_session(
        self,
        session_id: str,
        library_id: str,
        label: str,
        owned: bool = False,
        filed_by: str | None = None,
    ) -> None:
        """File an existing session in a library (moving it from any other), with a label."""
        ...

    async def unfile(self, session_id: str) -> None: ...
    async def filed(self, library_id: str) -> list[FiledSession]: ...
    async def library_of(self, session_id: str) -> tuple[LibraryRow, FiledSession] | None:
        """The library a session is filed in, and how."""
        ...

    async def save_deck(self, row: DeckRow) -> None:
        """Store a new version (`VersionConflict` if that version exists: two saves raced)."""
        ...

    async def decks(self, library_id: str) -> list[DeckRow]:
        """Every version of every deck of the library, oldest first."""
        ...

    async def close(self) -> None: ...


def event_rows(
    session_id: str, first_version: int, events: list[Event]
) -> list[tuple[str, int, str, int, str]]:
    """The events as rows (session, version, type, at, body), numbered from `first_version`."""
    return [(session_id, first_version + i, e.type, e.at, to_json(e)) for i, e in enumerate(events)]


def ends_game(events: list[Event]) -> bool:
    return any(e.type == "game_ended" for e in events)
