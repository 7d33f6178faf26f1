"""Garbage collection for a server that holds thousands of sockets for hours.

Almost every object the server drops is freed at once by reference counting; the cyclic collector
only ever finds a little (a closed socket's leftovers: a full collection at 7,000 phones freed 0
to 2,000 objects in `bench/load.py`). Yet Python's automatic young collections walk everything
that lives a few seconds (each socket's pump waits on a fresh future per frame, each command
leaves a new state): at 7,000 phones some 60,000 objects, a 50–100 ms stop of every table several
times a minute, and most of the bench's tail at 500 tables (README, Performance).

So the automatic collector is off. What the server built at start-up (modules, the app) is frozen
out of every walk. A collection runs when the server is quiet (QUIET_STREAMS open streams or
fewer) and FULL_EVERY_S has passed, at the latest every MUST_EVERY_S (a walk of everything: about
0.7 s at 7,000 phones on our 2-core machine), and at once when the tracked objects have doubled
since the last, and by at least GROWTH (a flood of short-lived sockets, or many new ones: each
object is then walked a bounded number of times, as Python's own rule for its oldest generation
does). Pauses over SLOW_MS are logged.
"""

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("theater.gc")

CHECK_EVERY_S = 5.0
FULL_EVERY_S = 600.0
MUST_EVERY_S = 3600.0
QUIET_STREAMS = 500  # about a 100 ms walk
GROWTH = 1_000_000  # new tracked objects, at the least, that bring a collection
SLOW_MS = 50.0
_started: list[float] = []


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


def due(since_s: float, streams: int, grown: int, survivors: int = 0) -> bool:
    """Is a collection worth its pause now? (`grown`: new tracked objects since the last one,
    which left `survivors`.)"""
    return (
        grown >= max(GROWTH, survivors)
        or since_s >= MUST_EVERY_S
        or (since_s >= FULL_EVERY_S and streams <= QUIET_STREAMS)
    )


async def collect_rarely(open_streams: Callable[[], int]) -> None:
    """Run for the server's life, from the end of start-up."""
    if _watch not in gc.callbacks:
        gc.callbacks.append(_watch)
    gc.collect()
    gc.freeze()  # start-up's objects stay for the process's life: never walk them again
    gc.disable()
    last, survivors = time.monotonic(), 0
    try:
        while True:
            await asyncio.sleep(CHECK_EVERY_S)
            if due(time.monotonic() - last, open_streams(), gc.get_count()[0], survivors):
                gc.collect()
                last, survivors = time.monotonic(), len(gc.get_objects())
    finally:  # the app stops (in a test's process, say): the collector is Python's again
        gc.unfreeze()
        gc.enable()
