"""The clock port: the time in the protocol's unit (integer ms since the Unix epoch) and wake-ups at
a given time. The system clock serves; the fake one lets tests move time without sleeping."""

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol


class WakeUp(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> int: ...

    def call_at(self, when: int, callback: Callable[[], None]) -> WakeUp:
        """Run `callback` on the event loop at `when` (ms), or at once if that has passed."""
        ...


class SystemClock:
    """This machine's clock, plus an offset: with several servers, the cluster's one clock (Redis's,
    followed by `Service.keep_time`), so a server whose clock jumps (a VM resumed, NTP stepping)
    neither fires a timer early nor tells its phones a wrong time."""

    def __init__(self) -> None:
        self.offset = 0  # ms

    def now(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset

    def call_at(self, when: int, callback: Callable[[], None]) -> WakeUp:
        delay = max(0.0, (when - self.now()) / 1000)
        return asyncio.get_running_loop().call_later(delay, callback)


class _Pending:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Time stands still until a test `advance`s it; due callbacks then run in order."""

    def __init__(self, start: int = 1_700_000_000_000) -> None:
        self.time = start
        self._queue: list[tuple[int, int, _Pending, Callable[[], None]]] = []
        self._order = itertools.count()

    def now(self) -> int:
        return self.time

    def call_at(self, when: int, callback: Callable[[], None]) -> WakeUp:
        pending = _Pending()
        heapq.heappush(self._queue, (when, next(self._order), pending, callback))
        return pending

    def advance(self, ms: int) -> None:
        """Move time forward by `ms`, running every callback that falls due on the way."""
        target = self.time + ms
        while self._queue and self._queue[0][0] <= target:
            when, _, pending, callback = heapq.heappop(self._queue)
            self.time = max(self.time, when)
            if not pending.cancelled:
                callback()
        self.time = target
