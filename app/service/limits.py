"""Limits that keep one sender from costing everyone else: a token bucket per socket, and the gate
that slows down join-code guessing from one address without ever refusing a correct code."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from app.errors import AppError


class TokenBucket:
    """`rate` actions per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class GuessGate:
    """Once an address has typed too many wrong codes, its joins are checked one at a time, at
    most one per `spacing` seconds: a guesser gets a few tries a minute, while the people behind
    the same venue NAT who type the right code still get in (after a short wait), never refused.
    At most `queue` joins wait per address; beyond that the address is told to wait."""

    def __init__(self, spacing: float, queue: int = 50) -> None:
        self.spacing, self.queue = spacing, queue
        self.locks: dict[str, asyncio.Lock] = {}
        self.last: dict[str, float] = {}  # address -> when its last code was checked
        self.waiting: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, address: str) -> AsyncIterator[None]:
        now = time.monotonic()
        for old in [a for a, t in self.last.items() if t < now - self.spacing]:
            if old not in self.waiting:  # forget addresses that went quiet
                del self.last[old]
                self.locks.pop(old, None)
        if self.waiting.get(address, 0) >= self.queue:
            raise AppError(
                "rate_limited", "Too many tries from here; wait a minute and try again.", "guessing"
            )
        self.waiting[address] = self.waiting.get(address, 0) + 1
        lock = self.locks.setdefault(address, asyncio.Lock())
        try:
            async with lock:
                wait = self.last.get(address, 0.0) + self.spacing - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)  # the throttle itself, not a synchronisation
                try:
                    yield
                finally:
                    self.last[address] = time.monotonic()
        finally:
            self.waiting[address] -= 1
            if not self.waiting[address]:
                del self.waiting[address]
