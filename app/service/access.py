"""Who a token stands for: a role at a table (staff links, co-facilitators, players), or a trainer
by a library's key for the sessions filed there. Every use case asks here before it acts."""

import hashlib
import hmac

from app.errors import AppError
from app.reading.library import still_filed
from app.service.live import LiveTable
from app.service.tables import Tables
from app.stores import EventStore
from app.tokens import matches
from game import Actor, Role

STAFF: tuple[Role, ...] = ("facilitator", "screen", "trainer")


def answer_key(token: str) -> str:
    """A key only the holder of a player's token can derive (the store keeps just its SHA-256):
    it marks their anonymous answers so that they, and nobody else, can find them again."""
    return hmac.new(token.encode(), b"theater:anonymous-answers", hashlib.sha256).hexdigest()


class Access:
    def __init__(self, tables: Tables, store: EventStore) -> None:
        self.tables, self.store = tables, store

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

    async def identify(self, table: LiveTable, token: str) -> Actor | None:
        """`authenticate`, and where another server may have written the table: a phone that
        joined through it a moment ago may be unknown here yet, so ask the store once before
        refusing."""
        actor = self.authenticate(table, token)
        if actor is None and self.tables.bus.written_elsewhere(table.session_id):
            await table.catch_up()
            actor = self.authenticate(table, token)
        return actor

    async def staff(self, session_id: str, token: str | None, *roles: Role) -> LiveTable:
        table, _ = await self.staff_actor(session_id, token, *roles)
        return table

    async def staff_actor(
        self, session_id: str, token: str | None, *roles: Role
    ) -> tuple[LiveTable, Actor]:
        table = await self.tables.load(session_id) if len(session_id) <= 64 else None
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
