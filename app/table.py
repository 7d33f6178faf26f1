"""A live session: its state, its sockets, its timer. Commands run one at a time (a lock), each
event is in the store before anyone is told, and every socket gets its own view."""

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

import orjson

from app.clock import now_ms
from app.connection import Connection
from app.store import EventStore, VersionConflict
from game import (
    Actor,
    Event,
    GameError,
    State,
    common,
    decide,
    due,
    evolve,
    fold,
    next_deadline,
    own,
    sees,
    units,
)

log = logging.getLogger("theater.table")


def _json(data: Any) -> str:
    return orjson.dumps(data).decode()


class Table:
    def __init__(self, state: State, store: EventStore) -> None:
        self.state = state
        self.store = store
        self.lock = asyncio.Lock()
        self.connections: set[Connection] = set()
        self.online: Counter[str] = Counter()  # player id -> open sockets
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # keep fired tasks alive until done
        self.closed = False
        self.elsewhere: frozenset[str] = frozenset()  # players online on other servers
        # told after every commit / presence change here (the fan-out to other servers)
        self.on_version: Callable[[str, int], None] | None = None
        self.on_presence: Callable[[str, frozenset[str]], None] | None = None

    @classmethod
    async def load(cls, session_id: str, store: EventStore) -> "Table | None":
        events = await store.load(session_id)
        return cls(fold(events), store) if events else None

    @property
    def session_id(self) -> str:
        return self.state.session_id

    # --- commands and time ----------------------------------------------------------------

    async def execute(
        self, actor: Actor, name: str, args: dict[str, Any] | None
    ) -> tuple[list[Event], int]:
        """Decide, store, apply, tell everyone; return the events and the version they reached.
        Raises GameError and changes nothing on refusal."""
        async with self.lock:
            for _ in range(8):  # each lost race means another server made progress
                events = decide(self.state, actor, name, args, now_ms())
                try:
                    await self._commit(events)
                except VersionConflict:  # another server wrote first: take its events, decide again
                    await self._catch_up()
                    continue
                return events, self.state.version
            raise GameError("rate_limited", "The table is busy; try again in a moment.")

    async def _commit(self, events: list[Event]) -> None:
        if not events:
            return
        await self.store.append(self.session_id, self.state.version, events)
        for event in events:
            self.state = evolve(self.state, event)
        self._changed()
        if self.on_version is not None:
            self.on_version(self.session_id, self.state.version)

    def _changed(self) -> None:
        self.broadcast()
        self.schedule()
        for conn in list(self.connections):
            if conn.actor.player_id and conn.actor.player_id not in self.state.players:
                self.detach(conn)
                self._spawn(conn.close(4403, "removed from the table"))

    async def catch_up(self) -> None:
        """Take the events other servers appended since our version (the fan-out's nudge)."""
        async with self.lock:
            if not self.closed:
                await self._catch_up()

    async def _catch_up(self) -> None:
        events = await self.store.load(self.session_id, after=self.state.version)
        for event in events:
            self.state = evolve(self.state, event)
        if events:
            self._changed()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fire(self) -> None:
        async with self.lock:
            if self.closed:
                return
            events = due(self.state, now_ms())
            if not events:
                self.schedule()
                return
            try:
                await self._commit(events)
            except VersionConflict:  # another server fired it first: take its events
                await self._catch_up()

    def schedule(self) -> None:
        """Wake at the next deadline in the state (warning or time-up), and not before."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        when = next_deadline(self.state)
        if when is None or self.closed:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, (when - now_ms()) / 1000)
        self._timer = loop.call_later(delay, lambda: self._spawn(self._fire()))

    # --- sockets --------------------------------------------------------------------------

    def frames(self) -> Callable[[Connection], str]:
        """State frames for this moment. The view's parts are serialised once each: what everyone
        sees, the cards per group of viewers who see the same cards, then each socket's own."""
        now, state = now_ms(), self.state
        online = self.online.keys() | self.elsewhere if self.elsewhere else self.online
        shared = _json(common(state, now, online))[:-1]
        head = f'{{"type":"state","version":{state.version},"server_now":{now},"view":{shared},'
        cards: dict[str | None, str] = {}

        def frame(conn: Connection) -> str:
            seen = sees(state, conn.actor)
            if seen not in cards:
                cards[seen] = _json(units(state, seen))
            return f'{head}"units":{cards[seen]},{_json(own(state, conn.actor))[1:]}}}'

        return frame

    def broadcast(self) -> None:
        frame = self.frames()
        for conn in list(self.connections):
            conn.send(frame(conn), is_state=True)

    def set_elsewhere(self, online: frozenset[str]) -> None:
        if online != self.elsewhere:
            self.elsewhere = online
            self.broadcast()

    def _presence_changed(self) -> None:
        self.broadcast()
        if self.on_presence is not None:
            self.on_presence(self.session_id, frozenset(self.online))

    def attach(self, conn: Connection) -> None:
        self.connections.add(conn)
        if conn.actor.player_id:
            self.online[conn.actor.player_id] += 1
            if self.online[conn.actor.player_id] == 1:
                self._presence_changed()
                return
        conn.send(self.frames()(conn), is_state=True)

    def detach(self, conn: Connection) -> None:
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        pid = conn.actor.player_id
        if pid:
            self.online[pid] -= 1
            if self.online[pid] <= 0:
                del self.online[pid]
                self._presence_changed()

    async def close(self, code: int, reason: str) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        for conn in list(self.connections):
            await conn.close(code, reason)
        self.connections.clear()
