"""Token buckets and sliding windows: floods get `rate_limited`, everyone else carries on.

Per-socket buckets live with the socket. The per-address windows (joins, failed joins, new
sessions) must hold across servers behind a load balancer, so with Redis they live there.
"""

import logging
import secrets
import time
from collections import defaultdict, deque
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("theater.ratelimit")


class TokenBucket:
    """`rate` actions per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Limit(Protocol):
    async def full(self, key: str) -> bool: ...
    async def hit(self, key: str) -> None: ...


class Window:
    """At most `limit` hits per key in the last `seconds`, counted in this process."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self.limit, self.seconds = limit, seconds
        self.hits: defaultdict[str, deque[float]] = defaultdict(deque)

    def _trim(self, key: str) -> deque[float]:
        hits = self.hits[key]
        cutoff = time.monotonic() - self.seconds
        while hits and hits[0] < cutoff:
            hits.popleft()
        if not hits:
            del self.hits[key]
            return self.hits[key]
        return hits

    async def full(self, key: str) -> bool:
        return len(self._trim(key)) >= self.limit

    async def hit(self, key: str) -> None:
        self._trim(key).append(time.monotonic())


class RedisWindow:
    """The same window shared by every server: a sorted set of hit times per key. If Redis is
    away, nobody is locked out (the socket buckets still hold)."""

    def __init__(self, redis: Redis, name: str, limit: int, seconds: float = 60.0) -> None:
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
            log.warning("rate limit %s: Redis unavailable (%s); allowing", self.name, e)
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
            log.warning("rate limit %s: Redis unavailable (%s)", self.name, e)
