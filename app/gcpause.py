"""Garbage collection for a server that holds thousands of sockets for hours.

Every socket keeps a few hundred objects alive (protocol, tasks, coroutine frames), so with
12,000 phones a full collection walks millions of objects and stops every table for half a
second (bench/load.py, before and after). So every few seconds what is young is collected (a
short walk: only what is not frozen) and what survived is frozen out of the collector's sight.
Garbage of short-lived sockets (a stranger's hellos, reconnects) is thus freed within seconds;
cycles left by long-lived sockets that close later wait for a full collection every ten minutes.
Pauses over `SLOW_MS` are logged, so they are seen, not guessed.
"""

import asyncio
import gc
import logging
import time
from typing import Any

log = logging.getLogger("theater.gc")

THRESHOLDS = (5_000, 10, 10)
FREEZE_EVERY_S = 5.0
FULL_EVERY_S = 600.0
SLOW_MS = 50.0
_started: list[float] = []


def _watch(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        took = (time.perf_counter() - _started[0]) * 1000
        if took >= SLOW_MS:
            log.warning(
                "garbage collection (generation %d) paused the server %.0f ms",
                info["generation"],
                took,
            )


async def keep_young() -> None:
    """Run for the server's life, from the end of start-up."""
    gc.collect()
    gc.set_threshold(*THRESHOLDS)
    if _watch not in gc.callbacks:
        gc.callbacks.append(_watch)
    last_full = time.monotonic()
    while True:
        gc.collect(1)  # the young generations only: the last few seconds
        gc.freeze()
        await asyncio.sleep(FREEZE_EVERY_S)
        if time.monotonic() - last_full >= FULL_EVERY_S:
            gc.unfreeze()
            gc.collect()
            last_full = time.monotonic()
