"""One socket's outbox: bounded, so a slow phone never holds up the others.

Every state frame carries the viewer's whole view, so a newer state makes older queued ones
worthless: when the queue is full the queued states are dropped and only the latest is kept.
"""

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field

from fastapi import WebSocket

from game import Actor


@dataclass(eq=False)
class Connection:
    websocket: WebSocket
    actor: Actor
    limit: int = 64
    outbox: deque[tuple[bool, str]] = field(default_factory=deque)  # (is_state, text)
    waiter: asyncio.Future[None] | None = None  # the pump, waiting for something to send
    drained: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    overflowed: bool = False

    def send(self, text: str, *, is_state: bool = False) -> None:
        if self.closed:
            return
        if len(self.outbox) >= self.limit:
            kept = deque(item for item in self.outbox if not item[0])
            self.outbox = kept
            if len(kept) >= self.limit:  # not reading at all: let it go, it can reconnect
                self.overflowed = True
                self.stop()
                return
        self.outbox.append((is_state, text))
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def pump(self) -> None:
        """Write the outbox to the socket until the connection closes."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):  # a dead socket ends its pump, nothing else
            while not self.closed:
                if not self.outbox:
                    self.waiter = loop.create_future()
                    await self.waiter
                    continue
                _, text = self.outbox.popleft()
                await self.websocket.send_text(text)
                if len(self.outbox) < self.limit // 2:
                    self.drained.set()
        if self.overflowed:
            await self.close(1013, "too slow: reconnect for a fresh state")

    async def room(self) -> None:
        """Wait until the outbox is at most half full (or the connection is gone)."""
        while len(self.outbox) >= self.limit // 2 and not self.closed:
            self.drained.clear()
            await self.drained.wait()

    def stop(self) -> None:
        """Stop writing: the socket is gone or about to be."""
        self.closed = True
        self._wake()
        self.drained.set()

    async def close(self, code: int, reason: str = "") -> None:
        self.stop()
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)
