"""The load generator's parts: server processes it measures, a raw keep-alive HTTP client, and
bot sockets that time every state frame they receive.

Everything here runs in the bench process (pinned to its own core); the servers are subprocesses
pinned to another. Frames are read without parsing where the version is all we need: a state
frame starts with `{"type":"state","version":N,` on both servers.
"""

import asyncio
import bisect
import contextlib
import json
import math
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

STATE_PREFIX = '{"type":"state","version":'
PATCH_PREFIX = '{"type":"patch","version":'  # as long: the version starts at 26 in both
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), or NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class ServerProcess:
    """A server under test: started pinned to `cpu`, watched through /proc."""

    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    cpu: int | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str) -> "ServerProcess":
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        if self.cpu is not None:
            argv = ["taskset", "-c", str(self.cpu), *argv]
        self.proc = subprocess.Popen(
            argv,
            env={**os.environ, **self.env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server died:\n{self.log.read_text()[-3000:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as s,
            ):
                s.sendall(f"GET {ready_path} HTTP/1.0\r\n\r\n".encode())
                if s.recv(12).endswith(b"200"):
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def rss_bytes(self) -> int:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match
        return int(match[1]) * 1024

    def cpu_seconds(self) -> tuple[float, float]:
        """(user, system) CPU seconds so far."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) / TICK, int(fields[12]) / TICK

    def kill(self) -> None:
        """kill -9: nothing of the server's own shutdown runs."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class Together:
    """Several server processes measured as one (the two-server run)."""

    parts: list[ServerProcess]

    def cpu_seconds(self) -> tuple[float, float]:
        user, system = zip(*(p.cpu_seconds() for p in self.parts), strict=True)
        return sum(user), sum(system)

    def each_cpu_seconds(self) -> list[float]:
        return [sum(p.cpu_seconds()) for p in self.parts]

    def rss_bytes(self) -> int:
        return sum(p.rss_bytes() for p in self.parts)


class Http:
    """HTTP/1.1 over a few keep-alive connections: a load generator cannot afford a full client
    library per request, and the server sees the same requests a browser sends."""

    def __init__(self, port: int, size: int = 32) -> None:
        self.port = port
        self.pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.opened = 0
        self.size = size

    async def _conn(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.pool.empty() and self.opened < self.size:
            self.opened += 1
            return await asyncio.open_connection("127.0.0.1", self.port)
        return await self.pool.get()

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        data = json.dumps(body).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        reader, writer = await self._conn()
        writer.write(request)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            # the server closed an idle keep-alive connection: a browser retries on a new one
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: (\d+)", head)
        payload = await reader.readexactly(int(length[1])) if length else b""
        self.pool.put_nowait((reader, writer))
        return int(head[9:12]), json.loads(payload) if payload else None

    async def get(self, path: str) -> Any:
        """The JSON body of a GET (on a connection of its own)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        response = await reader.read()
        writer.close()
        return json.loads(response.split(b"\r\n\r\n", 1)[1])

    async def close(self) -> None:
        while not self.pool.empty():
            _, writer = self.pool.get_nowait()
            writer.close()


@dataclass
class Counters:
    frames: int = 0  # every frame any bot received
    characters: int = 0  # and their length
    unexpected_closes: int = 0
    errors: list[str] = field(default_factory=list)  # error frames answering our commands


class Bot:
    """One socket. Phones only note which versions arrived when; the facilitator also parses its
    frames, because the bot that drives a table decides its next move from what it sees."""

    def __init__(self, room: "Room", role: str, player_id: str | None = None) -> None:
        self.room, self.role, self.player_id = room, role, player_id
        self.ws: ClientConnection | None = None
        self.first = asyncio.get_running_loop().create_future()
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.first_version = 0
        self.last_version = 0
        self.received: list[int] = []  # every version, in order
        self.reader: asyncio.Task[None] | None = None
        self._ids = 0

    async def open(self, url: str, token: str) -> float:
        """Connect, say hello, wait for the first state; returns the seconds that took."""
        start = time.perf_counter()
        self.ws = await connect(
            url, compression=None, max_size=2**20, ping_interval=None, open_timeout=60
        )
        await self.ws.send(json.dumps({"type": "hello", "token": token}))
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.first, 60)
        return time.perf_counter() - start

    async def _read(self) -> None:
        assert self.ws is not None
        room, counters = self.room, self.room.counters
        try:
            async for msg in self.ws:
                now = time.time()
                counters.frames += 1
                counters.characters += len(msg)
                assert isinstance(msg, str)
                if msg.startswith(STATE_PREFIX) or msg.startswith(PATCH_PREFIX):
                    version = int(msg[26 : msg.index(",", 26)])
                    room.frame(self, msg)
                    if version > self.last_version:
                        if not self.first_version:
                            self.first_version = version
                        self.last_version = version
                        self.received.append(version)
                        room.seen(self, version, now, msg)
                    if not self.first.done():
                        self.first.set_result(None)
                    continue
                frame = json.loads(msg)
                future = self.pending.pop(frame.get("id"), None) if "id" in frame else None
                if future is not None and not future.done():
                    future.set_result(frame)
        except ConnectionClosed:
            pass
        if not room.closing:
            counters.unexpected_closes += 1
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError(f"{self.role} socket closed"))

    async def request(self, frame: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """Send with a fresh id; the answer (ack, error, pong) and the send time."""
        assert self.ws is not None
        self._ids += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self._ids] = future
        sent = time.time()
        await self.ws.send(json.dumps({**frame, "id": self._ids}))
        return await asyncio.wait_for(future, 30), sent

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader


class Room:
    """A table (or a baseline room) as the bots see it: when each version reached each phone."""

    def __init__(self, index: int, counters: Counters) -> None:
        self.index = index
        self.counters = counters
        self.phones: list[Bot] = []
        self.others: list[Bot] = []  # facilitator, screen
        self.versions: dict[int, float] = {}  # version its observing sockets got -> first when
        self.observers: set[str] | None = None  # roles whose frames count there (None: all)
        self.elsewhere: set[int] = set()  # versions only the others saw (merged on the way)
        self.arrivals: dict[int, list[float]] = {}  # version -> [phones that got it, last time]
        self.sent: dict[int, float] = {}  # version a command produced -> when it was sent
        self.closing = False

    def frame(self, bot: Bot, msg: str) -> None:
        """Every state or patch frame a socket got (for a room that follows a view)."""

    def seen(self, bot: Bot, version: int, now: float, msg: str) -> None:
        if self.observers is None or bot.role in self.observers:
            self.versions.setdefault(version, now)
        else:
            self.elsewhere.add(version)
        if bot.role == "player":
            arrival = self.arrivals.setdefault(version, [0, 0.0])
            arrival[0] += 1
            arrival[1] = max(arrival[1], now)

    def sockets(self) -> int:
        return len(self.phones) + len(self.others)

    def reached_all(self, version: int) -> float | None:
        """When the last phone had `version` (or, if its server merged it into a later state,
        that state), or None if one has not (yet)."""
        full = len(self.phones)
        arrival = self.arrivals.get(version)
        if arrival and arrival[0] == full:
            return arrival[1]
        later = [t for v, (n, t) in self.arrivals.items() if v > version and n == full]
        return min(later) if later else None

    async def command(self, bot: Bot, name: str, **args: Any) -> int | None:
        """One command, timed from its send; returns the version it produced (None if refused)."""
        answer, sent = await bot.request({"type": "command", "name": name, "args": args})
        if answer["type"] != "ack":
            self.counters.errors.append(f"{name}: {answer.get('code')} {answer.get('message')}")
            return None
        version = int(answer["version"])
        self.sent[version] = sent
        return version

    def merged(self) -> int:
        """Versions the observing side never saw on its own: with two servers, B applies what it
        catches up on at once and sends the latest state (phones miss nothing of it)."""
        return len(self.elsewhere - self.versions.keys())

    def lost(self, settled_s: float = 1.0) -> int:
        """State frames a phone should have had and did not get: every version its server sent
        from the phone's first on, and from the room's first command on (before, phones join in
        a burst the server tells in one frame per tick, so a phone may skip a join's version),
        up to those first seen `settled_s` ago (a later one may still be on its way)."""
        cutoff, began = time.time() - settled_s, min(self.sent.values(), default=math.inf)
        ordered = sorted(v for v, seen in self.versions.items() if began <= seen <= cutoff)
        missing = 0
        for phone in self.phones:
            if phone.first_version:
                due = len(ordered) - bisect.bisect_left(ordered, phone.first_version)
                got = bisect.bisect_right(phone.received, ordered[-1]) if ordered else 0
                missing += max(0, due - got)
        return missing

    async def close(self) -> None:
        self.closing = True
        for bot in [*self.phones, *self.others]:
            await bot.close()
