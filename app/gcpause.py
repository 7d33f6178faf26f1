"""Garbage collection for a server that holds thousands of sockets for hours.

Almost every object the server drops is freed at once by reference counting; the cyclic collector
is needed for the little that is not (each short-lived socket leaves about 2.5 KB of cycles). Left
to itself, Python's collector keeps walking what lives a few seconds (each socket's pump waits on
a fresh future per frame, each command leaves a new state): with 7,000 phones it stopped every
table for 50–100 ms several times a minute, and that was most of `bench/load.py`'s tail at 500
tables (README, Performance).

So its automatic collections are off. What start-up built is frozen out of every walk. Once a
second the objects made since the last walk are collected and what survived is frozen: a walk of
one second's survivors, never of the whole heap (at 500 tables in play 5,000–9,000 objects, 1–4
ms; right after thousands of phones connected, up to 120,000 objects, 80 ms), and a stranger's
socket is freed within a second. Cycles among frozen objects (a phone that stayed an hour, then
left) wait for a full walk: when the server is quiet (QUIET_STREAMS open streams or fewer) and
FULL_EVERY_S has passed, and at the latest every MUST_EVERY_S (about 0.7 s at 7,000 phones on our
2-core machine). Pauses over SLOW_MS are logged.
"""

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("theater.gc")

YOUNG_EVERY_S = 1.0
FULL_EVERY_S = 600.0
MUST_EVERY_S = 3600.0
QUIET_STREAMS = 500  # a full walk then costs about 100 ms
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


def full_walk_due(since_s: float, streams: int) -> bool:
    """Is a walk of everything (not only the last second's objects) worth its pause now?"""
    return since_s >= MUST_EVERY_S or (since_s >= FULL_EVERY_S and streams <= QUIET_STREAMS)


async def collect_young(open_streams: Callable[[], int]) -> None:
    """Run for the server's life, from the end of start-up."""
    if _watch not in gc.callbacks:
        gc.callbacks.append(_watch)
    gc.collect()
    gc.freeze()  # start-up's objects: modules, the app
    gc.disable()
    last_full = time.monotonic()
    try:
        while True:
            await asyncio.sleep(YOUNG_EVERY_S)
            if full_walk_due(time.monotonic() - last_full, open_streams()):
                gc.unfreeze()
                last_full = time.monotonic()
            gc.collect()
            gc.freeze()
    finally:  # the app stops (in a test's process, say): the collector is Python's again
        gc.unfreeze()
        gc.enable()
