"""Reading a session's log: its events, a replay as any viewer saw it, the exports and the
debrief, one session's insight charts. Folded from the store each time, never from a live table's
state; whoever asks shows a facilitator's or trainer's link (or a library's key) at the gate."""

from typing import Any, Protocol

from app.errors import AppError
from app.reading.export import Download, render, render_workshop
from app.reading.insights import Language
from app.reading.library import Chart, Held, charts
from app.stores import EventStore
from game import Actor, Role, fold, public_dict, view

STAFF: tuple[Role, ...] = ("facilitator", "screen", "trainer")


class Gate(Protocol):
    """Which table a link opens, if it is one of `roles` there (refused otherwise)."""

    async def staff(self, session_id: str, token: str | None, *roles: Role) -> Held: ...


class Logs:
    def __init__(self, gate: Gate, store: EventStore) -> None:
        self.gate, self.store = gate, store

    async def events(self, session_id: str, token: str | None) -> list[dict[str, Any]]:
        await self.gate.staff(session_id, token, "facilitator", "trainer")
        return [public_dict(e) for e in await self.store.load(session_id)]

    async def replay(
        self, session_id: str, token: str | None, version: int, viewer: str
    ) -> dict[str, Any]:
        """The session as `viewer` (trainer, facilitator, screen or a player id) saw it right
        after event `version`: the same fold the live table uses, stopped early."""
        await self.gate.staff(session_id, token, "facilitator", "trainer")
        events = await self.store.load(session_id)
        prefix = events[: min(version, len(events))]
        state = fold(prefix)
        if viewer in STAFF:
            actor = Actor(viewer)
        elif viewer in state.players:
            actor = Actor("player", viewer)  # without their token: anonymous answers stay so
        else:
            raise AppError("invalid_args", f"No viewer {viewer[:20]!r} in this session then.")
        return {
            "version": len(prefix),
            "versions": len(events),
            "event": public_dict(prefix[-1]),
            "view": view(state, actor, prefix[-1].at),
        }

    async def export(self, session_id: str, token: str | None, fmt: str) -> Download:
        table = await self.gate.staff(session_id, token, "facilitator", "trainer")
        if table.state.is_workshop:
            tables = []
            for spec in table.state.tables:
                events = await self.store.load(spec.session_id)
                if events:
                    tables.append((spec.number, fold(events), events))
            return render_workshop(table.state, tables, fmt)
        return render(table.state, await self.store.load(session_id), fmt)

    async def charts(
        self, session_id: str, token: str | None, language: Language
    ) -> tuple[int, list[Chart]]:
        """The insight charts of one session, or of a workshop over its tables (how many)."""
        table = await self.gate.staff(session_id, token, "facilitator", "trainer")
        ids = [spec.session_id for spec in table.state.tables] or [session_id]
        states = [fold(events) for sid in ids if (events := await self.store.load(sid))]
        return len(states), charts(states, language)

    async def debrief(self, session_id: str, fmt: str) -> Download | None:
        """The operator's export (`theater replay`): whoever can read the store may read this."""
        events = await self.store.load(session_id)
        return render(fold(events), events, fmt) if events else None
