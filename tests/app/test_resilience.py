"""Dropped phones and a killed server: nobody loses a seat, a card, the timer or an event."""

import subprocess
import sys
from pathlib import Path

import httpx

from app.clock import SystemClock
from tests.app.server import FAST, Client, Server, eventually
from tests.app.wire import names, seat
from tests.conftest import GENEROUS


async def test_a_phone_that_drops_gets_its_seat_card_and_time_back(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(server, http, names(4), round_seconds=300)
    await g.fac.ok("start_game")
    await g.fac.ok("choose_opdracht")
    await g.fac.ok("start_timer")
    pid, phone = next(iter(g.players.items()))
    before = await phone.until(lambda v: v["phase"] == "discussing")
    mine = next(u for u in before["units"] if u["id"] == before["me"]["unit"])
    await phone.close()
    await g.fac.until(lambda v: not next(p for p in v["players"] if p["id"] == pid)["connected"])
    again = await Client(server, g.session.id, phone.token, "again").connect()
    v = again.view
    assert again.welcome["player_id"] == pid and v["me"]["unit"] == mine["id"]
    assert next(u for u in v["units"] if u["id"] == mine["id"])["strategy"] == mine["strategy"]
    assert v["timer"]["deadline"] == before["timer"]["deadline"]
    frame = again.frames[-1]
    assert abs(frame["server_now"] + v["timer"]["remaining_ms"] - v["timer"]["deadline"]) <= 5
    await g.fac.until(lambda v: next(p for p in v["players"] if p["id"] == pid)["connected"])
    g.players[pid] = again
    await g.close()


async def test_kill_9_mid_discussion_and_a_restart_lose_nothing(fresh_db: Path) -> None:
    a = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:
        async with httpx.AsyncClient(base_url=a.http) as http:
            g = await seat(a, http, names(7), round_seconds=480)  # 8 s at scale 60, warning at 7 s
            await g.fac.ok("start_game")
            await g.fac.ok("choose_opdracht")
            await g.fac.ok("start_timer")
            before = await g.fac.until(lambda v: v["phase"] == "discussing")
            version = g.fac.version
            events_before = (
                await http.get(
                    f"/api/sessions/{g.session.id}/events",
                    headers={"Authorization": f"Bearer {g.session.token('trainer')}"},
                )
            ).json()
    finally:
        a.kill()
    for c in g.everyone:
        await c.close()
    b = Server(fresh_db, env={**FAST, **GENEROUS}, port=a.port).start()
    try:
        fac = await Client(b, g.session.id, g.session.token("facilitator"), "fac").connect()
        phone = await Client(b, g.session.id, g.players["p1"].token, "p1").connect()
        after = fac.view
        assert fac.version == version
        assert after["units"] == before["units"]  # same deal, same duos
        assert after["timer"]["deadline"] == before["timer"]["deadline"]
        assert after["opdracht"] == before["opdracht"]
        deadline = after["timer"]["deadline"]
        warned = await phone.until(lambda v: v["timer"]["warned"], timeout=10)
        assert warned["phase"] == "discussing"
        await phone.until(lambda v: v["phase"] == "deciding", timeout=10)
        late = SystemClock().now() - deadline
        assert -50 <= late < 1500, late
        async with httpx.AsyncClient(base_url=b.http) as http:
            events = (
                await http.get(
                    f"/api/sessions/{g.session.id}/events",
                    headers={"Authorization": f"Bearer {g.session.token('trainer')}"},
                )
            ).json()
        assert events[: len(events_before)] == events_before
        types = [e["type"] for e in events]
        assert types.count("warning_given") == 1 and types.count("time_up") == 1
        await fac.close()
        await phone.close()
    finally:
        b.stop()


async def test_time_up_fires_after_a_restart_even_with_nobody_connected(fresh_db: Path) -> None:
    a = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:
        async with httpx.AsyncClient(base_url=a.http) as http:
            g = await seat(a, http, names(3), round_seconds=120)
            await g.fac.ok("start_game")
            await g.fac.ok("choose_opdracht")
            await g.fac.ok("start_timer")
            await g.fac.until(lambda v: v["phase"] == "discussing")
    finally:
        a.kill()
    for c in g.everyone:
        await c.close()
    deadline = g.fac.view["timer"]["deadline"]
    await eventually(
        lambda: SystemClock().now() > deadline + 500
    )  # passes while the server is down
    b = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:

        def replayed() -> str | None:
            out = subprocess.run(
                [sys.executable, "-m", "app.cli", "replay", g.session.id,
                 "--db", f"sqlite:///{fresh_db}", "--format", "json"],
                capture_output=True, text=True, check=True,
                cwd=Path(__file__).resolve().parents[2],
            )  # fmt: skip
            return out.stdout if '"time_up"' in out.stdout else None

        log = await eventually(replayed)
        assert '"type": "time_up"' in log and '"type": "warning_given"' not in log
    finally:
        b.stop()
