"""Live viewers: the sockets and streams open per address, a hello that becomes a seat at a
table (its welcome and first state in its outbox), the commands a seat sends, its language, and
the fallback transport's frame budget per token."""

import time
from collections import Counter
from typing import Any

from app.clock import Clock
from app.cluster import Window
from app.config import Config
from app.errors import AppError, close_code
from app.service.access import Access
from app.service.limits import TokenBucket
from app.service.live import LiveTable, Seat
from app.service.outbox import Outbox
from app.service.tables import Tables
from app.tokens import hash_token, matches
from app.wire.protocol import Welcome
from game import Actor
from game.commands import FIRST_FACILITATOR

LANGUAGES = ("nl", "en")
SHORT_LIVED_S = 1.0  # a stream closed this soon after opening: the collector looks (gcpause)


class Seats:
    def __init__(self, tables: Tables, access: Access, config: Config, clock: Clock) -> None:
        self.tables, self.access, self.config, self.clock = tables, access, config, clock
        self.reconnects = Window(config.sockets_per_token * 10)
        self.sockets: Counter[str] = Counter()  # open sockets (with or without hello) per address
        self.streams_closed = 0  # since start: their cycles wait for the collector (gcpause)
        self.short_lived = 0  # of those, closed within SHORT_LIVED_S of opening
        self.http_buckets: dict[str, TokenBucket] = {}  # fallback transport: per token hash

    def open_socket(self, client: str) -> float:
        """A transport opened a stream for `client` (before any hello): count it. Returns the
        moment, for `close_socket`."""
        if self.sockets[client] >= self.config.sockets_per_address:
            raise AppError("too_many_sockets", "Too many connections from this address.")
        self.sockets[client] += 1
        return time.monotonic()

    def open_streams(self) -> int:
        """Sockets and fallback streams open here, hello or not."""
        return sum(self.sockets.values())

    def close_socket(self, client: str, opened: float) -> None:
        self.streams_closed += 1
        if time.monotonic() - opened < SHORT_LIVED_S:  # its cycles may not be frozen yet
            self.short_lived += 1
        self.sockets[client] -= 1
        if self.sockets[client] <= 0:
            del self.sockets[client]

    async def connect(self, session_id: str, token: str, language: str | None = None) -> Seat:
        """A viewer says hello: their seat, with the welcome and the first state in its outbox.
        A token with too many seats open gives up its oldest (a phone that came back)."""
        if self.tables.draining:
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
        table = await self.tables.load(session_id)
        if table is None:
            raise AppError("not_found", "There is no session with this id (it may be deleted).")
        actor = await self.access.identify(table, token)
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

    def resync(self, seat: Seat) -> None:
        """The client lost track of its view (a patch that does not fit what it holds): the
        whole view again, and patches from there."""
        if seat.table is not None:
            seat.table.send_state(seat)

    def choose_language(self, seat: Seat, language: str) -> None:
        """The viewer switched language: their cards and questions follow."""
        seat.language = language if language in LANGUAGES else None
        if seat.table is not None:
            seat.table.send_state(seat)
