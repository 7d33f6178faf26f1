"""The bus port: what one server tells the others (a session's new version, who is online, a
deletion) and the per-address counters they share. In one process there are no others: the local
bus says nothing and counts in memory.
"""

import time
from collections import deque
from typing import Protocol


class Listener(Protocol):
    """What a server does with what the others say (the service implements it)."""

    async def on_version(self, session_id: str, version: int) -> None: ...
    def on_presence(self, session_id: str, online_elsewhere: frozenset[str]) -> None: ...
    async def on_deleted(self, session_id: str) -> None: ...
    async def on_handed_over(self, session_id: str) -> None: ...
    async def resync(self) -> None:
        """After a (re)connect: catch up on whatever was missed, from the store."""
        ...

    def local_presence(self) -> dict[str, frozenset[str]]:
        """Per session held here, the players online on this server (repeated to the others)."""
        ...


class Limit(Protocol):
    """At most `limit` hits per key in a sliding window."""

    async def full(self, key: str) -> bool: ...
    async def hit(self, key: str) -> None: ...


class Bus(Protocol):
    shared: bool  # other servers may hold the same sessions

    def start(self, listener: Listener) -> None: ...
    def version(self, session_id: str, version: int) -> None: ...
    def deadline(self, session_id: str, when: int | None, only_if_new: bool = False) -> None:
        """The session's next timer moment (None: none), in a list every server can read, in
        the order they were told (`only_if_new`: unless the list has one already)."""
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

    def presence(self, session_id: str, online: frozenset[str]) -> None: ...
    async def deleted(self, session_id: str) -> None: ...
    def hand_over(self, session_id: str) -> None:
        """This server lets the session go with its timer running: one of the others takes it."""
        ...

    async def flush(self) -> None:
        """Wait until what was told is out (before the process stops)."""
        ...

    def window(self, name: str, limit: int, seconds: float = 60.0) -> Limit: ...
    async def close(self) -> None: ...


class Window:
    """A sliding window counted in this process. Keys nobody uses any more are dropped, so a
    stream of new addresses cannot grow it without bound."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self.limit, self.seconds = limit, seconds
        self.hits: dict[str, deque[float]] = {}
        self._swept = time.monotonic()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self.hits.get(key) or deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    async def full(self, key: str) -> bool:
        return len(self._recent(key, time.monotonic())) >= self.limit

    async def hit(self, key: str) -> None:
        now = time.monotonic()
        hits = self._recent(key, now)
        hits.append(now)
        self.hits[key] = hits
        if now - self._swept > self.seconds:
            self._swept = now
            self.hits = {k: h for k, h in self.hits.items() if h and h[-1] > now - self.seconds}


class LocalBus:
    """One server: nobody to tell."""

    shared = False

    def start(self, listener: Listener) -> None:
        """Nothing to listen to."""

    def version(self, session_id: str, version: int) -> None:
        """Every socket of the session is on this server and was told already."""

    def deadline(self, session_id: str, when: int | None, only_if_new: bool = False) -> None:
        """This server holds every session and arms its timers itself."""

    async def due(self, now: int) -> list[tuple[str, int]]:
        return []

    async def claim(self, session_id: str, when: int, not_before: int | None = None) -> bool:
        return True

    async def skew(self) -> int | None:
        return None

    def presence(self, session_id: str, online: frozenset[str]) -> None:
        """Likewise."""

    async def deleted(self, session_id: str) -> None:
        """Likewise."""

    def hand_over(self, session_id: str) -> None:
        """Nobody to hand it to: the next start recovers it."""

    async def flush(self) -> None:
        """Nothing is ever pending."""

    def window(self, name: str, limit: int, seconds: float = 60.0) -> Limit:
        return Window(limit, seconds)

    async def close(self) -> None:
        """Nothing to close."""
