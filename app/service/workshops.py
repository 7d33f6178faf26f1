"""Workshops: several tables under one code. The facilitator forms the tables from the lobby
(each a session of its own, created whole before the workshop records it), steers every table at
once with the commands that are table-wide, and latecomers go to the smallest table still
playing."""

import asyncio
from typing import Any

from app.clock import Clock
from app.errors import AppError
from app.results import TableResult
from app.service.access import Access
from app.service.live import LiveTable
from app.service.tables import Tables
from app.stores import EventStore
from app.tokens import new_session_id
from game import COMMANDS, Event, Refusal, State, create_session
from game.decide import FORM_TABLES
from game.events import FacilitatorAdded, PlayerJoined, TableSpec
from game.tables import proposal, table_code


class Workshops:
    def __init__(self, tables: Tables, access: Access, store: EventStore, clock: Clock) -> None:
        self.tables, self.access, self.store, self.clock = tables, access, store, clock

    async def form_tables(self, session_id: str, token: str | None) -> list[str]:
        """The facilitator confirms the proposal: each table becomes a session of its own (with
        the workshop's links and the players' own tokens), created whole before the workshop
        records it, so no phone is ever sent to a table that is not there yet."""
        workshop, actor = await self.access.staff_actor(session_id, token, "facilitator")
        state = workshop.state
        tables = proposal(state) if state.is_workshop and not state.tables else []
        specs = [
            TableSpec(
                number=n,
                session_id=new_session_id(),
                join_code=table_code(state.join_code, n),
                players=tuple(players),
            )
            for n, players in enumerate(tables, 1)
        ]
        for spec in specs:
            await self._create_table(state, spec)
        formed = [{"session_id": s.session_id, "players": s.players} for s in specs]
        try:
            await workshop.execute(actor, FORM_TABLES, FORM_TABLES.make(tables=formed))
        except (Refusal, AppError):  # a table too small, or a join meanwhile: no tables then
            for spec in specs:
                await self.store.delete(spec.session_id)
            raise
        filed = await self.store.library_of(session_id)
        if filed is not None:  # a filed workshop's tables are filed with it, the same way
            library, filing = filed
            for spec in specs:
                await self.store.file_session(
                    spec.session_id, library.library_id, filing.label, filing.owned, filing.filed_by
                )
        return [t.session_id for t in workshop.state.tables]

    async def _create_table(self, workshop: State, spec: TableSpec) -> None:
        """One table of a workshop: its whole first log in one write."""
        now = self.clock.now()
        first = create_session(
            session_id=spec.session_id,
            join_code=spec.join_code,
            settings=workshop.settings.model_copy(update={"tables": None}),
            decks={  # the workshop's own cards (a library's deck too), its custom ones added anew
                lang: d.model_copy(
                    update={"opdrachten": tuple(o for o in d.opdrachten if not o.custom)}
                )
                for lang, d in workshop.decks.items()
            },
            seed=(workshop.seed + spec.number) % 2**63,
            time_scale=workshop.time_scale,
            token_hashes=workshop.token_hashes,
            now=now,
            parent=workshop.session_id,
            table=spec.number,
            workshop_code=workshop.join_code,
        )
        rest: list[Event] = [
            PlayerJoined(
                at=now,
                player_id=f"p{i}",
                name=workshop.players[pid].name,
                organisation=workshop.players[pid].organisation,
                token_hash=workshop.players[pid].token_hash,
            )
            for i, pid in enumerate(spec.players, 1)
        ]
        rest += [
            FacilitatorAdded(at=now, facilitator_id=f.id, label=f.label, token_hash=f.token_hash)
            for f in workshop.facilitators.values()
        ]
        await self.store.create(spec.session_id, spec.join_code, first, rest)

    async def table_for_latecomer(self, workshop: State) -> LiveTable:
        """A workshop's latecomer sits at the table with the fewest players that still plays."""
        open_tables = [t for t in await self.tables.of(workshop) if t.state.phase != "ended"]
        if not open_tables:
            raise AppError("invalid_args", "Every table of this workshop has finished.", "ended")
        return min(open_tables, key=lambda t: (len(t.state.players), t.state.table_no or 0))

    async def command_tables(
        self, session_id: str, token: str | None, name: str, args: dict[str, Any]
    ) -> list[TableResult]:
        """One command at every table of a workshop at once (start every timer, next round for
        all that are done, a message to the room): each table answers for itself."""
        workshop, _ = await self.access.staff_actor(session_id, token, "facilitator")
        command = COMMANDS.get(name)
        if command is None or not command.table_wide:
            every = sorted(n for n, c in COMMANDS.items() if c.table_wide)
            raise AppError(
                "invalid_args",
                f"{name[:40]!r} is not for every table at once; it names something of one "
                f"table. Every table can: {', '.join(every)}.",
            )
        assert token is not None

        async def one(spec: TableSpec) -> TableResult:
            child = await self.tables.load(spec.session_id)
            actor = self.access.authenticate(child, token) if child else None
            if child is None or actor is None:
                missing = AppError("not_found", f"Table {spec.number} cannot be opened now.")
                return TableResult(spec.number, spec.session_id, error=missing)
            try:
                _, version = await child.execute(actor, name, args)
            except (Refusal, AppError) as e:
                return TableResult(spec.number, spec.session_id, error=e)
            return TableResult(spec.number, spec.session_id, version=version)

        return list(await asyncio.gather(*(one(s) for s in workshop.state.tables)))
