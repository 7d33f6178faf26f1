"""The bus over a real Redis, between two servers' buses in one process: a burst of appends reaches
the other server whole and in version order (a gap would cost it a read of the store), `flush`
covers what queued behind a batch under way (a stopping server loses none of it), and a table
the other server does not hold costs it no event parsing."""

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.cluster import redis_bus
from app.cluster.redis_bus import CHANNEL, RedisBus
from game import Event, parse_event
from game.events import MessageSent
from tests.scaled.services import Redis


class Watching:
    """A server's table registry as the bus sees it, holding one table (`s1`)."""

    def __init__(self) -> None:
        self.versions: list[tuple[str, int, list[str] | None]] = []

    def holds(self, session_id: str) -> bool:
        return session_id == "s1"

    async def on_version(self, session_id: str, version: int, events: list[Event] | None) -> None:
        texts = None if events is None else [e.text for e in events if isinstance(e, MessageSent)]
        self.versions.append((session_id, version, texts))

    def on_presence(self, session_id: str, online_elsewhere: frozenset[str]) -> None:
        pass

    async def on_deleted(self, session_id: str) -> None:
        pass

    async def on_handed_over(self, session_id: str) -> None:
        pass

    async def resync(self) -> None:
        pass

    def local_presence(self) -> dict[str, frozenset[str]]:
        return {}


@contextlib.asynccontextmanager
async def two_buses(redis: Redis) -> AsyncIterator[tuple[RedisBus, Watching]]:
    """A's bus (publishing) and B's watching, B subscribed already."""
    a, b, watching = RedisBus(redis.url), RedisBus(redis.url), Watching()
    try:
        await b.start(watching)
        async with asyncio.timeout(10):
            while (await a.redis.pubsub_numsub(CHANNEL))[0][1] < 1:
                await asyncio.sleep(0.05)
        yield a, watching
    finally:
        await a.close()
        await b.close()


async def received(watching: Watching, count: int) -> list[int]:
    async with asyncio.timeout(10):
        while len(watching.versions) < count:
            await asyncio.sleep(0.05)
    return [version for _, version, _ in watching.versions]


def message(version: int) -> list[Event]:
    return [MessageSent(at=int(time.time() * 1000), text=f"bericht {version}")]


async def test_a_burst_of_appends_arrives_whole_in_order_and_unheld_tables_cost_nothing(
    redis_server: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[Any] = []

    def counted(data: Any) -> Event:
        parsed.append(data)
        return parse_event(data)

    monkeypatch.setattr(redis_bus, "parse_event", counted)
    async with two_buses(redis_server) as (a, watching):
        for version in range(1, 301):  # a burst, as 300 commands in one loop turn would make
            a.appended("s1", version, message(version))
            a.appended("s2", version, message(version))  # a table nobody holds on B
            if version % 50 == 0:
                a.presence("s1", frozenset({"p1"}))
        await asyncio.sleep(0)  # a batch goes out; the rest queue behind it
        for version in range(301, 401):
            a.appended("s1", version, message(version))
        assert await received(watching, 400) == list(range(1, 401))  # whole, in order, no s2
        assert all(texts == [f"bericht {v}"] for _, v, texts in watching.versions)  # carried
        assert len(parsed) == 400  # s2's 300 events were never built on B


async def test_a_stopping_server_flushes_what_queued_behind_a_stalled_batch(
    redis_server: Redis,
) -> None:
    """Redis stalls with a batch under way and more queued behind it: `flush` (a server's stop)
    waits for both, so the other server gets every append once Redis answers again."""
    assert redis_server.proc is not None
    async with two_buses(redis_server) as (a, watching):
        redis_server.proc.send_signal(signal.SIGSTOP)
        try:
            for version in range(1, 51):
                a.appended("s1", version, message(version))
            await asyncio.sleep(0.1)  # that batch is written, its answer does not come
            for version in range(51, 101):
                a.appended("s1", version, message(version))
            later = asyncio.get_running_loop().call_later
            later(0.5, redis_server.proc.send_signal, signal.SIGCONT)
            await a.flush()
        finally:
            redis_server.proc.send_signal(signal.SIGCONT)
        await a.close()  # the stop: what `flush` did not see out is lost here
        assert await received(watching, 100) == list(range(1, 101))
