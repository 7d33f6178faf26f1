"""A live table: one session's state, its seats (connected viewers) and its timer.

Commands run one at a time (a lock); each event is in the store before anyone is told; every
seat gets its own view; who is online is kept in `presence.py`.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from app import metrics
from app.clock import Clock, WakeUp
from app.cluster import Cluster
from app.errors import AppError, close_code
from app.results import Outcome
from app.service.frames import Held, Moment
from app.service.limits import TokenBucket
from app.service.outbox import Outbox
from app.service.presence import CLOSE_REASONS, Presence, ended
from app.stores import EventStore, VersionConflict, snapshot
from game import Actor, Command, Event, Refusal, State, decide, due, evolve, next_deadline
from game.commands import Args
from game.events import PlayerJoined, TimeUp
from game.view import Kept

log = logging.getLogger("theater")
Spawn = Callable[[Coroutine[Any, Any, None]], None]


@dataclass(eq=False)
class Seat:
    """One connected viewer: who they are, where their frames go, the language they read."""

    actor: Actor
    outbox: Outbox
    token_hash: str
    bucket: TokenBucket
    language: str | None = None
    table: "LiveTable | None" = field(default=None, repr=False)
    held: Held = field(default_factory=Held, repr=False)  # the view its client holds


PRESENCE_TICK_MS = 50
SNAPSHOT_EVERY = 50  # events: a load folds at most this many after the last snapshot
UNNOTED = -1  # no moment told yet (None means: told "no moment")
A = TypeVar("A", bound=Args)


class LiveTable:
    def __init__(
        self,
        state: State,
        store: EventStore,
        clock: Clock,
        cluster: Cluster,
        spawn: Spawn,
        offline_grace_ms: int = 3000,
        snapshot_at: int = 0,
    ) -> None:
        self.state = state
        self.snapshot_at = snapshot_at  # the version of the snapshot the store keeps (0: none)
        self._snapshotting = False  # a periodic snapshot is being written
        self.store, self.clock, self.spawn = store, clock, spawn
        self.bus, self.timers = cluster.bus, cluster.timers
        self.offline_grace_ms = offline_grace_ms
        self.lock = asyncio.Lock()
        self.seats: list[Seat] = []  # oldest first
        self.presence = Presence()
        self.closed = False
        self.gone = AppError("restarting", "This server is restarting; send it again.")
        self.last_active = clock.now()
        self._wake: WakeUp | None = None
        self._noted: int | None = UNNOTED  # the deadline last told to the other servers
        self._soon: WakeUp | None = None  # a broadcast due within a tick
        self._seated: tuple[object, object] = (None, None)  # players, facilitators last checked
        self._kept: Kept = {}  # pieces of the last broadcast's views (`game.view.keep`)

    @property
    def session_id(self) -> str:
        return self.state.session_id

    # --- commands and time ----------------------------------------------------------------

    @overload
    async def execute(self, actor: Actor, command: Command[A], args: A) -> Outcome: ...
    @overload
    async def execute(self, actor: Actor, command: str, args: dict[str, Any] | None) -> Outcome: ...
    async def execute(
        self, actor: Actor, command: str | Command[A], args: A | dict[str, Any] | None
    ) -> Outcome:
        """Decide, store, apply, tell everyone; return the events and the version they reached.
        A command as the service builds it (typed) or as it came over the wire (a name and a
        dict, checked by the rules). Raises `game.Refusal` and changes nothing on refusal."""
        name = command if isinstance(command, str) else command.name
        async with self.lock:
            if self.closed:  # closed while this command waited its turn
                raise self.gone
            looked = not self.bus.written_elsewhere(self.session_id)
            for _ in range(8):  # each lost race means another server made progress
                try:
                    events = decide(self.state, actor, name, args, self.clock.now())
                except Refusal:
                    if looked:
                        raise
                    # another server may have moved the table on a moment ago (its nudge still
                    # on the way): refuse only what the stored table refuses
                    looked, before = True, self.state.version
                    await self._catch_up()
                    if self.state.version == before:
                        raise
                    continue
                try:
                    await self._commit(events)
                except VersionConflict:  # another server wrote first: take its events, decide again
                    await self._catch_up()
                    continue
                except Exception as e:  # the store went away in the middle of the write
                    if not await self._landed(events, e):
                        continue
                return Outcome(events, self.state.version)
            raise AppError("rate_limited", "The table is busy; try again in a moment.", "busy")

    async def _landed(self, events: list[Event], error: Exception) -> bool:
        """After a write whose outcome is unknown (the connection to the store was cut before
        its answer), read the log back: ours is there, or it is not and the caller decides again.
        A store that does not answer that either gets the command refused, saying so."""
        log.warning("store: a write failed (%s); reading the log back", type(error).__name__)
        try:
            stored = await self.store.load(self.session_id, after=self.state.version)
        except Exception:
            raise AppError(
                "unavailable",
                "The event store does not answer; look whether it counted before sending again.",
            ) from error
        for event in stored:
            self.state = evolve(self.state, event)
        if stored:
            self._changed()
        ours = stored[: len(events)] == events
        if ours:
            self.bus.appended(self.session_id, self.state.version, stored)
        return ours

    async def _commit(self, events: list[Event]) -> None:
        if not events:
            return
        began = time.perf_counter()
        await self.store.append(self.session_id, self.state.version, events)
        metrics.STORE_APPEND_SECONDS.observe(time.perf_counter() - began)
        for event in events:
            self.state = evolve(self.state, event)
        self._changed(events)
        self.bus.appended(self.session_id, self.state.version, events)
        if not self._snapshotting and self.state.version - self.snapshot_at >= SNAPSHOT_EVERY:
            self._snapshotting = True
            self.spawn(self.keep_snapshot())

    async def keep_snapshot(self) -> None:
        """Store the state as it is now (`app.stores.snapshot`), if it is newer than the one
        kept: every SNAPSHOT_EVERY events, and when the table leaves memory or the server stops."""
        state = self.state
        try:
            if state.version > self.snapshot_at:
                body = snapshot.dump(state)
                await self.store.save_snapshot(state.session_id, state.version, body)
                self.snapshot_at = max(self.snapshot_at, state.version)
        except Exception:  # only a shortcut: the next load folds more of the log
            log.warning("store: no snapshot of %s kept", state.session_id, exc_info=True)
        finally:
            self._snapshotting = False

    def _changed(self, events: list[Event] | None = None) -> None:
        """After new events: end the seats they end, tell the rest, arm the timer. A burst of
        joins is told in one frame per tick (`soon`); everything else at once."""
        self.last_active = self.clock.now()
        seated = (self.state.players, self.state.facilitators)  # what `ended` reads
        if any(now is not before for now, before in zip(seated, self._seated, strict=True)):
            self._seated = seated
            for seat in list(self.seats):
                why = ended(self.state, seat.actor, seat.token_hash)
                if why is not None:
                    self.detach(seat)
                    seat.outbox.close(close_code(why), CLOSE_REASONS[why])
        if events and all(isinstance(e, PlayerJoined) for e in events):
            self.soon()
        else:
            self.broadcast()
        self.schedule()

    async def take(self, version: int, events: list[Event] | None) -> None:
        """Another server's append, from the bus: applied as it is if it follows the version
        held here, else (a message missed, overtaken or not carried) read from the store."""
        async with self.lock:
            if self.closed or self.state.version >= version:
                return
            if events is not None and self.state.version == version - len(events):
                for event in events:
                    self.state = evolve(self.state, event)
                self._changed(events)
            else:
                await self._catch_up()

    async def catch_up(self) -> None:
        """Take the events other servers appended since our version (the bus's nudge)."""
        async with self.lock:
            if not self.closed:
                await self._catch_up()

    async def _catch_up(self) -> None:
        events = await self.store.load(self.session_id, after=self.state.version)
        for event in events:
            self.state = evolve(self.state, event)
        if events:
            self._changed()

    async def fire(self) -> None:
        """Record the timer events that are due, unless another server has claimed them."""
        async with self.lock:
            if self.closed:
                return
            events = due(self.state, self.clock.now())
            if not events:
                self._noted = UNNOTED  # the shared list may hold a stale moment: say it again
                self.schedule()
                return
            when = next_deadline(self.state)
            # a time-up is claimed for the deadline itself: this clock may have jumped past it
            up = self.state.timer.deadline if isinstance(events[-1], TimeUp) else None
            if when is not None and not await self.timers.claim(self.session_id, when, up):
                return  # that server records them (its nudge brings them here), or not yet
            if when is not None:
                metrics.TIMER_LATE.observe(max(0, self.clock.now() - when) / 1000)
            try:
                await self._commit(events)
            except VersionConflict:  # another server fired it first: take its events
                await self._catch_up()
            except Exception:  # the store is away: try again shortly (the log's version fences)
                log.exception("timer: could not record the moment; trying again in 0.5 s")
                self._wake = self.clock.call_at(
                    self.clock.now() + 500, lambda: self.spawn(self.fire())
                )

    def schedule(self) -> None:
        """Wake at the next deadline in the state (warning or time-up), and not before."""
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        when = next_deadline(self.state)
        if when != self._noted and not self.closed:
            self._noted = when
            self.timers.deadline(self.session_id, when)
        if when is not None and not self.closed:
            self._wake = self.clock.call_at(when, lambda: self.spawn(self.fire()))

    def idle(self, now: int, after_ms: int) -> bool:
        """Nobody here, no timer to fire (with several servers, whoever sees it come fires it),
        nothing running: it can leave memory."""
        return (
            not self.seats
            and not self.timers.keeps(next_deadline(self.state))
            and not self.lock.locked()
            and now - self.last_active >= after_ms
        )

    # --- seats ----------------------------------------------------------------------------

    def broadcast(self) -> None:
        """Each seat what changed in its view (a patch), or all of it where needed."""
        if self._soon is not None:  # this frame tells what the tick would have
            self._soon.cancel()
            self._soon = None
        moment = Moment(self.state, self.clock.now(), self.presence.connected(), self._kept)
        for seat in self.seats:
            frame = moment.next(seat.actor, seat.language, seat.held, seat.outbox.has_room())
            if frame is not None:
                seat.outbox.put(frame, is_state=True)

    def send_state(self, seat: Seat) -> None:
        """The seat's whole view (on connecting, a language switch, a resync)."""
        moment = Moment(self.state, self.clock.now(), self.presence.connected(), self._kept)
        seat.outbox.put(moment.full(seat.actor, seat.language, seat.held), is_state=True)

    def soon(self) -> None:
        """Broadcast within one tick (PRESENCE_TICK_MS): phones coming, going and joining in a
        burst cost each seat one frame per tick, not one per phone."""
        if self._soon is None and not self.closed:
            self._soon = self.clock.call_at(self.clock.now() + PRESENCE_TICK_MS, self._tick)

    def _tick(self) -> None:
        self._soon = None
        if not self.closed:
            self.broadcast()

    def set_elsewhere(self, online: frozenset[str]) -> None:
        if online != self.presence.elsewhere:
            self.presence.elsewhere = online
            self.soon()

    def _presence_changed(self) -> None:
        self.soon()
        self.bus.presence(self.session_id, frozenset(self.presence.shown))

    def attach(self, seat: Seat) -> None:
        seat.table = self
        self.seats.append(seat)
        pid = seat.actor.player_id
        if pid and self.presence.arrive(pid):
            self._presence_changed()  # the others within a tick; this seat at once:
        self.send_state(seat)

    def detach(self, seat: Seat) -> None:
        if seat not in self.seats:
            return
        self.seats.remove(seat)
        self.last_active = self.clock.now()
        pid = seat.actor.player_id
        if pid and self.presence.leave(pid):
            when = self.clock.now() + self.offline_grace_ms
            self.clock.call_at(when, lambda: self._maybe_offline(pid))

    def _maybe_offline(self, pid: str) -> None:
        if not self.closed and self.presence.expire(pid):
            self._presence_changed()

    def release(self) -> None:
        """Leave memory: the timer is disarmed (another load, here or elsewhere, arms it)."""
        self.closed = True
        for wake in (self._wake, self._soon):
            if wake is not None:
                wake.cancel()

    def close(self, code: int, reason: str, *, flush: bool = False) -> None:
        """Leave memory and end every seat's stream with `code` (after what is queued for it,
        if `flush`)."""
        if code == close_code("deleted"):
            self.gone = AppError("deleted", "This session is gone.")
        self.release()
        for seat in self.seats:
            seat.outbox.close(code, reason, flush=flush)
        self.seats.clear()
