"""Garbage collection for a server that holds thousands of sockets for hours.

Almost every object the server drops is freed at once by reference counting; the cyclic collector
is needed for the little that is not (each socket leaves about 2.5 KB of cycles when it closes).
Left to itself, Python's collector keeps walking what lives a few seconds (each socket's pump
waits on a fresh future per frame, each viewer holds its last view's parts for the next patch):
with 7,000 phones it stopped every table for 50-100 ms several times a minute.

So its automatic collections are off, and what start-up built is frozen out of every walk. Once
a second the objects made since are frozen too, without a walk: a walk of them found nothing to
free while tables were played (bench/load.py at 500 tables, 2026-12-07: 162 walks, 0 objects
freed, 120-140 ms each at full load, 23 % of the server's CPU in the profile). The second's
objects are walked first only when a socket or stream closed within a second of opening (a flood
of bad hellos, a page that gave up: `Seats.short_lived`): the cycles of one that opened since the
last tick are freed by this walk; one that lived across a tick waits for a full walk, as below.
When a walk took more than BUSY_MS the next tick comes after a quarter second.

Cycles among frozen objects (a socket that lived longer, then closed, and any other cyclic garbage)
wait for a full walk, which at 7,000 phones pauses about 0.7 s on our 2-core machine, so it comes
only when it frees something worth that: when as many sockets have closed since the last one as
are open now (at least CLOSED_FLOOR), so what waits is never more than what lives, but on a busy
server (more than QUIET_STREAMS open) not within CLOSED_GAP_S of the last one; when the server is
quiet (QUIET_STREAMS open streams or fewer) and FULL_EVERY_S has passed; at the latest every
MUST_EVERY_S; and, for garbage of any other kind, when the heap has grown fourfold and by
HEAP_GROWTH blocks. Not merely because the heap doubled: a connect storm doubles it with live
sockets only.

The heap is measured with `sys.getallocatedblocks()` (a count per arena: 0.4 ms at five million
blocks), never with `gc.get_freeze_count()`, which walks the list of every frozen object. Each
tick's pause (freeze, walk and bookkeeping) is kept in `STATS` (served by /healthz, printed by
bench/load.py); pauses over SLOW_MS are logged.
"""

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app import metrics

log = logging.getLogger("theater.gc")

YOUNG_EVERY_S = 1.0
BUSY_MS = 20.0  # a young walk longer than this: the next one sooner
FULL_EVERY_S = 600.0
MUST_EVERY_S = 3600.0
QUIET_STREAMS = 500  # a full walk then costs about 100 ms
CLOSED_FLOOR = 1_000  # closed sockets' cycles (2.5 MB) always worth a full walk
CLOSED_GAP_S = 60.0  # on a busy server, not more often than this for closed sockets
HEAP_GROWTH = 4_000_000  # allocated blocks more than after the last full walk, at the least
SLOW_MS = 50.0
_started: list[float] = []


@dataclass
class Stats:
    """The collector's pauses since start-up: each second's tick (a freeze, after a walk of the
    second's objects in `walks` of them) and full walks."""

    ticks: int = 0
    walks: int = 0
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=3600))  # the last hour
    max_ms: float = 0.0
    full_walks: int = 0
    full_max_ms: float = 0.0

    def record(self, ms: float, kind: str) -> None:
        if kind == "full":
            self.full_walks += 1
            self.full_max_ms = max(self.full_max_ms, ms)
            return
        self.ticks += 1
        self.walks += kind == "young"
        self.recent_ms.append(ms)
        self.max_ms = max(self.max_ms, ms)

    def p99_ms(self) -> float:
        ordered = sorted(self.recent_ms)
        return ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0

    def health(self) -> dict[str, float]:
        """As /healthz says it."""
        return {
            "ticks": self.ticks,
            "walks": self.walks,
            "p99_ms": round(self.p99_ms(), 2),
            "max_ms": round(self.max_ms, 2),
            "full_walks": self.full_walks,
            "full_max_ms": round(self.full_max_ms, 2),
        }


STATS = Stats()


def _watch(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        took = (time.perf_counter() - _started[0]) * 1000
        if took >= SLOW_MS:
            log.warning(
                "garbage collection (%d objects freed) paused the server %.0f ms",
                info["collected"],
                took,
            )


def full_walk_due(
    since_s: float, streams: int, closed: int = 0, heap: int = 0, heap_after: int = 0
) -> bool:
    """Is a walk of everything (not only the last second's objects) worth its pause now?
    (`closed`: sockets closed since the last full walk; `heap`: allocated blocks now;
    `heap_after`: right after the last full walk.)"""
    return (
        since_s >= MUST_EVERY_S
        or (since_s >= FULL_EVERY_S and streams <= QUIET_STREAMS)
        or (
            closed >= max(CLOSED_FLOOR, streams)
            and (since_s >= CLOSED_GAP_S or streams <= QUIET_STREAMS)
        )
        or heap >= max(4 * heap_after, heap_after + HEAP_GROWTH)
    )


@contextlib.contextmanager
def recovering(freeze: bool) -> Iterator[None]:
    """No collection while the service recovers its tables: all they build lives, and the
    collector's automatic walks of it took half the recovery of 1,000 tables (bench/recovery.py).
    Then they are frozen out of the walks, as start-up's objects are (`freeze`: the collector
    runs; else nothing would ever thaw them)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


async def collect_young(
    open_streams: Callable[[], int],
    closed_streams: Callable[[], int] = lambda: 0,
    short_lived: Callable[[], int] = lambda: 0,
) -> None:
    """Run for the server's life, from the end of start-up. (`closed_streams`: sockets and
    streams closed since start; `short_lived`: of those, closed soon after opening.)"""
    was_enabled = gc.isenabled()
    gc.callbacks.append(_watch)
    gc.collect()
    gc.freeze()  # start-up's objects: modules, the app
    gc.disable()
    last_full, heap_after, closed_after = time.monotonic(), sys.getallocatedblocks(), 0
    took, short_seen = 0.0, short_lived()
    try:
        while True:
            await asyncio.sleep(YOUNG_EVERY_S if took < BUSY_MS else YOUNG_EVERY_S / 4)
            began = time.perf_counter()
            closed = closed_streams()
            full = full_walk_due(
                time.monotonic() - last_full,
                open_streams(),
                closed - closed_after,
                sys.getallocatedblocks(),
                heap_after,
            )
            short = short_lived()
            kind = "full" if full else "young" if short > short_seen else "freeze"
            short_seen = short
            if full:
                gc.unfreeze()
            if kind != "freeze":
                gc.collect()
            gc.freeze()
            if full:
                last_full, heap_after, closed_after = (
                    time.monotonic(),
                    sys.getallocatedblocks(),
                    closed,
                )
            took = (time.perf_counter() - began) * 1000
            STATS.record(took, kind)
            metrics.GC_PAUSE.labels(kind).observe(took / 1000)
    finally:  # the app stops (in a test's process, say): the collector is as it was
        gc.unfreeze()
        gc.callbacks.remove(_watch)
        if was_enabled:
            gc.enable()
