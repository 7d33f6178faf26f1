"""One viewer's outbox: bounded, so a slow phone never holds up the others, and transport-neutral
(a WebSocket pump or a server-sent-events stream reads it the same way).

A full state frame carries the viewer's whole view, so it makes older queued states and patches
worthless: when the queue is full they are dropped and only the latest is kept. Patches go only
into an outbox with room (`has_room`), so none is ever dropped from under the one after it. A
client that reads nothing at all while other frames pile up is let go (it can reconnect).
"""

import asyncio
from collections import deque
from collections.abc import Callable


class Sent:
    """Frames taken to be sent, and their characters, since start: plain counts on the hottest
    path (every frame to every socket), read by the metrics at a scrape."""

    frames = 0
    characters = 0


class Outbox:
    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self.queue: deque[tuple[bool, str]] = deque()  # (is_state, frame)
        self.closed = False
        self.close_code: int | None = None  # set when the service ends this viewer's stream
        self.close_reason = ""
        self.flush = False  # closed, but what is queued still goes out first
        self.dropped = 0  # stale state frames dropped for a slow reader
        self._waiter: asyncio.Future[None] | None = None
        self._drained = asyncio.Event()
        # the transport's own write, where it has one that never waits (`wire.ws.direct_write`):
        # a frame for an idle pump is written at once, not handed to the pump's task
        self.direct: Callable[[str], bool] | None = None

    def has_room(self) -> bool:
        """Room for one more frame without dropping anything."""
        return len(self.queue) < self.limit

    def put(self, frame: str, *, is_state: bool = False) -> None:
        if self.closed:
            return
        idle = not self.queue and self._waiter is not None and not self._waiter.done()
        if idle and self.direct is not None and self.direct(frame):
            Sent.frames += 1
            Sent.characters += len(frame)
            return
        if len(self.queue) >= self.limit:
            kept = deque(item for item in self.queue if not item[0])
            self.dropped += len(self.queue) - len(kept)
            self.queue = kept
            if len(kept) >= self.limit:
                self.close(1013, "too slow: reconnect for a fresh state")
                return
        self.queue.append((is_state, frame))
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self, wait_s: float | None = None) -> str | None:
        """The next frame to send, waiting for one; None once the outbox is closed; "" when
        `wait_s` passed without one (a stream's heartbeat: no task is cancelled for it, so no
        cyclic garbage is left behind every few seconds per stream)."""
        while not self.queue:
            if self.closed:
                return None
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = None if wait_s is None else loop.call_later(wait_s, self._wake)
            await waiter
            if timer is not None:
                timer.cancel()
                if not self.queue and not self.closed:
                    return ""
        if self.closed and not self.flush:
            return None
        frame = self.queue.popleft()[1]
        Sent.frames += 1
        Sent.characters += len(frame)
        if len(self.queue) < self.limit // 2:
            self._drained.set()
        return frame

    async def room(self) -> None:
        """Wait until the outbox is at most half full (or closed): a client that sends faster
        than it reads is simply read slower."""
        while len(self.queue) >= self.limit // 2 and not self.closed:
            self._drained.clear()
            await self._drained.wait()

    def close(self, code: int | None = None, reason: str = "", *, flush: bool = False) -> None:
        """Stop: the transport closes the stream with `code` (None: it is gone already), after
        sending what is queued if `flush` (a server that drains lets the last acks out)."""
        if self.closed:
            return
        self.closed = True
        self.close_code, self.close_reason, self.flush = code, reason, flush
        if not flush:
            self.queue.clear()
        self._wake()
        self._drained.set()
