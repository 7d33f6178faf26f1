"""Several servers, one game: what one server changes, the others hear about through Redis.

After an append the writer publishes "session S is at version N"; every server that holds S
catches up from the store (the store is the truth, a message is only a nudge) and pushes views.
Who is online travels the same way, so a facilitator on one server sees the phones on another;
each server repeats its presence every few seconds and a server not heard from for a while counts
as gone. Redis going away loses nothing: the subscriber reconnects with backoff and, once back,
every table catches up from the store.
"""

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any, Protocol

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("theater.fanout")

CHANNEL = "theater:tables"
PRESENCE_EVERY_S = 5.0
PRESENCE_TTL_S = 15.0


class Listener(Protocol):
    """What a server does with what the others say."""

    async def on_version(self, session_id: str, version: int) -> None: ...
    async def on_presence(self, session_id: str, server: str, online: frozenset[str]) -> None: ...
    async def on_deleted(self, session_id: str) -> None: ...
    async def resync(self) -> None: ...


class Fanout:
    """Redis pub/sub between the servers that share a store."""

    def __init__(self, url: str) -> None:
        self.server_id = secrets.token_hex(6)
        self.redis = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._task: asyncio.Task[None] | None = None

    def start(self, listener: Listener) -> None:
        self._task = asyncio.create_task(self._listen(listener))

    async def _publish(self, message: dict[str, Any]) -> None:
        try:
            await self.redis.publish(CHANNEL, orjson.dumps({**message, "from": self.server_id}))
        except (RedisError, OSError) as e:  # the others catch up when Redis is back
            log.warning("fan-out: could not publish (%s)", e)

    async def version(self, session_id: str, version: int) -> None:
        await self._publish({"s": session_id, "v": version})

    async def presence(self, session_id: str, online: frozenset[str]) -> None:
        await self._publish({"s": session_id, "p": sorted(online)})

    async def deleted(self, session_id: str) -> None:
        await self._publish({"s": session_id, "d": True})

    async def _listen(self, listener: Listener) -> None:
        backoff = 0.1
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                log.info("fan-out: subscribed to %s", CHANNEL)
                backoff = 0.1
                await listener.resync()  # whatever was missed while away: from the store
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None:
                        continue
                    data = orjson.loads(message["data"])
                    if data.get("from") == self.server_id:
                        continue
                    if "v" in data:
                        await listener.on_version(data["s"], int(data["v"]))
                    elif "p" in data:
                        await listener.on_presence(data["s"], data["from"], frozenset(data["p"]))
                    elif "d" in data:
                        await listener.on_deleted(data["s"])
            except asyncio.CancelledError:
                raise
            except Exception as e:  # Redis gone (or a bad message): wait, resubscribe, catch up
                log.warning("fan-out: lost Redis (%s); retrying in %.1f s", e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.redis.aclose()


class Presence:
    """Who is online on the other servers, per session, forgetting servers that went quiet."""

    def __init__(self) -> None:
        self.remote: dict[str, dict[str, tuple[float, frozenset[str]]]] = {}

    def update(self, session_id: str, server: str, online: frozenset[str]) -> None:
        self.remote.setdefault(session_id, {})[server] = (time.monotonic(), online)

    def online(self, session_id: str) -> frozenset[str]:
        servers = self.remote.get(session_id)
        if not servers:
            return frozenset()
        cutoff = time.monotonic() - PRESENCE_TTL_S
        for server in [s for s, (seen, _) in servers.items() if seen < cutoff]:
            del servers[server]
        return frozenset().union(*(ids for _, ids in servers.values()))
