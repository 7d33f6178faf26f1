"""`theater serve`, with its event loop's turns measured: how long each turn took, how many ready
callbacks it ran, and which callbacks were the slowest. At exit the figures go as JSON to the file
named by THEATER_LOOP_STATS. For `bench/load.py --loop-turns`; the timing itself costs a little.

    THEATER_LOOP_STATS=turns.json python bench/loopturns.py serve --port 8000
"""

import asyncio
import atexit
import heapq
import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BOUNDS_MS = (1, 5, 20, 50, 100, 500)  # turn-length buckets: < 1 ms, 1–5 ms, …, ≥ 500 ms
TOP = 20

turns = [0] * (len(BOUNDS_MS) + 1)
turn_ms = [0.0] * (len(BOUNDS_MS) + 1)
callbacks_in_long_turns: list[int] = []  # callbacks ready at the start of each turn of 20 ms+
slowest: list[tuple[float, str]] = []  # (ms, what), a min-heap of the TOP slowest callbacks


def _bucket(ms: float) -> int:
    return next((i for i, bound in enumerate(BOUNDS_MS) if ms < bound), len(BOUNDS_MS))


def _what(handle: asyncio.Handle) -> str:
    """A callback by name: a task's step by its coroutine, down to where it waits now."""
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        names, coro = [], task.get_coro()
        while coro is not None and len(names) < 6:
            names.append(getattr(coro, "__qualname__", type(coro).__name__))
            coro = getattr(coro, "cr_await", None)
        return "task " + " > ".join(names)
    return getattr(callback, "__qualname__", repr(callback))[:200]


def _install() -> None:
    """Time the work of each turn (the callbacks it runs, not the wait for I/O before them)."""
    run_once = asyncio.base_events.BaseEventLoop._run_once  # type: ignore[attr-defined]
    run_handle = asyncio.events.Handle._run
    work = [0.0]  # ms of callbacks in the current turn

    def timed_run_once(self: Any) -> None:
        work[0] = 0.0
        ready = len(self._ready)
        run_once(self)
        ms = work[0]
        i = _bucket(ms)
        turns[i] += 1
        turn_ms[i] += ms
        if ms >= 20:
            callbacks_in_long_turns.append(ready)

    def timed_run(self: asyncio.Handle) -> None:
        start = time.perf_counter()
        run_handle(self)
        ms = (time.perf_counter() - start) * 1000
        work[0] += ms
        if len(slowest) < TOP or ms > slowest[0][0]:
            entry = (ms, _what(self))
            if len(slowest) < TOP:
                heapq.heappush(slowest, entry)
            else:
                heapq.heapreplace(slowest, entry)

    asyncio.base_events.BaseEventLoop._run_once = timed_run_once  # type: ignore[attr-defined]
    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]


def _report() -> None:
    path = os.environ.get("THEATER_LOOP_STATS")
    if not path:
        return
    labels = (
        [f"<{BOUNDS_MS[0]}"]
        + [f"{a}-{b}" for a, b in itertools.pairwise(BOUNDS_MS)]
        + [f">={BOUNDS_MS[-1]}"]
    )
    long = sorted(callbacks_in_long_turns)
    Path(path).write_text(
        json.dumps(
            {
                "turns_by_ms": dict(zip(labels, turns, strict=True)),
                "time_ms_by_turn_ms": {k: round(v) for k, v in zip(labels, turn_ms, strict=True)},
                "ready_callbacks_in_turns_ge_20ms": {
                    "turns": len(long),
                    "median": long[len(long) // 2] if long else None,
                    "max": long[-1] if long else None,
                },
                "slowest_callbacks": [
                    {"ms": round(ms, 1), "what": what} for ms, what in sorted(slowest, reverse=True)
                ],
            },
            indent=1,
        )
    )


def _on_term(*_: object) -> None:
    """uvicorn shuts down, then raises the SIGTERM it caught again: report before that ends us."""
    _report()
    os._exit(0)


if __name__ == "__main__":
    _install()
    atexit.register(_report)
    signal.signal(signal.SIGTERM, _on_term)
    from app.cli import main

    sys.argv = ["theater", *sys.argv[1:]]
    main()
