"""All live tables of this server: creating sessions, joining, finding, deleting, recovering."""

import asyncio
import logging
import secrets
from collections.abc import Coroutine
from typing import Any

from app.clock import now_ms
from app.config import Config
from app.fanout import PRESENCE_EVERY_S, Fanout, Presence
from app.store import CodeTaken, EventStore
from app.table import Table
from app.tokens import hash_token, matches, new_join_code, new_session_id, new_token
from cards import load_deck
from game import Actor, GameError, Role, Settings, create_session, evolve
from game.events import PlayerJoined

log = logging.getLogger("theater.sessions")

DAY_MS = 24 * 3600 * 1000


class Sessions:
    def __init__(self, store: EventStore, config: Config, fanout: Fanout | None = None) -> None:
        self.store = store
        self.config = config
        self.fanout = fanout
        self.presence = Presence()
        self.tables: dict[str, Table] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _add(self, table: Table) -> Table:
        """Hold a table here, telling the other servers (if any) about its changes."""
        fanout = self.fanout
        if fanout is not None:
            table.on_version = lambda sid, v: self._spawn(fanout.version(sid, v))
            table.on_presence = lambda sid, online: self._spawn(fanout.presence(sid, online))
            table.elsewhere = self.presence.online(table.session_id)
        self.tables[table.session_id] = table
        table.schedule()
        return table

    # --- the fan-out's side: what other servers did -----------------------------------------

    def listen(self) -> None:
        if self.fanout is not None:
            self.fanout.start(self)
            self._spawn(self._announce_presence_forever())

    async def on_version(self, session_id: str, version: int) -> None:
        table = await self.get(session_id)  # held here from now on: its timer fires here too
        if table is not None and table.state.version < version:
            await table.catch_up()

    async def on_presence(self, session_id: str, server: str, online: frozenset[str]) -> None:
        self.presence.update(session_id, server, online)
        table = self.tables.get(session_id)
        if table is not None:
            table.set_elsewhere(self.presence.online(session_id))

    async def on_deleted(self, session_id: str) -> None:
        table = self.tables.pop(session_id, None)
        if table is not None:
            await table.close(4410, "session deleted")

    async def resync(self) -> None:
        """After (re)connecting to Redis: catch up everything that was missed."""
        for table in list(self.tables.values()):
            await table.catch_up()
        await self.recover()

    async def _announce_presence_forever(self) -> None:
        assert self.fanout is not None
        while True:
            await asyncio.sleep(PRESENCE_EVERY_S)
            for table in list(self.tables.values()):
                if table.online:
                    await self.fanout.presence(table.session_id, frozenset(table.online))
                table.set_elsewhere(self.presence.online(table.session_id))  # forget the quiet

    async def recover(self) -> int:
        """Load every unfinished session so its timer fires even if nobody reconnects."""
        rows = [r for r in await self.store.sessions() if not r.ended]
        for row in rows:
            await self.get(row.session_id)
        return len(rows)

    async def get(self, session_id: str) -> Table | None:
        table = self.tables.get(session_id)
        if table is not None:
            return table
        lock = self._loading.setdefault(session_id, asyncio.Lock())
        async with lock:
            table = self.tables.get(session_id)
            if table is None:
                table = await Table.load(session_id, self.store)
                if table is not None:
                    self._add(table)
        return table

    async def create(self, settings: Settings) -> tuple[Table, dict[Role, str]]:
        tokens: dict[Role, str] = {r: new_token() for r in ("facilitator", "screen", "trainer")}
        deck = load_deck(settings.deck, settings.language)
        seed = settings.seed if settings.seed is not None else secrets.randbits(63)
        for _ in range(20):  # the store's unique index decides, whichever server drew the code
            code, session_id = new_join_code(), new_session_id()
            first = create_session(
                session_id=session_id,
                join_code=code,
                settings=settings,
                deck=deck,
                seed=seed,
                time_scale=self.config.clock_scale,
                token_hashes={role: hash_token(t) for role, t in tokens.items()},
                now=now_ms(),
            )
            try:
                await self.store.create(session_id, code, first)
            except CodeTaken:
                continue
            return self._add(Table(evolve(None, first), self.store)), tokens
        raise GameError("rate_limited", "No free join code found; try again.")

    async def join(self, join_code: str, name: str, organisation: str) -> tuple[Table, str, str]:
        session_id = await self.store.find_code(join_code)
        table = await self.get(session_id) if session_id else None
        if table is None:
            raise LookupError(join_code)
        token = new_token()
        args = {"name": name, "organisation": organisation, "token_hash": hash_token(token)}
        events, _ = await table.execute(Actor(None), "join", args)
        joined = next(e for e in events if isinstance(e, PlayerJoined))
        return table, joined.player_id, token

    def authenticate(self, table: Table, token: str) -> Actor | None:
        """Which role (and player) a token stands for at this table, or None."""
        state = table.state
        roles: tuple[Role, ...] = ("facilitator", "screen", "trainer")
        for role in roles:
            if matches(token, state.token_hashes[role]):
                return Actor(role)
        for player in state.players.values():
            if matches(token, player.token_hash):
                return Actor("player", player.id)
        return None

    async def identify(self, table: Table, token: str) -> Actor | None:
        """`authenticate`, and with other servers about: a phone that joined through one of
        them a moment ago may be unknown here yet, so ask the store once before refusing."""
        actor = self.authenticate(table, token)
        if actor is None and self.fanout is not None:
            await table.catch_up()
            actor = self.authenticate(table, token)
        return actor

    async def delete(self, session_id: str) -> bool:
        await self.on_deleted(session_id)
        deleted = await self.store.delete(session_id)
        if self.fanout is not None:
            await self.fanout.deleted(session_id)  # names and reflections go from every server
        return deleted

    async def sweep(self) -> list[str]:
        """Delete sessions untouched for longer than the retention: their names and reflections
        are personal data."""
        cutoff = now_ms() - int(self.config.retention_days * DAY_MS)
        old = [r.session_id for r in await self.store.sessions() if r.updated_at < cutoff]
        for session_id in old:
            await self.delete(session_id)
        if old:
            log.info("retention: deleted %d sessions", len(old))
        return old

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for table in list(self.tables.values()):
            await table.close(1012, "server restarting")
        self.tables.clear()


def require_role(table: Table, sessions: Sessions, token: str | None, *roles: Role) -> Actor:
    actor = sessions.authenticate(table, token) if token else None
    if actor is None or actor.role not in roles:
        raise GameError("forbidden", f"This needs the {' or '.join(roles)} link of this session.")
    return actor
