"""The ports between servers, each with a local implementation (one server: nobody to tell, or
count in memory) and a Redis one (several servers), chosen together in `open_cluster`:

- the bus: a session's appended events with their version, its deletion, a hand-over (fan-out)
  and who is online where (presence), all over one channel;
- the timer ledger: every session's next timer moment, which server fires it (the claim), and the
  shared clock;
- the limits: per-address sliding windows every server counts in.

What differs between one server and several is what these ports answer, never a flag the
service looks at.
"""

from dataclasses import dataclass
from typing import Protocol

from game import Event


class Listener(Protocol):
    """What a server does with what the others say (the table registry implements it)."""

    async def on_version(self, session_id: str, version: int, events: list[Event] | None) -> None:
        """Another server appended `events` (None: not carried), reaching `version`."""
        ...

    def holds(self, session_id: str) -> bool:
        """Whether the table is in memory here (what others append to any other is not read)."""
        ...

    def on_presence(self, session_id: str, online_elsewhere: frozenset[str]) -> None: ...
    async def on_deleted(self, session_id: str) -> None: ...
    async def on_handed_over(self, session_id: str) -> None: ...
    async def resync(self) -> None:
        """At start and after a reconnect: catch up on whatever was missed, from the store."""
        ...

    def local_presence(self) -> dict[str, frozenset[str]]:
        """Per session held here, the players online on this server (repeated to the others)."""
        ...


class Bus(Protocol):
    """Fan-out and presence."""

    async def start(self, listener: Listener) -> None:
        """Listen to the others; `listener.resync()` runs once listening (one server: now)."""
        ...

    def appended(self, session_id: str, version: int, events: list[Event]) -> None:
        """This server appended `events`, reaching `version`: the others holding the session
        apply them (or read the store, if they missed one)."""
        ...

    def written_elsewhere(self, session_id: str) -> bool:
        """May another server have appended to this session since this one last read it (its
        nudge still on the way)? Then the store, not memory, has the last word."""
        ...

    def presence(self, session_id: str, online: frozenset[str]) -> None: ...
    async def deleted(self, session_id: str) -> None: ...
    def hand_over(self, session_id: str) -> None:
        """This server lets the session go with its timer running: one of the others takes it."""
        ...

    async def flush(self) -> None:
        """Wait until what was told is out (before the process stops)."""
        ...

    async def close(self) -> None: ...


class TimerLedger(Protocol):
    """Every session's next timer moment, and who fires it."""

    def deadline(self, session_id: str, when: int | None, only_if_new: bool = False) -> None:
        """The session's next timer moment (None: none), noted in the order told (`only_if_new`:
        unless one is noted already)."""
        ...

    def keeps(self, when: int | None) -> bool:
        """Must a table with this next moment stay in the memory of the server holding it for
        the moment to fire? (One server: yes; several: whoever sees it come fires it.)"""
        ...

    async def due(self, now: int) -> list[tuple[str, int]]:
        """Sessions whose timer moment has come, with that moment."""
        ...

    async def claim(self, session_id: str, when: int, not_before: int | None = None) -> bool:
        """Fire this moment of this session here? Exactly one server gets it (for a few seconds:
        a server that dies holding it passes it on), and none before `not_before` (default:
        `when`) on the shared clock."""
        ...

    async def skew(self) -> int | None:
        """How far (ms) the shared clock is ahead of this machine's; None: there is none."""
        ...

    async def flush(self) -> None: ...
    async def close(self) -> None: ...


class Limit(Protocol):
    """At most `limit` hits per key in a sliding window."""

    async def full(self, key: str) -> bool: ...
    async def hit(self, key: str) -> None: ...


class Limits(Protocol):
    def window(self, name: str, limit: int, seconds: float = 60.0) -> Limit: ...


@dataclass(frozen=True)
class Cluster:
    """The three ports, as one server sees the others."""

    bus: Bus
    timers: TimerLedger
    limits: Limits

    async def flush(self) -> None:
        await self.timers.flush()
        await self.bus.flush()

    async def close(self) -> None:
        await self.timers.close()
        await self.bus.close()
