"""A trainer's decks, kept in their library: made from the standard deck or from a deck file,
edited and saved as versions (a saved version never changes), downloaded as a file, and played:
a session records the deck and version it was created with and keeps that version's texts in its
first event, so its replay and exports never change with a later edit."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

from app.clock import Clock
from app.errors import AppError
from app.stores import DeckRow, EventStore, LibraryRow, VersionConflict
from cards import available_decks, load_decks
from cards.checks import Problem, problems
from cards.document import DeckDocument, DocumentError, from_decks, read_document, to_decks
from game import Deck

MAX_DECKS = 50  # per library, every version counted once per deck


@dataclass(frozen=True)
class DeckVersion:
    row: DeckRow
    document: DeckDocument


class DeckProblems(AppError):
    """A deck the game cannot play: nothing was saved; `problems` names card, language, field."""

    def __init__(self, found: list[Problem]) -> None:
        first = found[0]
        where = f"{first.card} · {first.field}" + (f" · {first.language}" if first.language else "")
        super().__init__("invalid_args", f"This deck cannot be played: {first.code} ({where}).")
        self.reason = "deck_problems"
        self.params = {"problems": [asdict(p) for p in found]}


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    return slug or "deck"


class Decks:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        door: Callable[[str, str | None], Awaitable[LibraryRow]],
    ) -> None:
        self.store, self.clock, self.door = store, clock, door

    async def rows(self, library_id: str, key: str | None) -> list[DeckRow]:
        """Every version of every deck in the library, oldest first (their bodies unread)."""
        await self.door(library_id, key)
        return await self.store.decks(library_id)

    async def version(
        self, library_id: str, key: str | None, deck_id: str, version: int | None = None
    ) -> DeckVersion:
        """One version (the latest when `version` is None)."""
        found = [
            r
            for r in await self.rows(library_id, key)
            if r.deck_id == deck_id and version in (None, r.version)
        ]
        if not found:
            raise AppError(
                "not_found", "This library has no such deck (or version).", "no_such_deck"
            )
        row = max(found, key=lambda r: r.version)
        return DeckVersion(row, DeckDocument.model_validate_json(row.body))

    async def create(self, library_id: str, key: str | None, name: str) -> DeckVersion:
        """A new deck: a copy of the standard deck under the trainer's name, version 1."""
        rows = await self.rows(library_id, key)
        doc = from_decks("deck", name.strip() or "Deck", load_decks("standaard"))
        return await self._first(library_id, rows, doc)

    async def upload(self, library_id: str, key: str | None, text: str) -> DeckVersion:
        """A deck file (downloaded from any library): a new version of the deck with its id in
        this library, or the first of a new one."""
        rows = await self.rows(library_id, key)  # a stranger learns nothing, not even of the file
        try:
            doc = read_document(text)
        except DocumentError as e:
            raise AppError("invalid_args", f"This file is not a deck: {e}", "not_a_deck") from None
        held = [r.version for r in rows if r.deck_id == doc.id]
        if not held:
            return await self._first(library_id, rows, doc)
        self._check(doc)
        return await self._store(library_id, doc, max(held) + 1)

    async def save(
        self, library_id: str, key: str | None, deck_id: str, doc: DeckDocument, base: int
    ) -> DeckVersion:
        """The edited deck as the next version after `base` (refused if someone saved since)."""
        latest = await self.version(library_id, key, deck_id)
        doc = doc.model_copy(update={"id": deck_id})
        self._check(doc)
        if base != latest.row.version:
            raise AppError(
                "invalid_args",
                f"Version {latest.row.version} was saved meanwhile; open it and edit again.",
                "deck_changed",
            )
        return await self._store(library_id, doc, base + 1)

    async def played(
        self, library_id: str, key: str | None, deck_id: str, version: int | None
    ) -> tuple[int, dict[str, Deck]]:
        """A version's cards for a new session: (version, one deck per language)."""
        chosen = await self.version(library_id, key, deck_id, version)
        return chosen.row.version, to_decks(chosen.document)

    def _check(self, doc: DeckDocument) -> None:
        found = problems(doc)
        if found:
            raise DeckProblems(found)

    async def _first(self, library_id: str, rows: list[DeckRow], doc: DeckDocument) -> DeckVersion:
        """Version 1 of a new deck, under its own id if free here, else the next free one."""
        held = {r.deck_id for r in rows}
        if len(held) >= MAX_DECKS:
            raise AppError("rate_limited", f"A library holds at most {MAX_DECKS} decks.")
        base = doc.id if doc.id != "deck" else _slug(doc.name)
        taken = held | set(available_decks())
        deck_id = next(c for c in (base, *(f"{base}-{n}" for n in range(2, 999))) if c not in taken)
        doc = doc.model_copy(update={"id": deck_id})
        self._check(doc)
        return await self._store(library_id, doc, 1)

    async def _store(self, library_id: str, doc: DeckDocument, version: int) -> DeckVersion:
        row = DeckRow(
            library_id, doc.id, version, doc.name, doc.model_dump_json(), self.clock.now()
        )
        try:
            await self.store.save_deck(row)
        except VersionConflict:
            raise AppError(
                "invalid_args", "Someone saved this deck at the same moment; open it again.",
                "deck_changed",
            ) from None  # fmt: skip
        return DeckVersion(row, doc)
