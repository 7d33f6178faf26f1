"""A trainer's library: sessions filed under one private key, listed, opened, deleted, and read
together as insights. The key is a token like the others (kept only as a hash), rotated or
revoked by whoever holds it. It opens the sessions filed in its own library as their trainer
link would, and nothing else: no other library, no player's seat, no screen.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from app.clock import Clock
from app.config import Config
from app.errors import AppError
from app.reading.charts import chart, summary
from app.reading.decks import Decks
from app.reading.insights import Figure, Language, insights, versions_figure
from app.results import Created
from app.stores import EventStore, FiledSession, LibraryRow
from app.tokens import hash_token, matches, new_session_id, new_token
from app.wire.protocol import LibraryEntry
from cards import available_decks
from game import Actor, Deck, Role, Settings, State, fold
from game.commands import FIRST_FACILITATOR


class Held(Protocol):
    """A live table, as far as a library looks at it."""

    @property
    def state(self) -> State: ...


class Door(Protocol):
    """Who a link stands for at a table (refused unless one of `roles`)."""

    async def staff_actor(
        self, session_id: str, token: str | None, *roles: Role
    ) -> tuple[Held, Actor]: ...


class Desk(Protocol):
    """What a library asks of the sessions' side (the service is one)."""

    store: EventStore
    clock: Clock
    config: Config
    decks: Decks

    async def count_creation(self, client: str) -> None: ...
    async def create(
        self, settings: Settings, client: str, decks: dict[str, Deck] | None = None
    ) -> Created: ...
    async def get(self, session_id: str) -> Held | None: ...
    async def erase(self, session_id: str) -> None: ...


DAY_MS = 24 * 3600 * 1000
Status = Literal["lobby", "playing", "ended"]
Kind = Literal["session", "workshop", "table"]


@dataclass(frozen=True)
class NewKey:
    library_id: str
    label: str
    key: str


@dataclass(frozen=True)
class Chart:
    figure: Figure
    summary: str
    svg: str


def charts(states: list[State], language: Language, versions: bool = False) -> list[Chart]:
    """The charts over `states`; with `versions`, one deck's versions side by side first."""
    figs = insights(states, language)
    if versions:
        figs = [versions_figure(states, language), *figs]
    return [Chart(fig, summary(fig, language), chart(fig, language)) for fig in figs]


def still_filed(filed: FiledSession, state: State) -> bool:
    """A filing by a co-facilitator's link holds only while that link does."""
    return filed.filed_by is None or any(
        f.token_hash == filed.filed_by for f in state.facilitators.values()
    )


def _day(text: str | None, end: bool = False) -> int | None:
    """A date (YYYY-MM-DD, UTC) as milliseconds: its first moment, or the first of the next day."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise AppError("invalid_args", f"{text[:20]!r} is not a date (YYYY-MM-DD).") from None
    try:
        moment = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(days=1 if end else 0)
    except OverflowError:  # "until 9999-12-31": its next day has no date
        raise AppError("invalid_args", f"{text} is past the last date a filter can name.") from None
    return int(moment.timestamp() * 1000)


class Libraries:
    def __init__(self, service: Desk, door: Door) -> None:
        self.service, self.door = service, door
        self.store = service.store

    async def create(self, label: str, client: str) -> NewKey:
        await self.service.count_creation(client)
        key, library_id = new_token(), new_session_id()
        await self.store.save_library(
            LibraryRow(library_id, hash_token(key), label, self.service.clock.now())
        )
        return NewKey(library_id, label, key)

    async def open(self, library_id: str, key: str | None) -> LibraryRow:
        """The library if `key` is its key now; one answer for a wrong key and a wrong id."""
        row = await self.store.library(library_id) if len(library_id) <= 64 else None
        if row is None or not key or not matches(key, row.key_hash):
            raise AppError("forbidden", "This needs the key link of this library.", "library_key")
        return row

    async def rotate(self, library_id: str, key: str | None) -> NewKey:
        """A new key; the old one stops working at once (on every server: it is in the store)."""
        row = await self.open(library_id, key)
        new = new_token()
        await self.store.save_library(
            LibraryRow(row.library_id, hash_token(new), row.label, row.created_at)
        )
        return NewKey(row.library_id, row.label, new)

    async def revoke(self, library_id: str, key: str | None) -> None:
        """The key stops working and the library is gone; its sessions stay, each reachable by
        its own links until the retention sweep."""
        await self.open(library_id, key)
        await self.store.drop_library(library_id)

    async def create_session(
        self, library_id: str, key: str | None, settings: Settings, label: str, client: str
    ) -> Created:
        """A session filed here at once, with a repository deck or one of the library's own
        (`settings.deck`; `deck_version` null: its latest version, recorded in the session)."""
        await self.open(library_id, key)
        decks = None
        if settings.deck not in available_decks():
            version, decks = await self.service.decks.played(
                library_id, key, settings.deck, settings.deck_version
            )
            settings = settings.model_copy(update={"deck_version": version})
        created = await self.service.create(settings, client, decks)
        await self.store.file_session(created.session_id, library_id, label, owned=True)
        return created

    async def add(
        self, library_id: str, key: str | None, session_id: str, token: str, label: str
    ) -> None:
        """File an existing session by its trainer or facilitator token; a workshop brings its
        tables. Only its first facilitator's token makes it the library's own (to delete) or
        moves it out of another library."""
        await self.open(library_id, key)
        table, actor = await self.door.staff_actor(session_id, token, "facilitator", "trainer")
        owner = actor.role == "facilitator" and actor.facilitator_id in (None, FIRST_FACILITATOR)
        filed = await self.store.library_of(session_id)
        if filed is not None and filed[0].library_id != library_id and not owner:
            raise AppError(
                "forbidden",
                "This session is in another library; its first facilitator's link can move it.",
                "filed_elsewhere",
            )
        owned = owner or (
            filed is not None and filed[0].library_id == library_id and filed[1].owned
        )
        # a co-facilitator's filing names their link (its hash, the same at a workshop and each
        # of its tables) and is read only while that link stands
        co = table.state.facilitators.get(actor.facilitator_id or "") if not owned else None
        for sid in (session_id, *(spec.session_id for spec in table.state.tables)):
            await self.store.file_session(
                sid, library_id, label, owned, co.token_hash if co else None
            )

    async def remove(self, library_id: str, key: str | None, session_id: str) -> None:
        """Delete a session the library owns, with its whole log (a workshop with its tables);
        one it only holds leaves the library and stays."""
        await self.open(library_id, key)
        filed = await self.store.library_of(session_id)
        if filed is None or filed[0].library_id != library_id:
            raise AppError("not_found", "This library holds no such session.")
        table = await self.service.get(session_id)
        sessions = [spec.session_id for spec in table.state.tables] if table else []
        for sid in (*sessions, session_id):
            if filed[1].owned:
                await self.service.erase(sid)
            else:
                await self.store.unfile(sid)

    async def _states(self, library_id: str) -> list[tuple[FiledSession, State, int]]:
        """Every filed session as its log folds now: (filing, state, time of its last event)."""
        out = []
        for filed in await self.store.filed(library_id):
            events = await self.store.load(filed.session_id)
            state = fold(events) if events else None
            if state is not None and still_filed(filed, state):
                out.append((filed, state, events[-1].at))
        return out

    async def deck_use(self, library_id: str) -> dict[tuple[str, int], list[str]]:
        """Which of the library's sessions were created with which deck version."""
        used: dict[tuple[str, int], list[str]] = {}
        for filed, state, _ in await self._states(library_id):
            version = state.settings.deck_version
            if version is not None and state.parent is None:
                used.setdefault((state.settings.deck, version), []).append(filed.session_id)
        return used

    async def listing(
        self, library_id: str, key: str | None
    ) -> tuple[LibraryRow, list[LibraryEntry]]:
        row = await self.open(library_id, key)
        keep_ms = int(self.service.config.retention_days * DAY_MS)
        entries = []
        for filed, s, updated in await self._states(library_id):
            kind: Kind = "workshop" if s.is_workshop else "table" if s.parent else "session"
            status: Status = (
                "ended" if s.phase == "ended" else "lobby" if s.phase == "lobby" else "playing"
            )
            entries.append(
                LibraryEntry(
                    session_id=s.session_id,
                    kind=kind,
                    label=filed.label,
                    owned=filed.owned,
                    created_at=s.created_at,
                    updated_at=updated,
                    retention_until=updated + keep_ms,
                    players=len(s.players) + len(s.departed),
                    tables=len(s.tables) if s.is_workshop else 1,
                    rounds_played=sum(1 for r in s.rounds if r.reached is not None),
                    rounds=s.settings.rounds,
                    status=status,
                    language=s.settings.language,
                    workshop=s.parent,
                    table=s.table_no,
                )
            )
        entries.sort(key=lambda e: (-e.created_at, e.session_id))
        return row, entries

    async def insights(
        self,
        library_id: str,
        key: str | None,
        language: Language,
        since: str | None = None,
        until: str | None = None,
        label: str | None = None,
        deck: str | None = None,
        version: int | None = None,
    ) -> tuple[int, list[Chart]]:
        """Charts over the library's sessions created in [since, until] with `label`, played with
        `deck` (in `version`), where given: a reworded card's effect shows version against
        version. Returns how many sessions (tables) they cover."""
        await self.open(library_id, key)
        start, end = _day(since), _day(until, end=True)
        chosen = [
            s
            for filed, s, _ in await self._states(library_id)
            if not s.is_workshop
            and (start is None or s.created_at >= start)
            and (end is None or s.created_at < end)
            and (not label or filed.label == label)
            and (not deck or s.settings.deck == deck)
            and (version is None or s.settings.deck_version == version)
        ]
        return len(chosen), charts(chosen, language, versions=bool(deck) and version is None)
