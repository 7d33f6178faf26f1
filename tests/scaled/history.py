"""What the clients saw, checked against the log afterwards (after Jepsen's Elle, for our model):
every command a client saw acknowledged is in the log exactly once, versions have no gap, no event
is in the log that no client or timer caused, timers fired once each and on time, and every
phone's last view is exactly `view()` of the fold of the log.

The clients roam as pages behind a balancer do: when a server sends a socket away (1012) or dies,
the client reconnects at once to another server and counts how long it was without a state.
"""

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
import websockets

from game import Actor, Event, fold
from game.events import MessageSent, parse_event
from game.view import view
from tests.app.server import Client, Server, Session


@dataclass
class Roamer:
    """One viewer that stays connected to whichever of `servers` is up, as a page does."""

    session: Session
    who: str  # a role or a player's name
    servers: list[Server]
    at: int = 0  # index of the server it tries first
    client: Client | None = None
    gaps: list[float] = field(default_factory=list)  # seconds without a state, per move
    closes: Counter[int | None] = field(default_factory=Counter)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> "Roamer":
        self.client = await self._connect()
        self._task = asyncio.create_task(self._roam())
        return self

    async def _connect(self) -> Client:
        for i in itertools.count():
            server = self.servers[(self.at + i) % len(self.servers)]
            client = self.session.client(self.who, server)
            try:
                await client.connect()
            except (OSError, ConnectionError, websockets.InvalidStatus, TimeoutError):
                await asyncio.sleep(0.02 if i % len(self.servers) else 0.1)
                continue
            self.at = (self.at + i) % len(self.servers)
            return client
        raise AssertionError("unreachable")

    async def _roam(self) -> None:
        while True:
            assert self.client is not None and self.client.reader is not None
            await asyncio.shield(self.client.reader)
            gone = time.monotonic()
            self.closes[self.client.closed_code] += 1
            self.at += 1  # the balancer sends it elsewhere (or, if that one is down, on)
            self.client = await self._connect()
            self.gaps.append(time.monotonic() - gone)

    @property
    def view(self) -> dict[str, Any]:
        assert self.client is not None
        return self.client.view

    async def command(self, name: str, **args: Any) -> str:
        """'ack', 'error' or 'unknown' (the socket closed before an answer came)."""
        client = self.client
        assert client is not None
        try:
            answer = await client.command(name, **args)
        except (ConnectionError, websockets.ConnectionClosed, TimeoutError):
            return "unknown"
        return "ack" if answer["type"] == "ack" else "error"

    async def until(self, predicate: Any, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            client = self.client
            assert client is not None
            with contextlib.suppress(ConnectionError, AssertionError):
                return await client.until(predicate, min(1.0, deadline - time.monotonic()))
            assert time.monotonic() < deadline, f"{self.who}: no matching state"
            await asyncio.sleep(0.02)

    async def reaches(self, version: int, timeout: float = 20) -> None:
        """Wait until this viewer's last state is at `version` (or later)."""
        deadline = time.monotonic() + timeout
        while self.client is None or self.client.version < version:
            assert time.monotonic() < deadline, f"{self.who}: stuck before version {version}"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.client is not None:
            await self.client.close()


@dataclass
class Sent:
    """Commands whose effect is one recognisable event (a message with a unique text)."""

    outcomes: dict[str, str] = field(default_factory=dict)  # text -> ack / error / unknown

    async def message(self, by: Roamer, text: str) -> None:
        self.outcomes[text] = await by.command("send_message", text=text)


async def stored(database: str, session_id: str) -> list[Event]:
    """The session's log, checked to have no gap in its versions."""
    db = await asyncpg.connect(database)
    try:
        rows = await db.fetch(
            "SELECT version, body FROM events WHERE session_id = $1 ORDER BY version", session_id
        )
    finally:
        await db.close()
    assert [r["version"] for r in rows] == list(range(1, len(rows) + 1)), "a gap in the log"
    return [parse_event(r["body"]) for r in rows]


def check(events: list[Event], before: int, sent: Sent, roamers: list[Roamer]) -> dict[str, Any]:
    """Assert the history holds; `before`: the version the test had reached before its faults
    (what follows may only be the test's messages and the timer's events). Returns what it
    measured, for the test's printout."""
    after = Counter(e.type for e in events[before:])
    unexplained = set(after) - {"message_sent", "warning_given", "time_up"}
    assert not unexplained, f"events nobody caused: {unexplained}"
    logged = Counter(e.text for e in events if isinstance(e, MessageSent))
    assert max(logged.values(), default=1) == 1, f"applied twice: {logged.most_common(3)}"
    assert set(logged) <= set(sent.outcomes), "a message in the log that nobody sent"
    acked = {t for t, o in sent.outcomes.items() if o == "ack"}
    assert acked <= set(logged), f"acknowledged but lost: {acked - set(logged)}"
    refused = {t for t, o in sent.outcomes.items() if o == "error"}
    assert not refused & set(logged), "refused, yet applied"

    state = fold(events)
    for roamer in roamers:  # every viewer ends on the log's last state, exactly as view() says
        client = roamer.client
        assert client is not None
        assert client.version == len(events), (roamer.who, client.version, len(events))
        last = next(f for f in reversed(client.frames) if f["type"] == "state")
        online = [p["id"] for p in client.view["players"] if p["connected"]]
        expected = view(state, actor_of(roamer), last["server_now"], online)
        assert orjson.loads(orjson.dumps(expected)) == client.view, roamer.who

    return {
        "events": len(events),
        "acked": len(acked),
        "unknown": sum(o == "unknown" for o in sent.outcomes.values()),
        "refused": len(refused),
        "moves": sum(len(r.gaps) for r in roamers),
        "slowest_move_s": round(max((g for r in roamers for g in r.gaps), default=0), 3),
    }


def actor_of(roamer: Roamer) -> Actor:
    if roamer.who in ("facilitator", "screen", "trainer"):
        return Actor(roamer.who)  # type: ignore[arg-type]
    return Actor("player", roamer.session.players[roamer.who]["player_id"])


def timer_lateness(events: list[Event], deadline: int, warn_ms: int) -> dict[str, int]:
    """How late (ms) the warning and the time-up were logged; each must be there exactly once."""
    warned = [e for e in events if e.type == "warning_given"]
    up = [e for e in events if e.type == "time_up"]
    assert len(warned) == 1 and len(up) == 1, (len(warned), len(up))
    return {"warning": warned[0].at - (deadline - warn_ms), "time_up": up[0].at - deadline}
