"""Several `theater serve` processes, one PostgreSQL, one Redis: one game, whichever server a
phone talks to, and a server may die in the middle of it."""

import asyncio
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.stores.postgres import PostgresStore
from game.events import MessageSent
from tests.app.server import FAST, Client, Server, new_session
from tests.app.wire import WireGame, check_deals, check_no_leaks, names, play_game
from tests.conftest import GENEROUS, new_database
from tests.scaled.conftest import three_servers
from tests.scaled.services import Redis, postgres_cluster


async def log_of(database: str, session_id: str) -> list[asyncpg.Record]:
    db = await asyncpg.connect(database)
    try:
        return await db.fetch(
            "SELECT version, type, at, body FROM events WHERE session_id = $1 ORDER BY version",
            session_id,
        )
    finally:
        await db.close()


def assert_no_gap_no_duplicate(log: list[asyncpg.Record]) -> None:
    assert [r["version"] for r in log] == list(range(1, len(log) + 1))


async def spread_game(a: Server, b: Server, players: int = 7) -> WireGame:
    """A session begun on A; joins and phones alternate between A and B; the facilitator is on
    A, the screen and the trainer on B."""
    async with (
        httpx.AsyncClient(base_url=a.http) as on_a,
        httpx.AsyncClient(base_url=b.http) as on_b,
    ):
        s = await new_session(a, on_a)
        for i, (name, org) in enumerate(names(players)):
            await s.join(on_a if i % 2 == 0 else on_b, name, org)
    phones: dict[str, Client] = {}
    for i, (name, _) in enumerate(names(players)):
        phones[s.players[name]["player_id"]] = await s.client(
            name, a if i % 2 == 0 else b
        ).connect()
    g = WireGame(
        s,
        await s.client("facilitator", a).connect(),
        await s.client("screen", b).connect(),
        await s.client("trainer", b).connect(),
        phones,
    )
    # the facilitator on A sees the phones on B as online: presence crosses servers too
    await g.fac.until(lambda v: all(p["connected"] for p in v["players"]))
    return g


async def test_a_whole_game_across_two_servers(servers: list[Server], database: str) -> None:
    a, b, _ = servers
    g = await spread_game(a, b)
    await play_game(g)
    check_deals(g)
    assert check_no_leaks(g) > 200, "every frame on both servers was scanned for hidden cards"
    log = await log_of(database, g.session.id)
    assert_no_gap_no_duplicate(log)
    assert sum(r["type"] == "time_up" for r in log) == g.fac.view["rounds"]
    assert {c.version for c in g.everyone} == {len(log)}, "every socket ends on the last version"
    await g.close()


async def test_conflicting_commands_at_the_same_instant(
    servers: list[Server], database: str
) -> None:
    a, b, c = servers
    g = await spread_game(a, b)
    fac_b = await g.session.client("facilitator", b).connect()
    first, second = await asyncio.gather(g.fac.command("start_game"), fac_b.command("start_game"))
    answers = sorted([first["type"], second["type"]])
    assert answers == ["ack", "error"], (first, second)
    refused = first if first["type"] == "error" else second
    assert refused["code"] == "invalid_phase"

    # a burst of latecomers over three servers: seated until the table is full (12), then each
    # refused the same way; no seat given twice, no gap in the log
    async def join(server: Server, i: int) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=server.http) as http:
            r = await http.post(
                "/api/join",
                json={"join_code": g.session.created["join_code"], "name": f"Laat {i}"},
            )
            return {"status": r.status_code, **r.json()}

    late = await asyncio.gather(*(join((a, b, c)[i % 3], i) for i in range(7)))
    seated = [r for r in late if r["status"] == 201]
    assert len(seated) == 12 - 7 and len({r["player_id"] for r in seated}) == 5, late
    assert [r["error"]["code"] for r in late if r["status"] != 201] == ["table_full"] * 2
    log = await log_of(database, g.session.id)
    assert_no_gap_no_duplicate(log)
    assert sum(r["type"] == "game_started" for r in log) == 1
    assert sum(r["type"] == "player_joined" for r in log) == 12
    await fac_b.close()
    await g.close()


async def test_simultaneous_joins_on_three_servers_all_get_a_seat(
    servers: list[Server], database: str
) -> None:
    a, b, c = servers
    async with httpx.AsyncClient(base_url=a.http) as http:
        s = await new_session(a, http)

    async def join(server: Server, i: int) -> httpx.Response:
        async with httpx.AsyncClient(base_url=server.http) as client:
            return await client.post(
                "/api/join", json={"join_code": s.created["join_code"], "name": f"Speler {i}"}
            )

    answers = await asyncio.gather(*(join((a, b, c)[i % 3], i) for i in range(12)))
    assert [r.status_code for r in answers] == [201] * 12, [r.text for r in answers]
    assert len({r.json()["player_id"] for r in answers}) == 12
    log = await log_of(database, s.id)
    assert_no_gap_no_duplicate(log)
    assert [r["type"] for r in log] == ["session_created"] + ["player_joined"] * 12


async def test_a_phone_that_joined_on_one_server_connects_at_once_to_another(
    servers: list[Server],
) -> None:
    a, b, _ = servers
    async with httpx.AsyncClient(base_url=a.http) as http:
        s = await new_session(a, http)
        screen = await s.client("screen", b).connect()  # B holds the table from before the joins
        for name, org in names(6):
            await s.join(http, name, org)
            phone = await s.client(name, b).connect()  # no pause: B may not have heard yet
            assert phone.welcome["player_id"] == s.players[name]["player_id"]
            assert phone.view["me"]["name"] == name
            await phone.close()
    await screen.close()


async def test_kill_9_of_a_server_mid_discussion(servers: list[Server], database: str) -> None:
    a, b, _ = servers
    g = await spread_game(a, b)
    await g.fac.ok("start_game")
    v = await g.fac.until(lambda v: v["phase"] == "choosing")
    picker = g.players[v["picker"]]
    await picker.until(lambda v: v["phase"] == "choosing")
    await picker.ok("pick_opdracht", slot=0)
    v = await g.fac.until(lambda v: v["phase"] == "reading")
    for unit in v["units"]:
        phone = g.players[unit["members"][0]]
        await phone.until(lambda v: v["phase"] == "reading")  # a phone acts on what it shows
        await phone.ok("ready")
    await g.fac.until(lambda v: all(u["ready"] for u in v["units"]))
    await g.fac.ok("start_timer")
    await g.all_see(lambda v: v["phase"] == "discussing")
    deadline = g.fac.view["timer"]["deadline"]
    before = await log_of(database, g.session.id)

    a.kill()
    # A's phones (and the facilitator) come back through B, as behind a load balancer
    moved = [pid for pid, c in g.players.items() if c.server is a]
    assert moved
    for pid in moved:
        name = next(n for n, p in g.session.players.items() if p["player_id"] == pid)
        g.players[pid] = await g.session.client(name, b).connect()
    g.fac = await g.session.client("facilitator", b).connect()
    await g.all_see(lambda v: v["phase"] == "deciding", timeout=15)

    after = await log_of(database, g.session.id)
    assert_no_gap_no_duplicate(after)
    assert after[: len(before)] == before, "nothing committed before the kill is lost"
    assert sum(r["type"] == "time_up" for r in after) == 1
    assert sum(r["type"] == "warning_given" for r in after) <= 1
    time_up = next(r for r in after if r["type"] == "time_up")
    assert 0 <= time_up["at"] - deadline < 1000, "the time-up came on time from B"
    await g.close()


async def test_redis_restarted_mid_game(
    servers: list[Server], redis_server: Redis, database: str
) -> None:
    a, b, _ = servers
    g = await spread_game(a, b)
    redis_server.stop()
    await g.fac.ok("start_game")  # on A, while B hears nothing
    redis_server.start()
    # the screen on B: same socket, no reload, catches up once the fan-out is back
    v = await g.screen.until(lambda v: v["phase"] == "choosing", timeout=20)
    picker = g.players[v["picker"]]
    await picker.ok("pick_opdracht", slot=0)  # and commands flow across servers again
    await g.all_see(lambda v: v["phase"] == "reading", timeout=10)
    assert_no_gap_no_duplicate(await log_of(database, g.session.id))
    await g.close()


async def test_rate_limits_hold_across_servers(
    tmp_path: Path, database: str, redis_server: Redis
) -> None:
    env = {**FAST, **GENEROUS, "THEATER_JOINS_PER_MINUTE": "3", "THEATER_SESSIONS_PER_MINUTE": "2"}
    pair = [
        Server(tmp_path / f"s{i}.db", env=env, db_url=database, redis=redis_server.url).start()
        for i in range(2)
    ]
    try:
        codes, created = [], []
        for i in range(4):
            async with httpx.AsyncClient(base_url=pair[i % 2].http) as http:
                r = await http.post("/api/join", json={"join_code": "ZZZZZZ", "name": "Raad"})
                codes.append(r.json()["error"]["code"])
                created.append((await http.post("/api/sessions", json={})).status_code)
        assert codes == ["unknown_code"] * 3 + ["rate_limited"], codes
        assert created == [201, 201, 429, 429], created
    finally:
        for server in pair:
            server.stop()


async def test_a_session_deleted_on_one_server_is_gone_from_all(servers: list[Server]) -> None:
    a, b, _ = servers
    async with httpx.AsyncClient(base_url=a.http) as http:
        s = await new_session(a, http)
        screen_b = await s.client("screen", b).connect()
        r = await http.delete(
            f"/api/sessions/{s.id}", headers={"Authorization": f"Bearer {s.token('facilitator')}"}
        )
        assert r.status_code == 204
    await asyncio.wait_for(screen_b.reader, 5)  # type: ignore[arg-type]
    assert screen_b.closed_code == 4410
    with pytest.raises(ConnectionError):
        await s.client("screen", b).connect()


async def test_a_workshop_spread_over_three_servers(servers: list[Server], database: str) -> None:
    """Players join the workshop through A and B, the console forms the tables on C, phones
    follow their table on A and B, every table starts from B, a latecomer joins through A."""
    a, b, c = servers
    async with httpx.AsyncClient(base_url=a.http) as on_a:
        s = await new_session(a, on_a, tables=2, round_seconds=600)
    lobby: dict[str, Client] = {}
    for i, (name, org) in enumerate(names(8)):
        at = (a, b)[i % 2]
        async with httpx.AsyncClient(base_url=at.http) as http:
            joined = await s.join(http, name, org)
        lobby[joined["player_id"]] = await s.client(name, at).connect()
    fac = {"Authorization": f"Bearer {s.token('facilitator')}"}
    async with httpx.AsyncClient(base_url=c.http) as on_c:
        r = await on_c.post(f"/api/sessions/{s.id}/tables", headers=fac)
    assert r.status_code == 201, r.text
    tables = r.json()["tables"]
    for pid, phone in lobby.items():  # every lobby phone, whichever server, learns its table
        seen = await phone.until(lambda v: v["workshop"]["tables"], timeout=10)
        assert any(pid in t["players"] for t in seen["workshop"]["tables"])
    async with httpx.AsyncClient(base_url=b.http) as on_b:
        r = await on_b.post(
            f"/api/sessions/{s.id}/tables/command", json={"name": "start_game"}, headers=fac
        )
        assert [x["error"] for x in r.json()["results"]] == [None, None], r.text
    for t in tables:
        at_a = await Client(a, t["session_id"], s.token("screen"), "screen").connect()
        await at_a.until(lambda v: v["phase"] == "choosing", timeout=10)
        await at_a.close()
        log = await log_of(database, t["session_id"])
        assert_no_gap_no_duplicate(log)
        assert [r["type"] for r in log].count("game_started") == 1
    async with httpx.AsyncClient(base_url=a.http) as on_a:
        late = await s.join(on_a, "Laatkomer")
    assert late["session_id"] in {t["session_id"] for t in tables}
    for phone in lobby.values():
        await phone.close()


async def _health(server: Server) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.http) as http:
        answer: dict[str, Any] = (await http.get("/healthz")).json()
        return answer


async def _held(server: Server) -> int:
    """Tables the server holds in memory (its health check says)."""
    return int((await _health(server))["sessions"])


async def _discussing_on(a: Server) -> tuple[str, int, list[Client]]:
    """A four-player table whose every socket is on A, its discussion running."""
    async with httpx.AsyncClient(base_url=a.http) as http:
        s = await new_session(a, http)
        for name in ("Anna", "Bram", "Chris", "Dewi"):
            await s.join(http, name)
    phones = [await s.client(name).connect() for name in ("Anna", "Bram", "Chris", "Dewi")]
    fac = await s.client("facilitator").connect()
    await fac.ok("start_game")
    await fac.ok("choose_opdracht")
    for phone in phones:  # four units of one
        await phone.until(lambda v: v["phase"] == "reading")
        await phone.ok("ready")
    await fac.ok("start_timer")
    v = await fac.until(lambda v: v["phase"] == "discussing")
    return s.id, v["timer"]["deadline"], [fac, *phones]


async def _until_logged(database: str, session_id: str, kind: str, timeout: float = 15) -> list:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        log = await log_of(database, session_id)
        if any(r["type"] == kind for r in log):
            return log
        assert asyncio.get_running_loop().time() < deadline, f"no {kind} within {timeout} s"
        await asyncio.sleep(0.05)


async def _one_time_up_after(database: str, session_id: str, moment: float) -> None:
    """The time-up comes, once, not before `moment`, with no gap in the log, and no second."""
    log = await _until_logged(database, session_id, "time_up", timeout=20)
    assert_no_gap_no_duplicate(log)
    assert sum(r["type"] == "time_up" for r in log) == 1
    assert next(r for r in log if r["type"] == "time_up")["at"] >= moment
    await asyncio.sleep(0.5)
    assert sum(r["type"] == "time_up" for r in await log_of(database, session_id)) == 1


async def test_a_table_lives_where_its_sockets_are_and_its_timer_outlives_its_server(
    servers: list[Server], database: str
) -> None:
    a, b, c = servers
    before = [(await _health(s))["events_read"] for s in (a, b, c)]
    sid, deadline, clients = await _discussing_on(a)
    # Every event was announced on the bus, yet B and C hold and read nothing of the table.
    after = [await _health(s) for s in (a, b, c)]
    assert [h["sessions"] for h in after] == [1, 0, 0]
    assert [h["events_read"] for h in after[1:]] == before[1:]
    a.kill()  # nobody reconnects: the time-up must still come, once, from B or C
    log = await _until_logged(database, sid, "time_up")
    assert_no_gap_no_duplicate(log)
    assert sum(r["type"] == "time_up" for r in log) == 1
    assert sum(r["type"] == "warning_given" for r in log) <= 1
    late = next(r for r in log if r["type"] == "time_up")["at"] - deadline
    print(f"hand-over: the time-up came {late} ms after its deadline")
    assert 0 <= late < 2000, f"the time-up came {late} ms late"
    await asyncio.sleep(0.5)
    assert sum(r["type"] == "time_up" for r in await log_of(database, sid)) == 1  # and no more
    assert sorted([await _held(b), await _held(c)]) == [0, 1]  # one took it over
    for client in clients:
        await client.close()


async def test_a_hand_over_while_redis_is_down_happens_once_it_is_back(
    servers: list[Server], redis_server: Redis, database: str
) -> None:
    a, _, _ = servers
    sid, deadline, clients = await _discussing_on(a)
    redis_server.stop()  # the list of timer moments is gone with it (no persistence)
    a.kill()
    await asyncio.sleep(4)  # past the deadline with nobody to fire it
    assert not any(r["type"] == "time_up" for r in await log_of(database, sid))
    back = time.time() * 1000
    redis_server.start()  # the survivors resubscribe, note every open session's moment again
    await _one_time_up_after(database, sid, max(back, deadline))
    for client in clients:
        await client.close()


async def test_a_hand_over_while_postgresql_is_down_happens_once_it_is_back(
    tmp_path: Path, redis_server: Redis
) -> None:
    with postgres_cluster() as pg:  # its own cluster: the other tests' one stays up
        database = await new_database(pg.url)
        with three_servers(tmp_path, database, redis_server) as (a, b, c):
            sid, deadline, clients = await _discussing_on(a)
            pg.stop()  # every connection cut; B or C claims the moment and cannot load the table
            a.kill()
            await asyncio.sleep(4)  # past the deadline, the claims failing and tried again
            for server in (b, c):  # the survivors answer, and say the store is away
                async with httpx.AsyncClient(base_url=server.http) as http:
                    assert (await http.get("/healthz")).status_code == 503
            back = time.time() * 1000
            pg.start()
            await _one_time_up_after(database, sid, max(back, deadline))
            assert sorted([await _held(b), await _held(c)]) == [0, 1]  # one took it over
            for client in clients:
                await client.close()


async def test_events_travel_on_the_bus_and_a_lost_message_is_repaired_from_the_store(
    servers: list[Server], database: str
) -> None:
    """A table played through A and watched on B: B applies what the bus carries (the appended
    events with their version) and reads nothing from PostgreSQL after its first load. An append
    nobody announced (a server that died between its write and its message) leaves B one behind:
    the next message does not follow what B holds, so B reads the two events it lacks."""
    a, b, _ = servers
    players = names(4)
    async with httpx.AsyncClient(base_url=a.http) as on_a:
        s = await new_session(a, on_a, rounds=1, open_card_last_round=False)
        for name, org in players:
            await s.join(on_a, name, org)
    watching = [await s.client(name, b).connect() for name, _ in players]
    watching.append(await s.client("screen", b).connect())
    senders = [await s.client(name, a).connect() for name, _ in players]
    fac = await s.client("facilitator", a).connect()

    async def b_caught_up() -> None:
        for client in watching:
            await client.until(lambda v, c=client: c.version == fac.version)

    await b_caught_up()
    read = (await _health(b))["events_read"]
    await fac.ok("start_game")
    await fac.ok("choose_opdracht")
    for sender in senders:
        await sender.ok("ready")
    await fac.ok("start_timer")
    await fac.ok("send_message", text="Koffie om elf uur")
    await b_caught_up()
    assert watching[-1].view["phase"] == "discussing"
    assert watching[-1].view["message"] == "Koffie om elf uur"
    assert (await _health(b))["events_read"] == read  # every change came over the bus

    store = PostgresStore(database)  # the lost message: an append nobody announces
    await store.open()
    try:
        lost = MessageSent(at=int(time.time() * 1000), text="Niemand hoorde dit")
        await store.append(s.id, fac.version, [lost])
    finally:
        await store.close()
    before = fac.version
    await fac.ok("send_message", text="Na de stilte")  # A meets the conflict, reads, appends again
    assert fac.version == before + 2
    await b_caught_up()
    assert all(c.view["message"] == "Na de stilte" for c in watching)
    assert (await _health(b))["events_read"] == read + 2  # repaired from the store, once
    log = await log_of(database, s.id)
    assert_no_gap_no_duplicate(log)
    for client in [*watching, *senders, fac]:
        await client.close()
