"""Token buckets and sliding windows: floods get `rate_limited`, everyone else carries on."""

import time
from collections import defaultdict, deque


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


class Window:
    """At most `limit` hits per key in the last `seconds`."""

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

    def full(self, key: str) -> bool:
        return len(self._trim(key)) >= self.limit

    def hit(self, key: str) -> None:
        self._trim(key).append(time.monotonic())
