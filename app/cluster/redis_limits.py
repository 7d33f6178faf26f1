"""Per-address limits every server counts in: a sorted set of hit times per key in Redis, so
they hold across servers behind a load balancer."""

import logging
import secrets
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.cluster.ports import Limit

log = logging.getLogger("theater.cluster")


class RedisLimits:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    def window(self, name: str, limit: int, seconds: float = 60.0) -> Limit:
        return RedisWindow(self.redis, name, limit, seconds)


class RedisWindow:
    """A sliding window shared by every server. If Redis is away, nobody is locked out (the
    per-socket buckets still hold)."""

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
