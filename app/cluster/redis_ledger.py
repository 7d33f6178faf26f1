"""The timer ledger over Redis: every unfinished session's next timer moment in one sorted set,
so whichever server sees a moment come can fire it, a claim per moment so exactly one does, and
Redis's clock as the shared one."""

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("theater.cluster")

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


class RedisLedger:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self.server_id = secrets.token_hex(6)
        self._queue: asyncio.Queue[tuple[str, int | None, bool]] = asyncio.Queue()
        self._claim = redis.register_script(CLAIM)
        self._writer: asyncio.Task[None] | None = None

    def deadline(self, session_id: str, when: int | None, only_if_new: bool = False) -> None:
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())
        self._queue.put_nowait((session_id, when, only_if_new))

    def keeps(self, when: int | None) -> bool:
        return False

    async def _write(self) -> None:
        """One writer, so a pause and a resume (a ZREM, then a ZADD) land in that order."""
        while True:
            session_id, when, only_if_new = await self._queue.get()
            try:
                if when is None:
                    await self.redis.zrem(DEADLINES, session_id)
                else:
                    await self.redis.zadd(DEADLINES, {session_id: when}, nx=only_if_new)
            except (RedisError, OSError) as e:  # noted again from the store after a resync
                log.warning("ledger: could not note a deadline (%s)", e)
            finally:
                self._queue.task_done()

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

    async def flush(self) -> None:
        """The deadlines queued, given a few seconds at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                await self._queue.join()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
