"""A server told to stop (SIGTERM: an update, a redeploy) drains first: the command it is writing
is finished and acknowledged, every socket is told to reconnect elsewhere (1012), `/healthz` says
"draining" so a balancer sends nothing new, and the process exits in bounded time. The scaled-out
rolling update (three servers, one after another, mid-round) is in `tests/scaled/`."""

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets

from app.config import Config
from app.wire.server import DrainingServer, create_app
from tests.app.server import FAST, Client, Server, free_port
from tests.app.wire import names, seat
from tests.conftest import GENEROUS


async def _events(http: httpx.AsyncClient, session_id: str, trainer: str) -> list[dict]:
    r = await http.get(
        f"/api/sessions/{session_id}/events", headers={"Authorization": f"Bearer {trainer}"}
    )
    assert r.status_code == 200, r.text
    events: list[dict] = r.json()
    return events


async def test_a_draining_server_lets_the_last_ack_out_and_takes_nothing_new(
    tmp_path: Path,
) -> None:
    """In this process (a real uvicorn on 127.0.0.1), so the drain can be watched as it
    happens: the service is drained directly, then the stop signal's handler is called."""
    port = free_port()
    config = Config(db=f"sqlite:///{tmp_path / 't.db'}", port=port, joins_per_minute=1000)
    app = create_app(config)
    service = app.state.service
    settings = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = DrainingServer(settings, service, within_s=5)
    serving = asyncio.create_task(server.serve())
    at = Server(tmp_path / "t.db", port=port)  # only its address: the server runs here
    async with httpx.AsyncClient(base_url=at.http) as http:
        while not server.started:
            await asyncio.sleep(0.01)
        g = await seat(at, http, names(4))

        # a command being written when the drain begins is finished, and its ack reaches the
        # phone before the close: no phone is left wondering whether its command counted. (The
        # store's append is held at a gate so that the drain surely begins in the middle of it.)
        gate, append = asyncio.Event(), service.store.append

        async def held_append(*args: object) -> None:
            await gate.wait()
            await append(*args)

        service.store.append = held_append
        sending = asyncio.create_task(g.fac.command("send_message", text="Pauze tot half elf"))
        table = service.tables[g.session.id]
        while not table.lock.locked():
            await asyncio.sleep(0.005)
        draining = asyncio.create_task(service.tables.drain(5))
        await asyncio.sleep(0.2)
        assert not draining.done() and g.fac.closed_code is None, "the drain waits for the write"
        gate.set()
        sent = await sending
        await draining
        assert sent["type"] == "ack", sent
        for client in g.everyone:
            await asyncio.wait_for(client.reader, 5)  # type: ignore[arg-type]
            assert client.closed_code == 1012, (client.name, client.closed_code)
        messages = [
            e
            for e in await _events(http, g.session.id, g.session.token("trainer"))
            if e["type"] == "message_sent"
        ]
        assert [m["text"] for m in messages] == ["Pauze tot half elf"]

        health = await http.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "draining"
        # a new socket is refused before its handshake (503), so a balancer tries another server
        with pytest.raises(websockets.InvalidStatus) as refused:
            await Client(at, g.session.id, g.session.token("screen"), "late").connect()
        assert refused.value.response.status_code == 503
        assert (await http.get("/")).status_code == 200  # plain pages and the API still answer

    began = time.monotonic()
    server.handle_exit(signal.SIGTERM, None)
    await asyncio.wait_for(serving, 10)
    assert time.monotonic() - began < 2, "a drained server stops at once"


async def test_sigterm_mid_round_moves_every_socket_and_the_round_goes_on(
    fresh_db: Path,
) -> None:
    a = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    async with httpx.AsyncClient(base_url=a.http) as http:
        g = await seat(a, http, names(5), round_seconds=300)  # 5 s at scale 60
        await g.fac.ok("start_game")
        await g.fac.ok("choose_opdracht")
        await g.fac.ok("start_timer")
        deadline = (await g.fac.until(lambda v: v["phase"] == "discussing"))["timer"]["deadline"]
        assert a.proc is not None
        began = time.monotonic()
        a.proc.send_signal(signal.SIGTERM)
        for client in g.everyone:
            await asyncio.wait_for(client.reader, 5)  # type: ignore[arg-type]
            assert client.closed_code == 1012, (client.name, client.closed_code)
        assert a.proc.wait(10) == 0
        took = time.monotonic() - began
        assert took < 3, f"the drain took {took:.1f} s"
        assert "drained: 1 tables handed on" in a.logs()

    b = Server(fresh_db, env={**FAST, **GENEROUS}, port=a.port).start()
    try:
        phone = await Client(b, g.session.id, g.players["p1"].token, "p1").connect()
        assert phone.view["timer"]["deadline"] == deadline
        await phone.until(lambda v: v["phase"] == "deciding", timeout=10)
        async with httpx.AsyncClient(base_url=b.http) as http:
            types = [
                e["type"] for e in await _events(http, g.session.id, g.session.token("trainer"))
            ]
        assert types.count("time_up") == 1 and types.count("warning_given") == 1
        await phone.close()
    finally:
        b.stop()
