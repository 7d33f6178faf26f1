"""The server's collector: off while it would stop every table, yet cycles are still freed."""

import asyncio
import gc
import weakref

import pytest

from app import gcpause


def test_a_collection_waits_for_a_quiet_server_but_not_for_ever() -> None:
    minutes = 60.0
    assert not gcpause.due(5 * minutes, streams=0, grown=0)  # nothing to gain yet
    assert gcpause.due(10 * minutes, streams=40, grown=0)  # a quiet server: a short walk
    assert not gcpause.due(30 * minutes, streams=7_000, grown=0)  # a busy one: not now
    assert gcpause.due(60 * minutes, streams=7_000, grown=0)  # but within the hour
    assert gcpause.due(1, streams=7_000, grown=gcpause.GROWTH)  # a flood: at once
    grown = 2 * gcpause.GROWTH  # many new phones since a collection that left more alive
    assert not gcpause.due(1, streams=7_000, grown=grown, survivors=3 * gcpause.GROWTH)
    assert gcpause.due(1, streams=7_000, grown=grown, survivors=2 * gcpause.GROWTH)


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


async def test_cycles_are_freed_after_a_flood_and_the_collector_is_given_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gcpause, "CHECK_EVERY_S", 0.05)
    monkeypatch.setattr(gcpause, "GROWTH", 50_000)
    task = asyncio.create_task(gcpause.collect_rarely(lambda: 7_000))  # busy: only growth counts
    await asyncio.sleep(0.1)
    assert not gc.isenabled()  # no automatic pauses
    first = Node()
    dropped = weakref.ref(first)
    del first
    await asyncio.sleep(0.2)
    assert dropped() is not None  # a little garbage waits: a walk would cost more than it frees
    flood = [Node() for _ in range(60_000)]
    del flood
    for _ in range(40):
        await asyncio.sleep(0.05)
        if dropped() is None:
            break
    assert dropped() is None  # the flood's growth brought a collection
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.isenabled() and gc.get_freeze_count() == 0
