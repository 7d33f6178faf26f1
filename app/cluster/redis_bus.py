"""The bus over Redis: several servers, one game.

After an append the writer publishes "session S reached version N with these events"; every
server that holds S applies them if they follow the version it holds, and reads the store only
when they do not (a message lost or overtaken, or too large to carry): the store is the truth.
Who is online travels the same way, so a facilitator on one server sees the phones on another;
each server repeats its presence every few seconds and a server not heard from for a while counts
as gone. Redis going away loses nothing: the subscriber reconnects with backoff and, once back,
every table catches up from the store. The timer ledger (`redis_ledger.py`) and the limits
(`redis_limits.py`) share its connection.
"""

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Coroutine
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app import metrics
from app.cluster.ports import Cluster, Listener
from app.cluster.redis_ledger import RedisLedger
from app.cluster.redis_limits import RedisLimits
from game import Event, parse_event, to_json

log = logging.getLogger("theater.cluster")

CHANNEL = "theater:tables"
PRESENCE_EVERY_S = 5.0
PRESENCE_TTL_S = 15.0
CARRY_BYTES = 32_768  # larger appends travel as a bare version: the others read the store
BATCH = 1_000  # messages per round trip at most (a backlog after a stall goes in parts)
FLUSH_S = 3.0
TURN_S = 0.005  # a burst of messages is read in turns of this long, the sockets' work between
KINDS = ("version", "presence", "deleted", "handed_over")  # a message's key: the kind's initial


class RedisBus:
    def __init__(self, url: str) -> None:
        self.server_id = secrets.token_hex(6)
        self.redis = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.remote: dict[str, dict[str, tuple[float, frozenset[str]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: set[asyncio.Task[None]] = set()  # for the bus's life (the rest: publishes)
        self._pending: list[dict[str, Any]] = []  # to publish, in order
        self._sender: asyncio.Task[None] | None = None  # publishing what is pending

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def start(self, listener: Listener) -> None:
        for loop in (self._listen(listener), self._repeat_presence(listener)):
            self._loops.add(self._spawn(loop))

    def _send(self, message: dict[str, Any]) -> None:
        """Publish after what was told before, so the others get appends in their order (one
        overtaken would cost them a read of the store). Whatever waits goes in one round trip:
        a burst of appends waits on Redis once, not once per append in turn."""
        self._pending.append({**message, "from": self.server_id})
        if self._sender is None or self._sender.done():
            self._sender = self._spawn(self._send_pending())

    async def _send_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for message in batch:
                        pipe.publish(CHANNEL, orjson.dumps(message))
                    await pipe.execute()
            except (RedisError, OSError) as e:  # the others catch up when Redis is back
                log.warning("bus: could not publish %d messages (%s)", len(batch), e)
            except Exception:  # anything else loses this batch only, never the sender
                log.exception("bus: could not publish %d messages", len(batch))

    def appended(self, session_id: str, version: int, events: list[Event]) -> None:
        body = b"[" + b",".join(to_json(e).encode() for e in events) + b"]"
        carried = orjson.Fragment(body) if len(body) <= CARRY_BYTES else None
        self._send({"s": session_id, "v": version, "e": carried})

    def written_elsewhere(self, session_id: str) -> bool:
        return True

    def presence(self, session_id: str, online: frozenset[str]) -> None:
        self._send({"s": session_id, "p": sorted(online)})

    async def deleted(self, session_id: str) -> None:
        """Told after the table's last appends, and out before the deletion answers."""
        self._send({"s": session_id, "d": True})
        await self.flush()

    def hand_over(self, session_id: str) -> None:
        self._send({"s": session_id, "h": True})

    async def flush(self) -> None:
        """The publishes under way and what is queued meanwhile, given a few seconds at most
        (waited for, not cancelled: `close` does that)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + FLUSH_S
        while (busy := self._tasks - self._loops) and (left := until - loop.time()) > 0:
            await asyncio.wait(busy, timeout=left)

    def _online_elsewhere(self, session_id: str) -> frozenset[str]:
        servers = self.remote.get(session_id)
        if not servers:
            return frozenset()
        cutoff = time.monotonic() - PRESENCE_TTL_S
        for server in [s for s, (seen, _) in servers.items() if seen < cutoff]:
            del servers[server]
        if not servers:
            del self.remote[session_id]
            return frozenset()
        return frozenset().union(*(ids for _, ids in servers.values()))

    async def _listen(self, listener: Listener) -> None:
        backoff = 0.1
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                log.info("bus: subscribed to %s", CHANNEL)
                backoff = 0.1
                await listener.resync()  # whatever was missed while away: from the store
                turn = time.perf_counter()
                while True:
                    if time.perf_counter() - turn > TURN_S:  # a burst: let the sockets in
                        await asyncio.sleep(0)
                        turn = time.perf_counter()
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None:
                        continue
                    data = orjson.loads(message["data"])
                    if data.get("from") == self.server_id:
                        continue
                    session_id = data["s"]
                    kind = next((k for k in KINDS if k[0] in data), "other")
                    metrics.BUS_MESSAGES.labels(kind).inc()
                    if "v" in data:
                        if not listener.holds(session_id):  # nobody here sees that table
                            continue
                        carried = data.get("e")
                        events = None if carried is None else [parse_event(e) for e in carried]
                        await listener.on_version(session_id, int(data["v"]), events)
                    elif "p" in data:
                        seen = (time.monotonic(), frozenset(data["p"]))
                        self.remote.setdefault(session_id, {})[data["from"]] = seen
                        listener.on_presence(session_id, self._online_elsewhere(session_id))
                    elif "d" in data:
                        self.remote.pop(session_id, None)
                        await listener.on_deleted(session_id)
                    elif "h" in data:
                        await listener.on_handed_over(session_id)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # Redis gone (or a bad message): wait, resubscribe, catch up
                log.warning("bus: lost Redis (%s); retrying in %.1f s", e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _repeat_presence(self, listener: Listener) -> None:
        """Say who is online here every few seconds, and forget servers that went quiet."""
        while True:
            await asyncio.sleep(PRESENCE_EVERY_S)
            for session_id, online in listener.local_presence().items():
                if online:
                    self._send({"s": session_id, "p": sorted(online)})
            for session_id in list(self.remote):
                listener.on_presence(session_id, self._online_elsewhere(session_id))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.redis.aclose()


def redis_cluster(url: str) -> Cluster:
    bus = RedisBus(url)  # owns the connection; closed last
    return Cluster(bus, RedisLedger(bus.redis), RedisLimits(bus.redis))
