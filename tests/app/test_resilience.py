"""Dropped phones and a killed server: nobody loses a seat, a card, the timer or an event."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from app.clock import SystemClock
from tests.app.server import FAST, Client, Server, eventually
from tests.app.wire import WireGame, names, seat
from tests.conftest import GENEROUS


async def discussing(
    server: Server, http: httpx.AsyncClient, players: int, seconds: int
) -> tuple[WireGame, dict[str, Any]]:
    """A table seated on `server` whose first round's discussion runs (`seconds` long)."""
    g = await seat(server, http, names(players), round_seconds=seconds)
    for step in ("start_game", "choose_opdracht", "start_timer"):
        await g.fac.ok(step)
    return g, await g.fac.until(lambda v: v["phase"] == "discussing")


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
            g, before = await discussing(a, http, 7, 480)  # 8 s at scale 60, warning at 7 s
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
            g, _ = await discussing(a, http, 3, 120)
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


async def test_a_restart_loads_tables_from_their_snapshots_and_reads_no_old_event(
    fresh_db: Path,
) -> None:
    a = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:
        async with httpx.AsyncClient(base_url=a.http) as http:
            g, before = await discussing(a, http, 5, 900)
            version = g.fac.version
    finally:
        a.stop()  # SIGTERM: every table it held is kept as a snapshot
    for c in g.everyone:
        await c.close()
    with sqlite3.connect(fresh_db) as db:
        [(kept,)] = db.execute(
            "SELECT version FROM snapshots WHERE session_id = ?", (g.session.id,)
        )
    assert kept == version

    async def restarted(expected: int) -> tuple[dict[str, Any], int, int]:
        """The table as a facilitator finds it after a restart, and the events read to recover."""
        server = Server(fresh_db, env={**FAST, **GENEROUS}, port=a.port).start()
        try:
            async with httpx.AsyncClient(base_url=server.http) as http:
                read = (await http.get("/healthz")).json()["events_read"]
            fac = await Client(server, g.session.id, g.session.token("facilitator"), "f").connect()
            assert fac.version == expected
            if fac.view["phase"] == "discussing":
                await fac.ok("end_discussion")  # and the game goes on from there
                await fac.until(lambda v: v["phase"] == "deciding")
            await fac.close()
            return fac.view, fac.version, read
        finally:
            server.stop()

    after, now_at, read = await restarted(version)
    assert read == 0  # recovered (its timer runs) from the snapshot alone
    assert after["units"] == before["units"] and after["opdracht"] == before["opdracht"]
    seated = [(p["id"], p["name"], p["unit"]) for p in before["players"]]
    assert [(p["id"], p["name"], p["unit"]) for p in after["players"]] == seated
    with sqlite3.connect(fresh_db) as db:  # as if an older release had written it
        [(body,)] = db.execute("SELECT body FROM snapshots")
        db.execute("UPDATE snapshots SET body = ?", (b"0123456789abcdef" + body[16:],))
    again, _, read = await restarted(now_at)
    assert read == now_at  # other rules: the whole log is folded, to the same table
    assert again == after
