"""The server's collector: no long pauses, yet cycles are still freed."""

import asyncio
import gc
import itertools
import time
import weakref

import pytest

from app import gcpause


def test_a_full_walk_waits_for_a_quiet_server_but_not_for_ever() -> None:
    minutes = 60.0
    assert not gcpause.full_walk_due(5 * minutes, streams=0)  # nothing to gain yet
    assert gcpause.full_walk_due(10 * minutes, streams=40)  # a quiet server: a short walk
    assert not gcpause.full_walk_due(30 * minutes, streams=7_000)  # a busy one: not now
    assert gcpause.full_walk_due(60 * minutes, streams=7_000)  # but within the hour
    # sockets that lived a while, then closed: their cycles wait frozen, never more than live
    assert not gcpause.full_walk_due(90, 7_000, closed=6_999)
    assert gcpause.full_walk_due(90, 7_000, closed=7_000)
    assert not gcpause.full_walk_due(90, 20, closed=999)  # a few KB: not worth a walk yet
    assert gcpause.full_walk_due(90, 20, closed=1_000)
    assert gcpause.full_walk_due(30, 20, closed=1_000)  # a quiet server: a short walk, at once
    assert not gcpause.full_walk_due(30, 7_000, closed=50_000)  # a busy one: once a minute
    million = 1_000_000  # a connect storm doubles the heap with live sockets: no walk for that
    assert not gcpause.full_walk_due(1, 7_000, heap=5 * million, heap_after=2 * million)
    assert gcpause.full_walk_due(1, 7_000, heap=8 * million, heap_after=2 * million)
    assert not gcpause.full_walk_due(1, 7_000, heap=4 * million, heap_after=100_000)  # small


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


async def test_a_tick_walks_only_after_a_short_lived_socket_and_the_collector_is_given_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While tables are played a second's objects are frozen without a walk (a walk of them
    freed nothing at 500 tables); a socket that closed soon after opening makes the next tick
    walk them first, so its cycles are freed within the second."""
    monkeypatch.setattr(gcpause, "YOUNG_EVERY_S", 0.05)
    short = [0]
    before = gcpause.STATS.walks, gcpause.STATS.ticks
    task = asyncio.create_task(gcpause.collect_young(lambda: 7_000, lambda: 0, lambda: short[0]))
    try:
        await asyncio.sleep(0.1)
        assert not gc.isenabled()  # no automatic collections: their pauses are the problem
        kept = Node()  # garbage of a second with no short-lived socket: frozen, not walked
        frozen = weakref.ref(kept)
        del kept
        await asyncio.sleep(0.2)
        assert frozen() is not None and gcpause.STATS.walks == before[0]
        assert gcpause.STATS.ticks > before[1]
        node = Node()  # a socket's cycles, and the socket closed at once
        dropped = weakref.ref(node)
        del node
        short[0] += 1
        for _ in range(40):
            await asyncio.sleep(0.05)
            if dropped() is None:
                break
        assert dropped() is None  # freed by the next tick's walk
        assert gcpause.STATS.walks == before[0] + 1
        assert gcpause.STATS.p99_ms() <= gcpause.STATS.max_ms
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.collect()
    assert frozen() is None  # unfrozen and walked: the frozen garbage is freed by a full walk


async def test_a_second_walk_costs_far_less_than_counting_the_heap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A busy server's heap (here two million objects) is frozen out of each second's walk, and no
    walk counts it: counting the frozen objects one by one, as `gc.get_freeze_count()` does, stopped
    the server 90-200 ms every second at 500 tables. Judged against that count, in the same run."""
    monkeypatch.setattr(gcpause, "YOUNG_EVERY_S", 0.02)
    heap = [{"n": [i]} for i in range(1_000_000)]
    always = itertools.count()  # a short-lived socket before every tick: each one walks
    task = asyncio.create_task(gcpause.collect_young(lambda: 7_000, lambda: 0, always.__next__))
    try:
        await asyncio.sleep(0.01)
        walks = gcpause.STATS.walks
        while gcpause.STATS.walks < walks + 5:
            await asyncio.sleep(0.02)
        slowest = max(list(gcpause.STATS.recent_ms)[-5:])
        began = time.perf_counter()
        frozen = gc.get_freeze_count()
        counting = (time.perf_counter() - began) * 1000
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert frozen > len(heap)
    assert slowest < counting / 4, (slowest, counting)
