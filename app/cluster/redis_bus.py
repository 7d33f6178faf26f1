"""The bus over Redis: several servers, one game.

After an append the writer publishes "session S is at version N"; every server that holds S
catches up from the store (the store is the truth, a message is only a nudge) and pushes views.
Who is online travels the same way, so a facilitator on one server sees the phones on another;
each server repeats its presence every few seconds and a server not heard from for a while counts
as gone. Redis going away loses nothing: the subscriber reconnects with backoff and, once back,
every table catches up from the store. The per-address limits are sorted sets in Redis, so they
hold across servers behind a load balancer.
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
from app.cluster.bus import Limit, Listener

log = logging.getLogger("theater.cluster")

CHANNEL = "theater:tables"
DEADLINES = "theater:deadlines"  # sorted set: session id scored by its next timer moment (ms)
CLAIM_MS = 1500  # a claim to fire a moment; a server that dies holding it passes it on after this
CLAIM_WAIT_S = 0.2  # a Redis that does not answer by then (frozen, far away) is not waited for
# A claim is refused (-1) before its moment on Redis's clock (with 50 ms for the way there), so a
# server whose own clock jumped ahead cannot fire early; else the first server to ask gets it.
CLAIM = """
local t = redis.call('TIME')
if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + 50 < tonumber(ARGV[2]) then
  return -1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
"""
PRESENCE_EVERY_S = 5.0
PRESENCE_TTL_S = 15.0
KINDS = ("version", "presence", "deleted", "handed_over")  # a message's key: the kind's initial


class RedisBus:
    shared = True

    def __init__(self, url: str) -> None:
        self.server_id = secrets.token_hex(6)
        self.redis = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.remote: dict[str, dict[str, tuple[float, frozenset[str]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: set[asyncio.Task[None]] = set()  # for the bus's life (the rest: publishes)
        self._deadlines: asyncio.Queue[tuple[str, int | None, bool]] = asyncio.Queue()
        self._claim = self.redis.register_script(CLAIM)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def start(self, listener: Listener) -> None:
        for loop in (
            self._write_deadlines(),
            self._listen(listener),
            self._repeat_presence(listener),
        ):
            self._loops.add(self._spawn(loop))

    async def _publish(self, message: dict[str, Any]) -> None:
        try:
            await self.redis.publish(CHANNEL, orjson.dumps({**message, "from": self.server_id}))
        except (RedisError, OSError) as e:  # the others catch up when Redis is back
            log.warning("bus: could not publish (%s)", e)

    def version(self, session_id: str, version: int) -> None:
        self._spawn(self._publish({"s": session_id, "v": version}))

    def deadline(self, session_id: str, when: int | None, only_if_new: bool = False) -> None:
        self._deadlines.put_nowait((session_id, when, only_if_new))

    async def _write_deadlines(self) -> None:
        """One writer, so a pause and a resume (a ZREM, then a ZADD) land in that order."""
        while True:
            session_id, when, only_if_new = await self._deadlines.get()
            try:
                if when is None:
                    await self.redis.zrem(DEADLINES, session_id)
                else:
                    await self.redis.zadd(DEADLINES, {session_id: when}, nx=only_if_new)
            except (RedisError, OSError) as e:  # noted again from the store after a resync
                log.warning("bus: could not note a deadline (%s)", e)
            finally:
                self._deadlines.task_done()

    async def due(self, now: int) -> list[tuple[str, int]]:
        try:
            found: Any = await self.redis.zrangebyscore(DEADLINES, "-inf", now, withscores=True)
        except (RedisError, OSError):
            return []
        return [(sid.decode(), int(score)) for sid, score in found]

    async def claim(self, session_id: str, when: int, not_before: int | None = None) -> bool:
        key = f"theater:claim:{session_id}:{when}"
        moment = when if not_before is None else not_before
        try:
            async with asyncio.timeout(CLAIM_WAIT_S):
                got = await self._claim(keys=[key], args=[self.server_id, moment, CLAIM_MS])
                return bool(got == 1)
        except (RedisError, OSError, TimeoutError):
            return True  # no one to agree with in time: fire; the store's versions decide

    async def skew(self) -> int | None:
        try:
            async with asyncio.timeout(CLAIM_WAIT_S):
                before = time.time_ns()
                seconds, micros = await self.redis.time()
                after = time.time_ns()
        except (RedisError, OSError, TimeoutError):
            return None
        return (seconds * 1_000_000 + micros) // 1000 - (before + after) // 2_000_000

    def presence(self, session_id: str, online: frozenset[str]) -> None:
        self._spawn(self._publish({"s": session_id, "p": sorted(online)}))

    async def deleted(self, session_id: str) -> None:
        await self._publish({"s": session_id, "d": True})

    def hand_over(self, session_id: str) -> None:
        self._spawn(self._publish({"s": session_id, "h": True}))

    async def flush(self) -> None:
        """The publishes under way and the deadlines queued, each given a few seconds at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                await self._deadlines.join()
                await asyncio.gather(*(self._tasks - self._loops), return_exceptions=True)

    def window(self, name: str, limit: int, seconds: float = 60.0) -> Limit:
        return RedisWindow(self.redis, name, limit, seconds)

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
                while True:
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
                        await listener.on_version(session_id, int(data["v"]))
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
                    await self._publish({"s": session_id, "p": sorted(online)})
            for session_id in list(self.remote):
                listener.on_presence(session_id, self._online_elsewhere(session_id))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.redis.aclose()


class RedisWindow:
    """A sliding window shared by every server: a sorted set of hit times per key. If Redis is
    away, nobody is locked out (the per-socket buckets still hold)."""

    def __init__(self, redis: aioredis.Redis, name: str, limit: int, seconds: float) -> None:
        self.redis, self.name, self.limit, self.seconds = redis, name, limit, seconds

    def _key(self, key: str) -> str:
        return f"theater:limit:{self.name}:{key}"

    async def full(self, key: str) -> bool:
        now = time.time()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(self._key(key), 0, now - self.seconds)
                pipe.zcard(self._key(key))
                _, count = await pipe.execute()
        except (RedisError, OSError) as e:
            log.warning("limit %s: Redis unavailable (%s); allowing", self.name, e)
            return False
        return int(count) >= self.limit

    async def hit(self, key: str) -> None:
        now = time.time()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(self._key(key), {f"{now}:{secrets.token_hex(4)}": now})
                pipe.expire(self._key(key), int(self.seconds) + 1)
                await pipe.execute()
        except (RedisError, OSError) as e:
            log.warning("limit %s: Redis unavailable (%s)", self.name, e)
