"""Workshops over real sockets against real servers: several tables under one code, formed from a
proposal, run together from one console (with a table that falls behind), latecomers, a message
to the room, a call from a table, one export, and a kill -9 in the middle that loses nothing."""

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.app.server import FAST, Client, Server, Session, eventually, new_session
from tests.app.wire import WireGame, check_deals, check_no_leaks, play_round
from tests.conftest import GENEROUS

ORGS = ["Gemeente", "GGD", "School", "Welzijn"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def workshop(
    server: Server, http: httpx.AsyncClient, players: int, **settings: Any
) -> tuple[Session, Client, dict[str, Client]]:
    """A workshop with `players` joined by its one code, each phone on the lobby's socket."""
    s = await new_session(server, http, **settings)
    assert s.created["links"]["facilitator"].startswith(f"{server.http}/w/")
    assert s.created["links"]["screen"].startswith(f"{server.http}/v/")
    phones = {}
    for i in range(players):
        joined = await s.join(http, f"Speler {i + 1}", ORGS[i % len(ORGS)])
        assert joined["session_id"] == s.id
        phones[joined["player_id"]] = await s.client(f"Speler {i + 1}").connect()
    console = await s.client("facilitator").connect()
    return s, console, phones


async def form(s: Session, http: httpx.AsyncClient) -> list[str]:
    r = await http.post(f"/api/sessions/{s.id}/tables", headers=bearer(s.token("facilitator")))
    assert r.status_code == 201, r.text
    return [t["session_id"] for t in r.json()["tables"]]


async def at_table(
    server: Server, s: Session, sid: str, lobby_phones: dict[str, Client], table: dict[str, Any]
) -> WireGame:
    """Everyone of one table, connected to it with the tokens they joined the workshop with."""
    created = {**s.created, "session_id": sid}
    players = {}
    for i, pid in enumerate(table["players"], 1):
        players[f"p{i}"] = await Client(server, sid, lobby_phones[pid].token, pid).connect()
    fac, screen, trainer = [
        await Client(server, sid, s.token(role), role).connect()
        for role in ("facilitator", "screen", "trainer")
    ]
    return WireGame(Session(server, created), fac, screen, trainer, players)


async def log_of(http: httpx.AsyncClient, s: Session, sid: str) -> list[dict[str, Any]]:
    r = await http.get(f"/api/sessions/{sid}/events", headers=bearer(s.token("trainer")))
    return r.json()


async def all_tables(
    http: httpx.AsyncClient, s: Session, name: str, **args: Any
) -> list[dict[str, Any]]:
    r = await http.post(
        f"/api/sessions/{s.id}/tables/command",
        json={"name": name, "args": args},
        headers=bearer(s.token("facilitator")),
    )
    assert r.status_code == 200, r.text
    return r.json()["results"]


async def test_two_tables_of_nine_run_together_with_one_falling_behind(
    server: Server, http: httpx.AsyncClient
) -> None:
    s, console, lobby = await workshop(
        server, http, 18, tables=2, rounds=2, round_seconds=120, open_card_last_round=False
    )
    proposal = (await console.until(lambda v: len(v.get("proposal", [])) == 2))["proposal"]
    assert sorted(len(t) for t in proposal) == [9, 9]
    refused = await console.command("start_game")
    assert refused["type"] == "error" and refused["reason"] == "workshop_lobby"
    ids = await form(s, http)
    assert len(ids) == 2
    formed = await lobby["p1"].until(lambda v: v["workshop"]["tables"])
    tables = formed["workshop"]["tables"]
    orgs = {pid: ORGS[(int(pid[1:]) - 1) % 4] for pid in lobby}
    for org in ORGS:  # colleagues spread evenly: 18 players, 4 or 5 per organisation
        counts = [Counter(orgs[p] for p in t["players"])[org] for t in tables]
        assert max(counts) - min(counts) <= 1, (org, counts)
    games = [await at_table(server, s, t["session_id"], lobby, t) for t in tables]
    for g in games:
        assert g.players["p1"].view["workshop"]["table"] in (1, 2)
        assert g.fac.view["workshop"]["join_code"] == s.created["join_code"]
        assert len(g.fac.view["players"]) == 9

    # Round 1, together: start both games, draw both cards, start both timers at once.
    assert all(r["version"] for r in await all_tables(http, s, "start_game"))
    assert all(r["version"] for r in await all_tables(http, s, "choose_opdracht"))
    for g in games:
        v = await g.fac.until(lambda v: v["phase"] == "reading")
        g.deals[1] = {u["id"]: u["strategy"]["id"] for u in v["units"]}
        g.opdrachten.append(v["opdracht"]["id"])
        assert len(v["units"]) == 5  # nine players: four duos and one alone
    results = await all_tables(http, s, "start_timer")
    assert [r["error"] for r in results] == [None, None]
    deadlines = [(await g.fac.until(lambda v: v["phase"] == "discussing"))["timer"]["deadline"]
                 for g in games]  # fmt: skip
    assert abs(deadlines[0] - deadlines[1]) < 1000
    # A message to the room reaches every phone and screen of every table.
    await all_tables(http, s, "send_message", text="Nog twee minuten, dan plenair.")
    for g in games:
        await g.all_see(lambda v: v["message"] == "Nog twee minuten, dan plenair.")
    # A table calls the facilitator; the table's console shows it until it is answered.
    await games[1].players["p3"].ok("call_facilitator")
    await games[1].fac.until(lambda v: v["call"] == "p3")
    await games[1].fac.ok("answer_call")
    await games[1].fac.until(lambda v: v["call"] is None)
    for g in games:
        await g.fac.until(lambda v: v["phase"] == "deciding", timeout=15)
    await games[0].fac.ok("record_decision", text="Keuken van de GGD", reached="yes")
    results = await all_tables(http, s, "next_round")
    behind = next(r for r in results if r["session_id"] == games[1].session.id)
    assert behind["error"]["reason"] == "no_decision"  # the console says which and why
    assert next(r for r in results if r["session_id"] == games[0].session.id)["version"]
    await games[1].fac.ok("record_decision", text="Bibliotheek", reached="partly")
    await games[1].fac.ok("next_round")

    # Round 2 at each table's own pace, then the end for all.
    await asyncio.gather(*(play_round(g, answers=False) for g in games))
    assert all(r["version"] for r in await all_tables(http, s, "end_game"))
    for g in games:
        await g.all_see(lambda v: v["phase"] == "ended")
        check_deals(g)
        assert check_no_leaks(g) > 100

    export = await http.get(
        f"/api/sessions/{s.id}/export?format=md", headers=bearer(s.token("trainer"))
    )
    assert "# Tafel 1" in export.text and "# Tafel 2" in export.text
    assert "Keuken van de GGD" in export.text and "Bibliotheek" in export.text
    csv = await http.get(
        f"/api/sessions/{s.id}/export?format=csv", headers=bearer(s.token("trainer"))
    )
    assert {line.split(";")[0] for line in csv.text.splitlines()[1:] if line} >= {"1", "2"}
    for g in games:
        await g.close()
    for c in [console, *lobby.values()]:
        await c.close()


async def test_thirteen_on_automatic_sit_six_and_seven_and_a_latecomer_takes_the_smaller(
    server: Server, http: httpx.AsyncClient
) -> None:
    s, console, lobby = await workshop(server, http, 13, tables="auto")
    v = await console.until(lambda v: len(v.get("proposal", [])) == 2)
    assert sorted(len(t) for t in v["proposal"]) == [6, 7]
    big = max(v["proposal"], key=len)
    other = 2 if v["proposal"].index(big) == 0 else 1
    await console.ok("move_player", player_id=big[0], table=other)
    moved = (await console.until(lambda w: w["proposal"] != v["proposal"]))["proposal"]
    assert big[0] in moved[other - 1] and sorted(map(len, moved)) == [6, 7]
    ids = await form(s, http)
    sizes = {}
    for sid in ids:
        fac = await Client(server, sid, s.token("facilitator"), "fac").connect()
        sizes[sid] = len(fac.view["players"])
        await fac.close()
    assert sorted(sizes.values()) == [6, 7]
    late = await s.join(http, "Laatkomer", "GGD")
    smaller = min(sizes, key=lambda k: sizes[k])
    assert late["session_id"] == smaller
    for c in [console, *lobby.values()]:
        await c.close()


async def test_kill_9_in_the_middle_of_a_workshop_loses_nothing(fresh_db: Path) -> None:
    a = Server(fresh_db, env={**FAST, **GENEROUS}).start()
    try:
        async with httpx.AsyncClient(base_url=a.http) as http:
            s, console, lobby = await workshop(a, http, 8, tables=2, round_seconds=600)
            ids = await form(s, http)
            await all_tables(http, s, "start_game")
            await all_tables(http, s, "choose_opdracht")
            await all_tables(http, s, "start_timer")
            logs_before = {}
            for sid in ids:
                fac = await Client(a, sid, s.token("facilitator"), "fac").connect()
                await fac.until(lambda v: v["phase"] == "discussing")
                await fac.close()
                logs_before[sid] = await log_of(http, s, sid)
    finally:
        a.kill()
    for c in [console, *lobby.values()]:
        await c.close()
    b = Server(fresh_db, env={**FAST, **GENEROUS}, port=a.port).start()
    try:
        async with httpx.AsyncClient(base_url=b.http) as http:
            phone = await Client(b, s.id, lobby["p1"].token, "p1").connect()
            assert [t["session_id"] for t in phone.view["workshop"]["tables"]] == ids
            await phone.close()
            for sid in ids:  # each table's log as it was, and its time-up exactly once
                fac = await Client(b, sid, s.token("facilitator"), "fac").connect()
                await fac.until(lambda v: v["phase"] == "deciding", timeout=20)
                await fac.close()
                log = await log_of(http, s, sid)
                assert log[: len(logs_before[sid])] == logs_before[sid]
                assert [e["type"] for e in log].count("time_up") == 1
            late = await s.join(http, "Na de herstart")
            assert late["session_id"] in ids
    finally:
        b.stop()


async def test_forty_people_on_automatic_sit_at_four_tables_of_ten(
    server: Server, http: httpx.AsyncClient
) -> None:
    s, console, lobby = await workshop(server, http, 40, tables="auto")
    v = await console.until(lambda v: len(v.get("proposal", [])) == 4)
    assert [len(t) for t in v["proposal"]] == [10, 10, 10, 10]
    ids = await form(s, http)
    results = await all_tables(http, s, "start_game")
    assert [r["error"] for r in results] == [None] * 4
    for sid in ids:
        fac = await Client(server, sid, s.token("facilitator"), "fac").connect()
        units = fac.view["units"]
        assert len(fac.view["players"]) == 10 and len(units) == 5  # five duos per table
        await fac.close()
    for c in [console, *lobby.values()]:
        await c.close()


async def test_a_co_facilitator_of_a_workshop_steers_its_tables_until_revoked(
    server: Server, http: httpx.AsyncClient
) -> None:
    s, console, lobby = await workshop(server, http, 6, tables=2)
    ids = await form(s, http)
    first = bearer(s.token("facilitator"))
    r = await http.post(
        f"/api/sessions/{s.id}/facilitators", json={"label": "Sanne"}, headers=first
    )
    co_token = r.json()["token"]
    at_table = await Client(server, ids[1], co_token, "co").connect()
    assert at_table.welcome["role"] == "facilitator"
    r = await http.post(
        f"/api/sessions/{s.id}/tables/command",
        json={"name": "start_game"},
        headers=bearer(co_token),
    )
    assert [x["error"] for x in r.json()["results"]] == [None, None]
    r = await http.post(  # a player id means someone else at each table: not for all at once
        f"/api/sessions/{s.id}/tables/command",
        json={"name": "remove_player", "args": {"player_id": "p1"}},
        headers=first,
    )
    assert r.status_code == 400 and "every table" in r.json()["error"]["message"]
    events = await log_of(http, s, ids[0])
    assert next(e for e in events if e["type"] == "game_started")["facilitator"] == "f2"
    r = await http.delete(f"/api/sessions/{s.id}/facilitators/f2", headers=first)
    assert r.status_code == 204
    await eventually(lambda: at_table.closed_code == 4412)
    gone = await http.delete(f"/api/sessions/{s.id}", headers=first)  # the workshop and its tables
    assert gone.status_code == 204
    for sid in ids:
        assert (await http.get(f"/api/sessions/{sid}/events", headers=first)).status_code == 404
    for c in [console, *lobby.values()]:
        await c.close()
