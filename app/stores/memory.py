"""The event store in a dict: the in-process tests' twin of SQLite and PostgreSQL (same contract)."""

from collections.abc import Sequence

from app.stores.base import (
    CodeTaken,
    DeckRow,
    FiledSession,
    LibraryRow,
    SessionRow,
    VersionConflict,
    ends_game,
)
from game import Event


class MemoryStore:
    def __init__(self) -> None:
        self.events_read = 0
        self.logs: dict[str, list[Event]] = {}
        self.rows: dict[str, SessionRow] = {}
        self.libraries: dict[str, LibraryRow] = {}
        self.deck_rows: dict[tuple[str, str, int], DeckRow] = {}
        self.filing: dict[str, tuple[str, FiledSession]] = {}  # session -> (library, filing)
        self.snapshots: dict[str, tuple[int, bytes]] = {}

    async def open(self) -> None:
        """Nothing to open."""

    async def create(
        self, session_id: str, join_code: str, first: Event, rest: Sequence[Event] = ()
    ) -> None:
        if session_id in self.rows or any(r.join_code == join_code for r in self.rows.values()):
            raise CodeTaken(join_code)
        self.logs[session_id] = [first, *rest]
        self.rows[session_id] = SessionRow(
            session_id, join_code, self.logs[session_id][-1].at, False
        )

    async def append(self, session_id: str, expected_version: int, events: list[Event]) -> None:
        if not events:
            return
        log = self.logs.get(session_id)
        if log is None or len(log) != expected_version:
            raise VersionConflict(f"{session_id} is not at version {expected_version}")
        log.extend(events)
        row = self.rows[session_id]
        self.rows[session_id] = SessionRow(
            session_id, row.join_code, events[-1].at, row.ended or ends_game(events)
        )

    async def load(self, session_id: str, after: int = 0) -> list[Event]:
        events = list(self.logs.get(session_id, [])[after:])
        self.events_read += len(events)
        return events

    async def save_snapshot(self, session_id: str, version: int, body: bytes) -> None:
        kept = self.snapshots.get(session_id)
        if session_id in self.rows and (kept is None or kept[0] <= version):
            self.snapshots[session_id] = (version, body)

    async def snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        return self.snapshots.get(session_id)

    async def find_code(self, join_code: str) -> str | None:
        return next((r.session_id for r in self.rows.values() if r.join_code == join_code), None)

    async def sessions(self) -> list[SessionRow]:
        return list(self.rows.values())

    async def delete(self, session_id: str) -> bool:
        self.logs.pop(session_id, None)
        self.snapshots.pop(session_id, None)
        self.filing.pop(session_id, None)
        return self.rows.pop(session_id, None) is not None

    async def save_library(self, row: LibraryRow) -> None:
        self.libraries[row.library_id] = row

    async def library(self, library_id: str) -> LibraryRow | None:
        return self.libraries.get(library_id)

    async def drop_library(self, library_id: str) -> bool:
        self.filing = {s: f for s, f in self.filing.items() if f[0] != library_id}
        self.deck_rows = {k: r for k, r in self.deck_rows.items() if k[0] != library_id}
        return self.libraries.pop(library_id, None) is not None

    async def file_session(
        self,
        session_id: str,
        library_id: str,
        label: str,
        owned: bool = False,
        filed_by: str | None = None,
    ) -> None:
        if session_id in self.rows and library_id in self.libraries:
            filing = FiledSession(session_id, label, owned, filed_by)
            self.filing[session_id] = (library_id, filing)

    async def unfile(self, session_id: str) -> None:
        self.filing.pop(session_id, None)

    async def filed(self, library_id: str) -> list[FiledSession]:
        return [f for lib, f in self.filing.values() if lib == library_id]

    async def library_of(self, session_id: str) -> tuple[LibraryRow, FiledSession] | None:
        found = self.filing.get(session_id)
        return (self.libraries[found[0]], found[1]) if found else None

    async def save_deck(self, row: DeckRow) -> None:
        key = (row.library_id, row.deck_id, row.version)
        if key in self.deck_rows:
            raise VersionConflict(f"{row.deck_id} has a version {row.version}")
        if row.library_id in self.libraries:
            self.deck_rows[key] = row

    async def decks(self, library_id: str) -> list[DeckRow]:
        return [r for k, r in self.deck_rows.items() if k[0] == library_id]

    async def close(self) -> None:
        """Nothing to close; the dict goes with the object."""
