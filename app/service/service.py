"""The composition of the use cases, and the sessions' own: create, join, claim a seat on a new
device, co-facilitators, delete, the retention sweep. Every transport and the command line call
through it; each part takes the table registry and the ports it needs, never the whole service:

- `tables` (`tables.py`): the live tables held here, recovery, the bus's listener, the drain;
- `access` (`access.py`): who a token stands for;
- `seats` (`seats.py`): sockets and streams, hellos, a seat's commands;
- `workshops` (`workshops.py`): forming tables, steering them together;
- `logs` and `libraries` (`app/reading/`): the read side.
"""

import asyncio
import logging
import secrets

from app.clock import Clock
from app.cluster import Cluster
from app.config import Config
from app.errors import AppError
from app.reading.decks import Decks
from app.reading.library import Libraries
from app.reading.logs import Logs
from app.results import CoFacilitatorLink, Created, Joined, Reissued
from app.service.access import Access
from app.service.limits import GuessGate
from app.service.live import LiveTable
from app.service.seats import Seats
from app.service.tables import Tables
from app.service.workshops import Workshops
from app.stores import CodeTaken, EventStore
from app.tokens import (
    derived_token,
    hash_token,
    matches,
    new_join_code,
    new_session_id,
    new_token,
)
from cards import DeckError, available_decks, load_decks
from game import (
    Actor,
    Deck,
    Role,
    Settings,
    create_session,
    evolve,
)
from game.commands import FIRST_FACILITATOR
from game.decide import ADD_FACILITATOR, CLAIM_SEAT, JOIN, REISSUE_SEAT, REVOKE_FACILITATOR
from game.events import FacilitatorAdded, Knocked, PlayerJoined, SeatClaimed

log = logging.getLogger("theater.service")

DAY_MS = 24 * 3600 * 1000


class Service:
    def __init__(self, config: Config, store: EventStore, cluster: Cluster, clock: Clock) -> None:
        self.config, self.store, self.cluster, self.clock = config, store, cluster, clock
        self.tables = Tables(config, store, cluster, clock)
        self.access = Access(self.tables, store)
        self.logs = Logs(self.access, store)
        self.workshops = Workshops(self.tables, self.access, store, clock)
        self.seats = Seats(self.tables, self.access, config, clock)
        limits = cluster.limits
        self.joins = limits.window("joins", config.joins_per_minute)
        self.failed_joins = limits.window("failed_joins", config.failed_joins_per_minute)
        self.creations = limits.window("sessions", config.sessions_per_minute)
        self.guesses = GuessGate(config.guess_spacing_s)
        self.libraries = Libraries(self, self.access)
        self.decks = Decks(store, clock, self.libraries.open)

    async def start(self) -> int:
        """Open the store, recover, listen to the other servers (`Tables.start`)."""
        return await self.tables.start()

    async def close(self) -> None:
        await self.tables.close()

    async def get(self, session_id: str) -> LiveTable | None:
        """The live table, loaded from the store if needed (`Tables.load`)."""
        return await self.tables.load(session_id)

    # --- sessions ---------------------------------------------------------------------------

    async def count_creation(self, client: str) -> None:
        """Sessions and libraries created from one address are counted together."""
        if await self.creations.full(client):
            raise AppError("rate_limited", "Too many sessions created from here; wait a minute.")
        await self.creations.hit(client)

    async def create(
        self, settings: Settings, client: str, decks: dict[str, Deck] | None = None
    ) -> Created:
        """A new session with the repository's deck `settings.deck`, or with `decks` (a library's
        own deck, the version in `settings.deck_version`)."""
        await self.count_creation(client)
        if decks is None:
            decks = self._repository_deck(settings)
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
            self.tables.hold(evolve(None, first))
            return Created(session_id, code, tokens, workshop=settings.tables is not None)
        raise AppError("rate_limited", "No free join code found; try again.")

    @staticmethod
    def _repository_deck(settings: Settings) -> dict[str, Deck]:
        if settings.deck not in available_decks() or settings.deck_version is not None:
            raise AppError(
                "invalid_args",
                f"There is no deck {settings.deck!r}; decks: {', '.join(available_decks())} (a "
                "library's own decks are played from the library).",
                "no_such_deck",
            )
        try:
            return load_decks(settings.deck)
        except DeckError as e:  # the file's path is for the operator's log, not the caller
            log.error("deck %r cannot be played: %s", settings.deck, e)
            raise AppError(
                "invalid_args", f"The deck {settings.deck!r} cannot be played now.", "broken_deck"
            ) from None

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
        knock = table.state.locked  # a locked workshop: its tables' newcomers ask too
        if table.state.tables:  # a workshop whose tables are formed: the smallest table
            table = await self.workshops.table_for_latecomer(table.state)
        token = new_token()
        args = JOIN.make(
            name=name, organisation=organisation, token_hash=hash_token(token), knock=knock
        )
        outcome = await table.execute(Actor(None), JOIN, args)
        if isinstance(outcome.events[0], Knocked):
            return Joined(table.session_id, None, token)
        return Joined(table.session_id, outcome.one(PlayerJoined).player_id, token)

    async def admission(self, session_id: str, token: str | None) -> tuple[str, str | None]:
        """A newcomer who asked to join: ("waiting", None), ("admitted", player id), or
        ("refused", None) once the facilitator turned them away."""
        table = await self.get(session_id)
        if table is None or not token:
            raise AppError("not_found", "There is no session with this id (it may be deleted).")
        state = table.state
        for player in state.players.values():
            if matches(token, player.token_hash):
                return "admitted", player.id
        if any(matches(token, k.token_hash) for k in state.knocking.values()):
            return "waiting", None
        return "refused", None

    async def delete(self, session_id: str, token: str | None) -> None:
        """The first facilitator deletes a session; a workshop goes with every table."""
        table, actor = await self.access.staff_actor(session_id, token, "facilitator")
        if actor.facilitator_id not in (None, FIRST_FACILITATOR):
            raise AppError("forbidden", "Only the facilitator who created the session deletes it.")
        for spec in table.state.tables:
            await self.erase(spec.session_id)
        await self.erase(session_id)

    async def reissue_seat(self, session_id: str, token: str | None, player_id: str) -> Reissued:
        """A player's seat on a new device: the old token stops at once; the claim is shown to
        the facilitator (as a link and QR code) and works once."""
        table, actor = await self.access.staff_actor(session_id, token, "facilitator")
        claim = new_token()
        args = REISSUE_SEAT.make(player_id=player_id, claim_hash=hash_token(claim))
        await table.execute(actor, REISSUE_SEAT, args)
        return Reissued(player_id, claim)

    async def claim_seat(self, session_id: str, claim: str, client: str) -> Joined:
        await self._admit(client)
        table = await self.get(session_id)
        if table is None:
            raise AppError("not_found", "There is no session with this id (it may be deleted).")
        token = new_token()
        args = CLAIM_SEAT.make(claim_hash=hash_token(claim), token_hash=hash_token(token))
        claimed = (await table.execute(Actor(None), CLAIM_SEAT, args)).one(SeatClaimed)
        return Joined(session_id, claimed.player_id, token)

    async def add_facilitator(
        self, session_id: str, token: str | None, label: str
    ) -> CoFacilitatorLink:
        """A second facilitator link with the same console; revocable by the first. A workshop's
        co-facilitator steers its tables too."""
        table, actor = await self.access.staff_actor(session_id, token, "facilitator")
        new = new_token()
        args = ADD_FACILITATOR.make(label=label, token_hash=hash_token(new))
        added = (await table.execute(actor, ADD_FACILITATOR, args)).one(FacilitatorAdded)
        same = args.model_copy(update={"facilitator_id": added.facilitator_id})
        for child in await self.tables.of(table.state):
            await child.execute(actor, ADD_FACILITATOR, same)
        return CoFacilitatorLink(
            added.facilitator_id, added.label, new, workshop=table.state.is_workshop
        )

    async def revoke_facilitator(
        self, session_id: str, token: str | None, facilitator_id: str
    ) -> None:
        table, actor = await self.access.staff_actor(session_id, token, "facilitator")
        gone = table.state.facilitators.get(facilitator_id)
        revoke = REVOKE_FACILITATOR.make(facilitator_id=facilitator_id)
        await table.execute(actor, REVOKE_FACILITATOR, revoke)
        for child in await self.tables.of(table.state):
            same = [
                f.id
                for f in child.state.facilitators.values()
                if gone and f.token_hash == gone.token_hash
            ]
            for fid in same:
                await child.execute(
                    actor, REVOKE_FACILITATOR, REVOKE_FACILITATOR.make(facilitator_id=fid)
                )
        for sid in (session_id, *(spec.session_id for spec in table.state.tables)):
            filed = await self.store.library_of(sid)
            if gone and filed and filed[1].filed_by == gone.token_hash:
                await self.store.unfile(sid)  # reading checks it too (a failure here is harmless)

    async def erase(self, session_id: str) -> None:
        """The session and its log, gone from this server, the store and every other server."""
        self.tables.forget(session_id)
        await self.store.delete(session_id)
        self.cluster.timers.deadline(session_id, None)
        await self.cluster.bus.deleted(session_id)

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

    # --- links ---

    async def tokens(self, session_id: str, token: str | None) -> dict[Role, str]:
        """Every link's token of the session, for its facilitator (on any device). Sessions made
        before the screen's and trainer's tokens followed from the facilitator's have only that."""
        table = await self.access.staff(session_id, token, "facilitator")
        assert token is not None
        found: dict[Role, str] = {"facilitator": token}
        for role in ("screen", "trainer"):
            candidate = derived_token(token, role)
            if matches(candidate, table.state.token_hashes[role]):
                found[role] = candidate
        return found

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
            self.tables.evict()
            await asyncio.sleep(evict_every_s)
