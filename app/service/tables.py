"""The live tables held in this server's memory, the unit of work: a table is loaded from the
store once however many ask, held while it has seats or a timer, let go when idle, recovered at
start, and handed on when the server stops. It is also the bus's listener: what the other servers
say concerns the tables held here. The use cases (`service.py`) reach tables only through it.
"""

import asyncio
import contextlib
import logging
import re
from collections.abc import Coroutine, Iterator, Mapping
from typing import Any

from app.clock import Clock, SystemClock
from app.cluster import Cluster
from app.config import Config
from app.errors import close_code
from app.service.live import LiveTable
from app.stores import EventStore, snapshot
from game import Event, State, evolve, fold
from game.timer import next_deadline

log = logging.getLogger("theater.service")

SESSION_ID = re.compile(r"[0-9a-f]{16}")


class Tables(Mapping[str, LiveTable]):
    """Session id -> the live table held here (a read-only mapping; `load` fetches)."""

    def __init__(self, config: Config, store: EventStore, cluster: Cluster, clock: Clock) -> None:
        self.config, self.store, self.cluster, self.clock = config, store, cluster, clock
        self.bus, self.timers = cluster.bus, cluster.timers
        self.recovered = 0
        self.held: dict[str, LiveTable] = {}
        self._loading: dict[str, asyncio.Task[LiveTable | None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self.draining = False

    def __getitem__(self, session_id: str) -> LiveTable:
        return self.held[session_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.held)

    def __len__(self) -> int:
        return len(self.held)

    # --- running ----------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Wait until every task the service started (timer firings, loads) has finished."""
        while self._tasks or self._loading:
            await asyncio.gather(*self._tasks, *self._loading.values(), return_exceptions=True)

    async def start(self) -> int:
        """Open the store, listen to the other servers and recover the unfinished sessions
        (`resync`: one server, at once; several, once subscribed, so nothing falls between),
        then follow the timer ledger and its clock. Returns how many were recovered by now."""
        await self.store.open()
        await self.bus.start(self)
        loop = asyncio.get_running_loop()
        self._watcher = loop.create_task(self.watch_deadlines())
        self._keeper = loop.create_task(self.keep_time())
        return self.recovered

    async def keep_time(self, every_s: float = 1.0) -> None:
        """Follow the ledger's shared clock (several servers: Redis's), so that a server whose
        own clock jumps is back in step within a second; its tables' wake-ups are set again."""
        clock = self.clock
        if not isinstance(clock, SystemClock):
            return
        while True:
            skew = await self.timers.skew()
            if skew is not None and abs(skew - clock.offset) > 20:
                if abs(skew - clock.offset) > 1000:
                    log.warning("clock: %+d ms off the shared clock; following it", -skew)
                clock.offset = skew
                for table in list(self.held.values()):
                    table.schedule()
            await asyncio.sleep(every_s)

    async def drain(self, within_s: float) -> None:
        """Before a stop (SIGTERM, a rolling update): take no new sockets, let each table finish
        the command it is writing, send its sockets elsewhere with what was queued for them (close
        code 1012: the pages reconnect at once, through the balancer, to another server) and
        hand its timer over to another server at once (the bus's word). Bounded by `within_s`."""
        self.draining = True
        if self._watcher is not None:
            self._watcher.cancel()

        async def leave(table: LiveTable) -> None:
            async with table.lock:  # a command being written is finished and acknowledged first
                table.close(close_code("restarting"), "server restarting", flush=True)
            await table.keep_snapshot()  # the next server folds none of its log
            if self.held.get(table.session_id) is table:
                del self.held[table.session_id]
            if next_deadline(table.state) is not None:
                self.bus.hand_over(table.session_id)

        tables = list(self.held.values())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                await asyncio.gather(*(leave(t) for t in tables))
        await self.cluster.flush()
        log.info("drained: %d tables handed on", len(tables))

    async def close(self) -> None:
        """Every table let go (its sockets told the server restarts), the bus and store shut."""
        for loop in (self._watcher, self._keeper):
            if loop is not None:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
        for table in list(self.held.values()):
            table.close(close_code("restarting"), "server restarting")
        await asyncio.gather(*(t.keep_snapshot() for t in self.held.values()))
        self.held.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.cluster.close()
        await self.store.close()

    # --- loading, holding, letting go ----------------------------------------------------------

    async def load(self, session_id: str) -> LiveTable | None:
        """The live table, loaded from the store if needed. Ids of the wrong shape are not even
        looked up, and nothing is kept for ids that do not exist."""
        table = self.held.get(session_id)
        if table is not None or not SESSION_ID.fullmatch(session_id):
            return table
        loading = self._loading.get(session_id)
        if loading is None:  # one load per id at a time, however many ask
            loading = asyncio.get_running_loop().create_task(self._load(session_id))
            self._loading[session_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(session_id, None))
        return await asyncio.shield(loading)

    async def _load(self, session_id: str) -> LiveTable | None:
        found = await self.stored(session_id)
        if found is None or session_id in self.held:
            return self.held.get(session_id)
        return self.hold(*found)

    async def stored(self, session_id: str) -> tuple[State, int] | None:
        """The session's state from the store (None: not there), folded from its last snapshot
        where one this code can read is kept, and that snapshot's version (0: none)."""
        kept = await self.store.snapshot(session_id)
        state = snapshot.load(kept[1]) if kept else None
        if (
            kept is None
            or state is None
            or (state.session_id, state.version) != (session_id, kept[0])
        ):
            events = await self.store.load(session_id)
            return (fold(events), 0) if events else None
        for event in await self.store.load(session_id, after=state.version):
            state = evolve(state, event)
        return state, kept[0]

    async def of(self, workshop: State) -> list[LiveTable]:
        """A workshop's tables that are still in the store, loaded."""
        found = [await self.load(spec.session_id) for spec in workshop.tables]
        return [t for t in found if t is not None]

    def hold(self, state: State, snapshot_at: int = 0) -> LiveTable:
        grace = int(self.config.offline_grace_s * 1000)
        table = LiveTable(
            state, self.store, self.clock, self.cluster, self.spawn, grace, snapshot_at
        )
        self.held[table.session_id] = table
        table.schedule()
        return table

    async def recover(self) -> int:
        """Note every unfinished session's next timer moment in the ledger (one server does
        this reading: the ledger's claim), and hold those the ledger says must be held for it
        to fire (one server: each with a timer, armed to the millisecond; several: none, as
        whoever sees a moment come claims it, `watch_deadlines`)."""
        rows = [r for r in await self.store.sessions() if not r.ended]
        if await self.timers.claim("recovery", 0):
            for row in rows:
                try:
                    held = self.held.get(row.session_id)
                    found = (held.state, 0) if held else await self.stored(row.session_id)
                    if found is None:  # deleted meanwhile: nothing to note
                        continue
                    when = next_deadline(found[0])
                    self.timers.deadline(row.session_id, when, only_if_new=True)
                    if held is None and self.timers.keeps(when) and row.session_id not in self:
                        self.hold(*found)
                except Exception:
                    log.exception("recovery: session %s skipped", row.session_id)
        self.recovered = len(rows)
        return len(rows)

    async def watch_deadlines(self, every_s: float = 0.25, grace_ms: int = 500) -> None:
        """Fire every session's timer moment in the ledger that has come, held here or not.
        A table's holder fires it on time; a moment overdue by `grace_ms` is claimed by whoever
        sees it, so a server that died holding a session hands its timers on within the grace,
        a claim's life (1.5 s, if it died holding the claim) and a poll."""
        while True:
            await asyncio.sleep(every_s)
            now = self.clock.now()
            for session_id, when in await self.timers.due(now):
                try:
                    held = self.held.get(session_id)
                    if held is not None:
                        if not held.lock.locked():  # one firing at a time
                            self.spawn(held.fire())
                    elif (
                        when <= now - grace_ms
                        and await self.timers.claim(session_id, when)
                        and await self.load(session_id) is None  # loading arms its timer
                    ):
                        self.timers.deadline(session_id, None)  # deleted meanwhile
                except Exception:
                    log.exception("deadline watch: session %s failed", session_id)

    def evict(self) -> int:
        """Let idle tables go: no seats, no timer (several servers: whoever sees it come fires
        it), untouched for a while. The store has them."""
        now, after = self.clock.now(), int(self.config.evict_after_s * 1000)
        idle = [sid for sid, t in self.held.items() if t.idle(now, after)]
        for session_id in idle:
            table = self.held.pop(session_id)
            table.release()
            self.spawn(table.keep_snapshot())
        return len(idle)

    def forget(self, session_id: str) -> None:
        table = self.held.pop(session_id, None)
        if table is not None:
            table.close(close_code("deleted"), "session deleted")

    # --- what the other servers say (the bus's listener) ------------------------------------

    async def on_version(self, session_id: str, version: int, events: list[Event] | None) -> None:
        """Only a table held here takes it: a server with nobody at a table reads none of it."""
        table = self.held.get(session_id)
        if table is not None and table.state.version < version:
            await table.take(version, events)

    def holds(self, session_id: str) -> bool:
        return session_id in self.held

    def on_presence(self, session_id: str, online_elsewhere: frozenset[str]) -> None:
        table = self.held.get(session_id)
        if table is not None:
            table.set_elsewhere(online_elsewhere)

    async def on_deleted(self, session_id: str) -> None:
        self.forget(session_id)

    async def on_handed_over(self, session_id: str) -> None:
        """A draining server let this table go with its timer running: one server takes it now
        (its timer armed to the millisecond), not after the hand-over's grace."""
        if (
            not self.draining
            and session_id not in self.held
            and await self.timers.claim(session_id, 0)  # moment 0: the hand-over itself
        ):
            await self.load(session_id)

    async def resync(self) -> None:
        for table in list(self.held.values()):
            await table.catch_up()
        await self.recover()

    def local_presence(self) -> dict[str, frozenset[str]]:
        return {
            sid: frozenset(t.presence.shown) for sid, t in self.held.items() if t.presence.shown
        }
