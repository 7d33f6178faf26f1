"""One server: nobody to tell, every timer fired by the table that holds it, limits counted in
this process."""

import time
from collections import deque

from app.cluster.ports import Cluster, Limit, Listener
from game import Event


class LocalBus:
    """Nobody to tell; every write passes through here."""

    async def start(self, listener: Listener) -> None:
        await listener.resync()

    def appended(self, session_id: str, version: int, events: list[Event]) -> None:
        """Every socket of the session is on this server and was told already."""

    def written_elsewhere(self, session_id: str) -> bool:
        return False

    def presence(self, session_id: str, online: frozenset[str]) -> None:
        """Likewise."""

    async def deleted(self, session_id: str) -> None:
        """Likewise."""

    def hand_over(self, session_id: str) -> None:
        """Nobody to hand it to: the next start recovers it."""

    async def flush(self) -> None:
        """Nothing is ever pending."""

    async def close(self) -> None:
        """Nothing to close."""


class LocalLedger:
    """The table that holds a session arms its timer itself, so it stays held while it has one;
    the ledger has nothing to note and nobody to share a claim or a clock with."""

    def deadline(self, session_id: str, when: int | None, only_if_new: bool = False) -> None:
        """The holder's wake-up is the note."""

    def keeps(self, when: int | None) -> bool:
        return when is not None

    async def due(self, now: int) -> list[tuple[str, int]]:
        return []  # each came to its holder already

    async def claim(self, session_id: str, when: int, not_before: int | None = None) -> bool:
        return True

    async def skew(self) -> int | None:
        return None

    async def flush(self) -> None:
        """Nothing is ever pending."""

    async def close(self) -> None:
        """Nothing to close."""


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


class LocalLimits:
    def window(self, name: str, limit: int, seconds: float = 60.0) -> Limit:
        return Window(limit, seconds)


def local_cluster() -> Cluster:
    return Cluster(LocalBus(), LocalLedger(), LocalLimits())
