"""All live tables of this server: creating sessions, joining, finding, deleting, recovering."""

import asyncio
import logging
import secrets

from app.clock import now_ms
from app.config import Config
from app.store import EventStore
from app.table import Table
from app.tokens import hash_token, matches, new_join_code, new_session_id, new_token
from cards import load_deck
from game import Actor, GameError, Role, Settings, create_session, evolve
from game.events import PlayerJoined

log = logging.getLogger("theater.sessions")

DAY_MS = 24 * 3600 * 1000


class Sessions:
    def __init__(self, store: EventStore, config: Config) -> None:
        self.store = store
        self.config = config
        self.tables: dict[str, Table] = {}
        self._loading: dict[str, asyncio.Lock] = {}

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
                    self.tables[session_id] = table
                    table.schedule()
        return table

    async def create(self, settings: Settings) -> tuple[Table, dict[Role, str]]:
        tokens: dict[Role, str] = {r: new_token() for r in ("facilitator", "screen", "trainer")}
        deck = load_deck(settings.deck, settings.language)
        for _ in range(20):
            code = new_join_code()
            if await self.store.find_code(code) is None:
                break
        session_id = new_session_id()
        first = create_session(
            session_id=session_id,
            join_code=code,
            settings=settings,
            deck=deck,
            seed=settings.seed if settings.seed is not None else secrets.randbits(63),
            time_scale=self.config.clock_scale,
            token_hashes={role: hash_token(t) for role, t in tokens.items()},
            now=now_ms(),
        )
        await self.store.create(session_id, code, first)
        table = Table(evolve(None, first), self.store)
        self.tables[session_id] = table
        return table, tokens

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

    async def delete(self, session_id: str) -> bool:
        table = self.tables.pop(session_id, None)
        if table is not None:
            await table.close(4410, "session deleted")
        return await self.store.delete(session_id)

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
        for table in list(self.tables.values()):
            await table.close(1012, "server restarting")
        self.tables.clear()


def require_role(table: Table, sessions: Sessions, token: str | None, *roles: Role) -> Actor:
    actor = sessions.authenticate(table, token) if token else None
    if actor is None or actor.role not in roles:
        raise GameError("forbidden", f"This needs the {' or '.join(roles)} link of this session.")
    return actor
