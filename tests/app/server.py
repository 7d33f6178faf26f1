"""Real servers for tests: `theater serve` as a subprocess on 127.0.0.1, and socket clients that
speak the protocol. Nothing here stands in for the real thing."""

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import websockets

from app.wire.protocol import StateFrame
from tests.viewing import Follower

T = TypeVar("T")
FAST = {"THEATER_CLOCK_SCALE": "60"}  # a 3-minute round lasts 3 s, the warning 1 s before


async def eventually(check: Callable[[], T | bool | None], timeout: float = 10) -> T:
    """Wait for `check()` to give something truthy (and return it), or fail after `timeout`:
    a condition with a deadline, never a guess at how long something takes."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {check}")
        await asyncio.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    db: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    db_url: str | None = None  # e.g. postgresql://…; default: SQLite at `db`
    redis: str | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        self.log = self.db.with_suffix(f".{self.port}.log")
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(self.port),
                "--db",
                self.db_url or f"sqlite:///{self.db}",
                *(["--redis", self.redis] if self.redis else []),
            ],
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + 60  # a loaded 2-core machine may take its time
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server died:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.http}/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.05)
        self.stop()  # not left behind, listening, when a loaded machine was too slow
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no flushing; only what was committed survives."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        return self.log.read_text() if self.log else ""


class Client:
    """One socket: collects every frame it receives, answers by command id."""

    def __init__(self, server: Server, session_id: str, token: str, name: str = "") -> None:
        self.server, self.session_id, self.token, self.name = server, session_id, token, name
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.view: dict[str, Any] = {}
        self.version = 0
        self.follower = Follower()
        self.welcome: dict[str, Any] = {}
        self.changed = asyncio.Condition()
        self.ws: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.closed_code: int | None = None
        self._ids = 0

    async def connect(self) -> "Client":
        self.follower = Follower()  # a new connection numbers its frames from 1
        self.ws = await websockets.connect(
            f"{self.server.ws}/ws/{self.session_id}", max_size=2**22, compression=None
        )
        await self.ws.send(json.dumps({"type": "hello", "token": self.token}))
        self.reader = asyncio.create_task(self._read())
        self.welcome = await self.next_frame("welcome")
        await self.until(lambda v: True)
        return self

    async def _take(self, raw: str) -> None:
        frame = self.follower.take(json.loads(raw))  # a patch: the state frame it stands for
        async with self.changed:
            self.raw.append(raw)
            self.frames.append(frame)
            if frame["type"] == "state":
                StateFrame.model_validate(frame)  # every view matches the documented one
                assert frame["version"] >= self.version, "versions never go back"
                self.view, self.version = frame["view"], frame["version"]
            self.changed.notify_all()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                await self._take(raw)
        except websockets.ConnectionClosed as e:
            self.closed_code = e.rcvd.code if e.rcvd else None
        finally:
            async with self.changed:
                if self.closed_code is None and self.ws.close_code is not None:
                    self.closed_code = self.ws.close_code
                self.changed.notify_all()

    async def next_frame(self, kind: str, after: int = 0, timeout: float = 10) -> dict[str, Any]:
        async def find() -> dict[str, Any]:
            async with self.changed:
                while True:
                    for f in self.frames[after:]:
                        if f["type"] == kind:
                            return f
                    if self.reader and self.reader.done():
                        raise ConnectionError(
                            f"{self.name}: closed ({self.closed_code}) waiting for {kind}"
                        )
                    await self.changed.wait()

        return await asyncio.wait_for(find(), timeout)

    async def until(self, predicate: Any, timeout: float = 10) -> dict[str, Any]:
        """Wait for a state whose view satisfies `predicate`."""

        async def wait() -> dict[str, Any]:
            async with self.changed:
                while not (self.view and predicate(self.view)):
                    if self.reader and self.reader.done():
                        raise ConnectionError(f"{self.name}: closed ({self.closed_code})")
                    await self.changed.wait()
                return self.view

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{self.name}: no matching state; last view phase={self.view.get('phase')}"
            ) from None

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def request(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send a frame with a fresh id and return the ack/error/pong that answers it."""
        self._ids += 1
        frame_id = f"{self.name}-{self._ids}"
        frame = {**frame, "id": frame_id}
        start = len(self.frames)
        await self.send_raw(json.dumps(frame))

        async def answer() -> dict[str, Any]:
            async with self.changed:
                while True:
                    for f in self.frames[start:]:
                        if f.get("id") == frame_id and f["type"] in ("ack", "error", "pong"):
                            return f
                    if self.reader and self.reader.done():
                        raise ConnectionError(f"{self.name}: closed ({self.closed_code})")
                    await self.changed.wait()

        return await asyncio.wait_for(answer(), 10)

    async def command(self, name: str, **args: Any) -> dict[str, Any]:
        return await self.request({"type": "command", "name": name, "args": args})

    async def ok(self, name: str, **args: Any) -> None:
        answer = await self.command(name, **args)
        assert answer["type"] == "ack", f"{self.name} {name}: {answer}"

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader:
            with contextlib.suppress(Exception):
                await self.reader


class StreamClient(Client):
    """The same viewer over the fallback transport (no WebSocket): the frames as server-sent
    events after a hello in the body, each command a POST answered by its ack or error."""

    async def connect(self) -> "Client":
        self.http = httpx.AsyncClient(base_url=self.server.http, timeout=httpx.Timeout(None))
        self.reader = asyncio.create_task(self._read())
        self.welcome = await self.next_frame("welcome")
        await self.until(lambda v: True)
        return self

    async def _read(self) -> None:
        hello = json.dumps({"type": "hello", "token": self.token})
        path = f"/api/sessions/{self.session_id}/stream"
        try:
            async with self.http.stream("POST", path, content=hello) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "close":
                        self.closed_code = json.loads(line[6:])["code"]
                        return
                    elif line.startswith("data: "):
                        await self._take(line[6:])
                    elif not line:
                        event = ""
        finally:
            async with self.changed:
                self.changed.notify_all()

    async def send_raw(self, data: str | bytes) -> None:
        """A frame as its own POST; the reply frame joins the stream's frames."""
        r = await self.http.post(
            f"/api/sessions/{self.session_id}/frames",
            content=data,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        await self._take(r.text)

    async def close(self) -> None:
        if self.reader:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader
        await self.http.aclose()


@dataclass
class Session:
    server: Server
    created: dict[str, Any]
    players: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> join answer

    @property
    def id(self) -> str:
        return str(self.created["session_id"])

    def token(self, role: str) -> str:
        return str(self.created[f"{role}_token"])

    async def join(
        self, http: httpx.AsyncClient, name: str, organisation: str = ""
    ) -> dict[str, Any]:
        r = await http.post(
            "/api/join",
            json={
                "join_code": self.created["join_code"],
                "name": name,
                "organisation": organisation,
            },
        )
        assert r.status_code == 201, r.text
        self.players[name] = r.json()
        return r.json()

    def client(
        self, role_or_name: str, server: Server | None = None, kind: type[Client] = Client
    ) -> Client:
        """A socket (or a `StreamClient`) for this role or player, on `server` (default: where
        the session began)."""
        at = server or self.server
        if role_or_name in ("facilitator", "screen", "trainer"):
            return kind(at, self.id, self.token(role_or_name), role_or_name)
        return kind(at, self.id, self.players[role_or_name]["player_token"], role_or_name)


async def new_session(server: Server, http: httpx.AsyncClient, **settings: Any) -> Session:
    r = await http.post("/api/sessions", json=settings)
    assert r.status_code == 201, r.text
    return Session(server, r.json())
