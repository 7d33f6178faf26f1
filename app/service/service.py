"""The one service every transport and the command line call: sessions (create, join, delete,
sweep), tokens to actors, commands, reading the log, and the live tables held in memory.

authenticate -> decide -> append -> publish -> view: the service takes its ports in its
constructor (an event store, a bus, a clock) and holds no socket of any transport: a viewer is a
`Seat` with an `Outbox` that a transport drains.
"""

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
from collections import Counter
from collections.abc import Coroutine
from typing import Any

from app.clock import Clock, SystemClock
from app.cluster import Bus, Window
from app.config import Config
from app.errors import AppError, close_code
from app.reading.export import Download, render, render_workshop
from app.reading.insights import Language
from app.reading.library import Chart, Libraries, charts, still_filed
from app.results import CoFacilitatorLink, Created, Joined, Reissued, TableResult
from app.service.limits import GuessGate, TokenBucket
from app.service.live import LiveTable, Seat
from app.service.outbox import Outbox
from app.stores import CodeTaken, EventStore
from app.tokens import (
    derived_token,
    hash_token,
    matches,
    new_join_code,
    new_session_id,
    new_token,
)
from app.wire.protocol import Welcome
from cards import DeckError, available_decks, load_decks
from game import (
    COMMANDS,
    Actor,
    Event,
    Refusal,
    Role,
    Settings,
    State,
    create_session,
    evolve,
    fold,
    public_dict,
    view,
)
from game.commands import FIRST_FACILITATOR
from game.events import FacilitatorAdded, PlayerJoined, SeatClaimed, TableSpec
from game.tables import proposal, table_code
from game.timer import next_deadline

log = logging.getLogger("theater.service")

DAY_MS = 24 * 3600 * 1000
SESSION_ID = re.compile(r"[0-9a-f]{16}")
STAFF: tuple[Role, ...] = ("facilitator", "screen", "trainer")
LANGUAGES = ("nl", "en")


def answer_key(token: str) -> str:
    """A key only the holder of a player's token can derive (the store keeps just its SHA-256):
    it marks their anonymous answers so that they, and nobody else, can find them again."""
    return hmac.new(token.encode(), b"theater:anonymous-answers", hashlib.sha256).hexdigest()


class Service:
    def __init__(self, config: Config, store: EventStore, bus: Bus, clock: Clock) -> None:
        self.config, self.store, self.bus, self.clock = config, store, bus, clock
        self.tables: dict[str, LiveTable] = {}
        self._loading: dict[str, asyncio.Task[LiveTable | None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.joins = bus.window("joins", config.joins_per_minute)
        self.failed_joins = bus.window("failed_joins", config.failed_joins_per_minute)
        self.creations = bus.window("sessions", config.sessions_per_minute)
        self.reconnects = Window(config.sockets_per_token * 10)
        self.guesses = GuessGate(config.guess_spacing_s)
        self.sockets: Counter[str] = Counter()  # open sockets (with or without hello) per address
        self.streams_closed = 0  # since start: their cycles wait for the collector (gcpause)
        self.libraries = Libraries(self)
        self.http_buckets: dict[str, TokenBucket] = {}  # fallback transport: per token hash
        self._watcher: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self.draining = False

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
        """Open the store, recover the unfinished sessions (so their timers fire even if nobody
        reconnects), then listen to the other servers. Returns how many were recovered."""
        await self.store.open()
        # several servers: once subscribed to the others (`resync`), so nothing falls between
        recovered = 0 if self.bus.shared else await self.recover()
        self.bus.start(self)
        if self.bus.shared:
            loop = asyncio.get_running_loop()
            self._watcher = loop.create_task(self.watch_deadlines())
            self._keeper = loop.create_task(self.keep_time())
        return recovered

    async def keep_time(self, every_s: float = 1.0) -> None:
        """Several servers: follow the shared clock (Redis's), so that one whose own clock
        jumps is back in step within a second; its tables' wake-ups are set again by it."""
        clock = self.clock
        if not isinstance(clock, SystemClock):
            return
        while True:
            skew = await self.bus.skew()
            if skew is not None and abs(skew - clock.offset) > 20:
                if abs(skew - clock.offset) > 1000:
                    log.warning("clock: %+d ms off the shared clock; following it", -skew)
                clock.offset = skew
                for table in list(self.tables.values()):
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
            if self.tables.get(table.session_id) is table:
                del self.tables[table.session_id]
            if next_deadline(table.state) is not None:
                self.bus.hand_over(table.session_id)

        tables = list(self.tables.values())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                await asyncio.gather(*(leave(t) for t in tables))
        await self.bus.flush()
        log.info("drained: %d tables handed on", len(tables))

    async def close(self) -> None:
        for loop in (self._watcher, self._keeper):
            if loop is not None:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
        for table in list(self.tables.values()):
            table.close(close_code("restarting"), "server restarting")
        self.tables.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.bus.close()
        await self.store.close()

    # --- the live tables held here ----------------------------------------------------------

    async def get(self, session_id: str) -> LiveTable | None:
        """The live table, loaded from the store if needed. Ids of the wrong shape are not even
        looked up, and nothing is kept for ids that do not exist."""
        table = self.tables.get(session_id)
        if table is not None or not SESSION_ID.fullmatch(session_id):
            return table
        loading = self._loading.get(session_id)
        if loading is None:  # one load per id at a time, however many ask
            loading = asyncio.get_running_loop().create_task(self._load(session_id))
            self._loading[session_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(session_id, None))
        return await asyncio.shield(loading)

    async def _load(self, session_id: str) -> LiveTable | None:
        events = await self.store.load(session_id)
        if not events or session_id in self.tables:
            return self.tables.get(session_id)
        return self._hold(fold(events))

    def _hold(self, state: State) -> LiveTable:
        grace = int(self.config.offline_grace_s * 1000)
        table = LiveTable(state, self.store, self.clock, self.bus, self.spawn, grace)
        self.tables[table.session_id] = table
        table.schedule()
        return table

    async def recover(self) -> int:
        """One server holds every unfinished session (its timers fire here). Several note each
        one's next timer moment in the shared list instead, and hold nothing: whichever server
        sees a moment come first claims it (`watch_deadlines`). One server does that reading."""
        rows = [r for r in await self.store.sessions() if not r.ended]
        if not self.bus.shared:
            for row in rows:
                await self.get(row.session_id)
        elif await self.bus.claim("recovery", 0):
            for row in rows:
                try:
                    held = self.tables.get(row.session_id)
                    events = [] if held else await self.store.load(row.session_id)
                    state = held.state if held else fold(events) if events else None
                    if state is not None:  # (deleted meanwhile: nothing to note)
                        self.bus.deadline(row.session_id, next_deadline(state), only_if_new=True)
                except Exception:
                    log.exception("recovery: session %s skipped", row.session_id)
        return len(rows)

    async def watch_deadlines(self, every_s: float = 0.25, grace_ms: int = 500) -> None:
        """Several servers: fire every session's timer moment that has come, held here or not.
        A table's holder fires it on time; a moment overdue by `grace_ms` is claimed by whoever
        sees it, so a server that died holding a session hands its timers on within the grace,
        a claim's life (1.5 s, if it died holding the claim) and a poll."""
        while True:
            await asyncio.sleep(every_s)
            now = self.clock.now()
            for session_id, when in await self.bus.due(now):
                try:
                    held = self.tables.get(session_id)
                    if held is not None:
                        if not held.lock.locked():  # one firing at a time
                            self.spawn(held.fire())
                    elif (
                        when <= now - grace_ms
                        and await self.bus.claim(session_id, when)
                        and await self.get(session_id) is None  # loading arms its timer
                    ):
                        self.bus.deadline(session_id, None)  # deleted meanwhile
                except Exception:
                    log.exception("deadline watch: session %s failed", session_id)

    def evict(self) -> int:
        """Let idle tables go: no seats, no timer (several servers: whoever sees it come fires
        it), untouched for a while. The store has them."""
        now, after = self.clock.now(), int(self.config.evict_after_s * 1000)
        idle = [sid for sid, t in self.tables.items() if t.idle(now, after)]
        for session_id in idle:
            self.tables.pop(session_id).release()
        return len(idle)

    # --- sessions ---------------------------------------------------------------------------

    async def count_creation(self, client: str) -> None:
        """Sessions and libraries created from one address are counted together."""
        if await self.creations.full(client):
            raise AppError("rate_limited", "Too many sessions created from here; wait a minute.")
        await self.creations.hit(client)

    async def create(self, settings: Settings, client: str) -> Created:
        await self.count_creation(client)
        if settings.deck not in available_decks():
            raise AppError(
                "invalid_args",
                f"There is no deck {settings.deck!r}; decks: {', '.join(available_decks())}.",
                "no_such_deck",
            )
        try:
            decks = load_decks(settings.deck)
        except DeckError as e:  # the file's path is for the operator's log, not the caller
            log.error("deck %r cannot be played: %s", settings.deck, e)
            raise AppError(
                "invalid_args", f"The deck {settings.deck!r} cannot be played now.", "broken_deck"
            ) from None
        facilitator = new_token()
        tokens: dict[Role, str] = {
            "facilitator": facilitator,
            "screen": derived_token(facilitator, "screen"),
            "trainer": derived_token(facilitator, "trainer"),
        }
        seed = settings.seed if settings.seed is not None else secrets.randbits(63)
        for _ in range(20):  # the store's unique index decides, whichever server drew the code
            code, session_id = new_join_code(), new_session_id()
            first = create_session(
                session_id=session_id,
                join_code=code,
                settings=settings,
                decks=decks,
                seed=seed,
                time_scale=self.config.clock_scale,
                token_hashes={role: hash_token(t) for role, t in tokens.items()},
                now=self.clock.now(),
            )
            try:
                await self.store.create(session_id, code, first)
            except CodeTaken:
                continue
            self._hold(evolve(None, first))
            return Created(session_id, code, tokens, workshop=settings.tables is not None)
        raise AppError("rate_limited", "No free join code found; try again.")

    async def join(self, join_code: str, name: str, organisation: str, client: str) -> Joined:
        """Take a seat by code. Wrong codes from one address are counted; once there are too
        many, that address's tries are checked one at a time, slowly (never refused when right)."""
        await self._admit(client)
        if await self.failed_joins.full(client):
            async with self.guesses.turn(client):
                return await self._join(join_code, name, organisation, client)
        return await self._join(join_code, name, organisation, client)

    async def _admit(self, client: str) -> None:
        """Joins and claims from one address are counted together."""
        if await self.joins.full(client):
            raise AppError("rate_limited", "Too many tries from here; wait a minute and try again.")
        await self.joins.hit(client)

    async def _join(self, join_code: str, name: str, organisation: str, client: str) -> Joined:
        session_id = await self.store.find_code(join_code) if join_code else None
        table = await self.get(session_id) if session_id else None
        if table is None:
            await self.failed_joins.hit(client)
            raise AppError(
                "unknown_code",
                f"No session has the code {join_code[:8]!r}; check it with your facilitator.",
            )
        if table.state.tables:  # a workshop whose tables are formed: the smallest table
            table = await self._table_for_latecomer(table.state)
        token = new_token()
        args = {"name": name, "organisation": organisation, "token_hash": hash_token(token)}
        events, _ = await table.execute(Actor(None), "join", args)
        joined = next(e for e in events if isinstance(e, PlayerJoined))
        return Joined(table.session_id, joined.player_id, token)

    # --- workshops: several tables under one code -----------------------------------------

    async def form_tables(self, session_id: str, token: str | None) -> list[str]:
        """The facilitator confirms the proposal: each table becomes a session of its own (with
        the workshop's links and the players' own tokens), created whole before the workshop
        records it, so no phone is ever sent to a table that is not there yet."""
        workshop, actor = await self.staff_actor(session_id, token, "facilitator")
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
        args = {"tables": [{"session_id": s.session_id, "players": s.players} for s in specs]}
        try:
            await workshop.execute(actor, "form_tables", args)
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
            decks=load_decks(workshop.settings.deck),
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

    async def _table_for_latecomer(self, workshop: State) -> LiveTable:
        """A workshop's latecomer sits at the table with the fewest players that still plays."""
        open_tables = [t for t in await self._tables_of(workshop) if t.state.phase != "ended"]
        if not open_tables:
            raise AppError("invalid_args", "Every table of this workshop has finished.", "ended")
        return min(open_tables, key=lambda t: (len(t.state.players), t.state.table_no or 0))

    async def command_tables(
        self, session_id: str, token: str | None, name: str, args: dict[str, Any]
    ) -> list[TableResult]:
        """One command at every table of a workshop at once (start every timer, next round for
        all that are done, a message to the room): each table answers for itself."""
        workshop, _ = await self.staff_actor(session_id, token, "facilitator")
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
            child = await self.get(spec.session_id)
            actor = self.authenticate(child, token) if child else None
            if child is None or actor is None:
                missing = AppError("not_found", f"Table {spec.number} cannot be opened now.")
                return TableResult(spec.number, spec.session_id, error=missing)
            try:
                _, version = await child.execute(actor, name, args)
            except (Refusal, AppError) as e:
                return TableResult(spec.number, spec.session_id, error=e)
            return TableResult(spec.number, spec.session_id, version=version)

        return list(await asyncio.gather(*(one(s) for s in workshop.state.tables)))

    async def delete(self, session_id: str, token: str | None) -> None:
        """The first facilitator deletes a session; a workshop goes with every table."""
        table, actor = await self.staff_actor(session_id, token, "facilitator")
        if actor.facilitator_id not in (None, FIRST_FACILITATOR):
            raise AppError("forbidden", "Only the facilitator who created the session deletes it.")
        for spec in table.state.tables:
            await self.erase(spec.session_id)
        await self.erase(session_id)

    async def reissue_seat(self, session_id: str, token: str | None, player_id: str) -> Reissued:
        """A player's seat on a new device: the old token stops at once; the claim is shown to
        the facilitator (as a link and QR code) and works once."""
        table, actor = await self.staff_actor(session_id, token, "facilitator")
        claim = new_token()
        args = {"player_id": player_id, "claim_hash": hash_token(claim)}
        await table.execute(actor, "reissue_seat", args)
        return Reissued(player_id, claim)

    async def claim_seat(self, session_id: str, claim: str, client: str) -> Joined:
        await self._admit(client)
        table = await self.get(session_id)
        if table is None:
            raise AppError("not_found", "There is no session with this id (it may be deleted).")
        token = new_token()
        args = {"claim_hash": hash_token(claim), "token_hash": hash_token(token)}
        events, _ = await table.execute(Actor(None), "claim_seat", args)
        claimed = next(e for e in events if isinstance(e, SeatClaimed))
        return Joined(session_id, claimed.player_id, token)

    async def add_facilitator(
        self, session_id: str, token: str | None, label: str
    ) -> CoFacilitatorLink:
        """A second facilitator link with the same console; revocable by the first. A workshop's
        co-facilitator steers its tables too."""
        table, actor = await self.staff_actor(session_id, token, "facilitator")
        new = new_token()
        args = {"label": label, "token_hash": hash_token(new)}
        events, _ = await table.execute(actor, "add_facilitator", args)
        added = next(e for e in events if isinstance(e, FacilitatorAdded))
        for child in await self._tables_of(table.state):
            await child.execute(
                actor, "add_facilitator", {**args, "facilitator_id": added.facilitator_id}
            )
        return CoFacilitatorLink(
            added.facilitator_id, added.label, new, workshop=table.state.is_workshop
        )

    async def revoke_facilitator(
        self, session_id: str, token: str | None, facilitator_id: str
    ) -> None:
        table, actor = await self.staff_actor(session_id, token, "facilitator")
        gone = table.state.facilitators.get(facilitator_id)
        await table.execute(actor, "revoke_facilitator", {"facilitator_id": facilitator_id})
        for child in await self._tables_of(table.state):
            same = [
                f.id
                for f in child.state.facilitators.values()
                if gone and f.token_hash == gone.token_hash
            ]
            for fid in same:
                await child.execute(actor, "revoke_facilitator", {"facilitator_id": fid})
        for sid in (session_id, *(spec.session_id for spec in table.state.tables)):
            filed = await self.store.library_of(sid)
            if gone and filed and filed[1].filed_by == gone.token_hash:
                await self.store.unfile(sid)  # reading checks it too (a failure here is harmless)

    async def _tables_of(self, workshop: State) -> list[LiveTable]:
        found = [await self.get(spec.session_id) for spec in workshop.tables]
        return [t for t in found if t is not None]

    async def erase(self, session_id: str) -> None:
        """The session and its log, gone from this server, the store and every other server."""
        self._forget(session_id)
        await self.store.delete(session_id)
        self.bus.deadline(session_id, None)
        await self.bus.deleted(session_id)

    def _forget(self, session_id: str) -> None:
        table = self.tables.pop(session_id, None)
        if table is not None:
            table.close(close_code("deleted"), "session deleted")

    async def sweep(self) -> list[str]:
        """Delete sessions whose last event is older than the retention: their names and
        reflections are personal data."""
        cutoff = self.clock.now() - int(self.config.retention_days * DAY_MS)
        old = [r.session_id for r in await self.store.sessions() if r.updated_at < cutoff]
        for session_id in old:
            await self.erase(session_id)
        if old:
            log.info("retention: deleted %d sessions", len(old))
        return old

    async def health(self) -> int:
        """How many tables are live here, once the store has answered."""
        try:
            await self.store.find_code("-")
        except Exception as e:
            raise AppError("unavailable", "The event store does not answer.") from e
        return len(self.tables)

    # --- tokens -----------------------------------------------------------------------------

    def authenticate(self, table: LiveTable, token: str) -> Actor | None:
        """Which role (and player) a token stands for at this table, or None."""
        state = table.state
        for role in STAFF:
            if matches(token, state.token_hashes[role]):
                return Actor(role)
        for co in state.facilitators.values():
            if matches(token, co.token_hash):
                return Actor("facilitator", facilitator_id=co.id)
        for player in state.players.values():
            if matches(token, player.token_hash):
                return Actor("player", player.id, answer_key=answer_key(token))
        return None

    async def _identify(self, table: LiveTable, token: str) -> Actor | None:
        """`authenticate`, and with other servers about: a phone that joined through one of
        them a moment ago may be unknown here yet, so ask the store once before refusing."""
        actor = self.authenticate(table, token)
        if actor is None and self.bus.shared:
            await table.catch_up()
            actor = self.authenticate(table, token)
        return actor

    async def staff(self, session_id: str, token: str | None, *roles: Role) -> LiveTable:
        table, _ = await self.staff_actor(session_id, token, *roles)
        return table

    async def staff_actor(
        self, session_id: str, token: str | None, *roles: Role
    ) -> tuple[LiveTable, Actor]:
        table = await self.get(session_id) if len(session_id) <= 64 else None
        if table is None:
            raise AppError("not_found", "There is no session with this id (it may be deleted).")
        actor = self.authenticate(table, token) if token else None
        if actor is None and token and "trainer" in roles:  # a library's key opens its sessions
            filed = await self.store.library_of(session_id)
            if (
                filed is not None
                and matches(token, filed[0].key_hash)
                and still_filed(filed[1], table.state)
            ):
                actor = Actor("trainer")
        if actor is None or actor.role not in roles:
            raise AppError(
                "forbidden", f"This needs the {' or '.join(roles)} link of this session."
            )
        return table, actor

    # --- reading the log (facilitator, trainer; the command line as the operator) ------------

    async def events(self, session_id: str, token: str | None) -> list[dict[str, Any]]:
        await self.staff(session_id, token, "facilitator", "trainer")
        return [public_dict(e) for e in await self.store.load(session_id)]

    async def replay(
        self, session_id: str, token: str | None, version: int, viewer: str
    ) -> dict[str, Any]:
        """The session as `viewer` (trainer, facilitator, screen or a player id) saw it right
        after event `version`: the same fold the live table uses, stopped early."""
        await self.staff(session_id, token, "facilitator", "trainer")
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

    async def tokens(self, session_id: str, token: str | None) -> dict[Role, str]:
        """Every link's token of the session, for its facilitator (on any device). Sessions made
        before the screen's and trainer's tokens followed from the facilitator's have only that."""
        table = await self.staff(session_id, token, "facilitator")
        assert token is not None
        found: dict[Role, str] = {"facilitator": token}
        for role in ("screen", "trainer"):
            candidate = derived_token(token, role)
            if matches(candidate, table.state.token_hashes[role]):
                found[role] = candidate
        return found

    async def export(self, session_id: str, token: str | None, fmt: str) -> Download:
        table = await self.staff(session_id, token, "facilitator", "trainer")
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
        table = await self.staff(session_id, token, "facilitator", "trainer")
        ids = [spec.session_id for spec in table.state.tables] or [session_id]
        states = [fold(events) for sid in ids if (events := await self.store.load(sid))]
        return len(states), charts(states, language)

    async def debrief(self, session_id: str, fmt: str) -> Download | None:
        """The operator's export (`theater replay`): whoever can read the store may read this."""
        events = await self.store.load(session_id)
        return render(fold(events), events, fmt) if events else None

    # --- live viewers -----------------------------------------------------------------------

    def open_socket(self, client: str) -> None:
        """A transport opened a stream for `client` (before any hello): count it."""
        if self.sockets[client] >= self.config.sockets_per_address:
            raise AppError("too_many_sockets", "Too many connections from this address.")
        self.sockets[client] += 1

    def open_streams(self) -> int:
        """Sockets and fallback streams open here, hello or not."""
        return sum(self.sockets.values())

    def close_socket(self, client: str) -> None:
        self.streams_closed += 1
        self.sockets[client] -= 1
        if self.sockets[client] <= 0:
            del self.sockets[client]

    async def connect(self, session_id: str, token: str, language: str | None = None) -> Seat:
        """A viewer says hello: their seat, with the welcome and the first state in its outbox.
        A token with too many seats open gives up its oldest (a phone that came back)."""
        if self.draining:
            raise AppError("restarting", "This server is restarting; connect again.")
        table, actor = await self._viewer(session_id, token)
        token_hash = hash_token(token)
        if await self.reconnects.full(token_hash):
            raise AppError(
                "too_many_sockets", "This link connected too often; wait a minute.", "reconnects"
            )
        await self.reconnects.hit(token_hash)
        same = [s for s in table.seats if s.token_hash == token_hash]
        for old in same[: max(0, len(same) - self.config.sockets_per_token + 1)]:
            table.detach(old)
            old.outbox.close(close_code("replaced"), "a newer connection took over")
        seat = Seat(
            actor=actor,
            outbox=Outbox(self.config.send_queue),
            token_hash=token_hash,
            bucket=TokenBucket(self.config.commands_per_second, self.config.command_burst),
            language=language if language in LANGUAGES else None,
        )
        welcome = Welcome(
            role=actor.role,
            player_id=actor.player_id,
            facilitator_id=(actor.facilitator_id or FIRST_FACILITATOR)
            if actor.role == "facilitator"
            else None,
            session_id=session_id,
        )
        seat.outbox.put(welcome.model_dump_json())
        table.attach(seat)
        return seat

    async def _viewer(self, session_id: str, token: str) -> tuple[LiveTable, Actor]:
        table = await self.get(session_id)
        if table is None:
            raise AppError("not_found", "There is no session with this id (it may be deleted).")
        actor = await self._identify(table, token)
        if actor is None:
            if any(matches(token, p.token_hash) for p in table.state.departed.values()):
                # a phone that was away when its player was removed hears why, not "bad link"
                raise AppError("removed", "The facilitator removed this player from the table.")
            raise AppError("bad_token", "This token does not open this session.")
        return table, actor

    async def visitor(self, session_id: str, token: str) -> Seat:
        """A viewer sending one frame over plain HTTP (the fallback transport): a seat attached
        to nothing, with the token's own frame budget, on whichever server the request reached."""
        table, actor = await self._viewer(session_id, token)
        token_hash = hash_token(token)
        bucket = self.http_budget(token_hash)
        seat = Seat(actor=actor, outbox=Outbox(1), token_hash=token_hash, bucket=bucket)
        seat.table = table
        return seat

    def http_budget(self, key: str) -> TokenBucket:
        """The frames-per-second budget of one token (by its hash) on the fallback transport;
        the least recently used are forgotten beyond 10,000."""
        bucket = self.http_buckets.pop(key, None) or TokenBucket(
            self.config.commands_per_second, self.config.command_burst
        )
        self.http_buckets[key] = bucket
        while len(self.http_buckets) > 10_000:
            del self.http_buckets[next(iter(self.http_buckets))]
        return bucket

    def disconnect(self, seat: Seat) -> None:
        if seat.table is not None:
            seat.table.detach(seat)
        seat.outbox.close()

    async def command(self, seat: Seat, name: str, args: dict[str, Any]) -> int:
        """Run a command as the seat's viewer; returns the version it produced. Raises
        `game.Refusal` or `AppError`, and then nothing changed."""
        table = seat.table
        if table is None:
            raise AppError("deleted", "This session is gone.")
        if table.closed:
            raise table.gone
        _, version = await table.execute(seat.actor, name, args)
        return version

    def choose_language(self, seat: Seat, language: str) -> None:
        """The viewer switched language: their cards and questions follow."""
        seat.language = language if language in LANGUAGES else None
        if seat.table is not None:
            seat.table.send_state(seat)

    # --- what the other servers say (the bus's listener) ------------------------------------

    async def on_version(self, session_id: str, version: int) -> None:
        """Only a table held here catches up: a server with nobody at a table reads none of it."""
        table = self.tables.get(session_id)
        if table is not None and table.state.version < version:
            await table.catch_up()

    def on_presence(self, session_id: str, online_elsewhere: frozenset[str]) -> None:
        table = self.tables.get(session_id)
        if table is not None:
            table.set_elsewhere(online_elsewhere)

    async def on_deleted(self, session_id: str) -> None:
        self._forget(session_id)

    async def on_handed_over(self, session_id: str) -> None:
        """A draining server let this table go with its timer running: one server takes it now
        (its timer armed to the millisecond), not after the hand-over's grace."""
        if (
            not self.draining
            and session_id not in self.tables
            and await self.bus.claim(session_id, 0)  # moment 0: the hand-over itself
        ):
            await self.get(session_id)

    async def resync(self) -> None:
        for table in list(self.tables.values()):
            await table.catch_up()
        await self.recover()

    def local_presence(self) -> dict[str, frozenset[str]]:
        return {sid: frozenset(t.shown) for sid, t in self.tables.items() if t.shown}

    async def maintain(self, sweep_every_s: float = 3600) -> None:
        """For the server's life: the retention sweep hourly, idle tables out of memory."""
        evict_every_s = min(30.0, max(0.5, self.config.evict_after_s / 2))
        last_sweep = -sweep_every_s
        loop = asyncio.get_running_loop()
        while True:
            if loop.time() - last_sweep >= sweep_every_s:
                last_sweep = loop.time()
                try:
                    await self.sweep()
                except Exception:
                    log.exception("retention sweep failed; trying again later")
            self.evict()
            await asyncio.sleep(evict_every_s)
