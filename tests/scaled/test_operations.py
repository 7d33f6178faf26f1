"""Operating a scaled-out service: a rolling update in the middle of a round, and faults tried on
purpose (a frozen server, a frozen Redis). After each, the history the clients saw is checked
against the log (`history.check`)."""

import asyncio
import glob
import itertools
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.clock import SystemClock
from tests.app.server import FAST, Server, new_session
from tests.app.wire import names
from tests.conftest import GENEROUS
from tests.scaled.history import Roamer, Sent, check, stored, timer_lateness
from tests.scaled.services import Proxy, Redis

WARN_MS = 1000  # the one-minute warning at THEATER_CLOCK_SCALE=60


async def _round_on(
    servers: list[Server], players: int = 6, spread: bool = True
) -> tuple[list[Roamer], int, int]:
    """A table whose viewers are spread over every server (else all on the first), its
    10-second discussion running. Returns the roamers (facilitator first), the deadline and the
    version reached."""
    async with httpx.AsyncClient(base_url=servers[0].http) as http:
        s = await new_session(servers[0], http, round_seconds=600)  # 10 s at scale 60
        for name, org in names(players):
            await s.join(http, name, org)
    who = ["facilitator", "screen", "trainer", *s.players]
    at = [i % len(servers) if spread else 0 for i in range(len(who))]
    roamers = [await Roamer(s, w, servers, at=at[i]).start() for i, w in enumerate(who)]
    fac = roamers[0]
    await fac.until(lambda v: all(p["connected"] for p in v["players"]))
    assert await fac.command("start_game") == "ack"
    assert await fac.command("choose_opdracht") == "ack"
    v = await fac.until(lambda v: v["phase"] == "reading")
    phones = {s.players[r.who]["player_id"]: r for r in roamers[3:]}
    for unit in v["units"]:
        phone = phones[unit["members"][0]]
        await phone.until(lambda v: v["phase"] == "reading")  # a phone acts on what it shows
        assert await phone.command("ready") == "ack"
    assert await fac.command("start_timer") == "ack"
    v = await fac.until(lambda v: v["phase"] == "discussing")
    return roamers, v["timer"]["deadline"], fac.client.version  # type: ignore[union-attr]


async def _messages(fac: Roamer, sent: Sent, until: Callable[[], bool]) -> None:
    """The facilitator keeps sending numbered messages, whichever server it is on."""
    for n in itertools.count(1):
        if until():
            return
        await sent.message(fac, f"Bericht {n}")
        await asyncio.sleep(0.1)


async def _settle(roamers: list[Roamer], version: int) -> None:
    await asyncio.gather(*(r.reaches(version) for r in roamers))


async def _judged(
    what: str, database: str, roamers: list[Roamer], sent: Sent, before: int, deadline: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """Every viewer at the log's last version, the history checked; what was measured, printed."""
    events = await stored(database, roamers[0].session.id)
    await _settle(roamers, len(events))
    measured = check(events, before, sent, roamers)
    late = timer_lateness(events, deadline, WARN_MS)
    print(f"{what}: {measured}, timers late {late} ms")
    return measured, late


async def test_a_rolling_update_of_three_servers_mid_round(
    servers: list[Server], database: str
) -> None:
    """Each server in turn gets SIGTERM, drains, exits and starts again while the discussion
    runs, until the time-up: nothing acknowledged is lost or doubled, the warning and the
    time-up come once each and on time, and every viewer is back within 2 s of each move."""
    roamers, deadline, before = await _round_on(servers)
    fac, sent = roamers[0], Sent()
    over = lambda: fac.view["phase"] != "discussing"  # noqa: E731
    talking = asyncio.create_task(_messages(fac, sent, over))
    restarts: list[float] = []
    for server in itertools.cycle(servers):
        if over() and len(restarts) >= len(servers):
            break
        assert server.proc is not None
        began = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(server.proc.wait, 10) == 0
        restarts.append(time.monotonic() - began)
        await asyncio.to_thread(server.start)
    await talking

    measured, late = await _judged("rolling update", database, roamers, sent, before, deadline)
    print(f"drains took {restarts} s")
    assert measured["moves"] >= len(roamers), "every viewer was moved at least once"
    assert measured["acked"] > 10
    assert 0 <= late["warning"] <= 500 and 0 <= late["time_up"] <= 500, late
    assert measured["slowest_move_s"] <= 2
    assert max(restarts) < 3, "each server drained and exited within 3 s"
    assert all(set(r.closes) <= {1012} for r in roamers), [r.closes for r in roamers]
    for roamer in roamers:
        await roamer.stop()


async def _at(moment_ms: int) -> None:
    """Sleep until a moment on the wall clock (ms)."""
    await asyncio.sleep(max(0.0, (moment_ms - SystemClock().now()) / 1000))


async def _frozen(proc: subprocess.Popen[bytes], seconds: float) -> None:
    """SIGSTOP, then SIGCONT: the process keeps its sockets and its place, and hears nothing."""
    proc.send_signal(signal.SIGSTOP)
    try:
        await asyncio.sleep(seconds)
    finally:
        proc.send_signal(signal.SIGCONT)


async def test_a_server_frozen_past_its_claim_does_not_fire_a_second_time(
    servers: list[Server], database: str
) -> None:
    """Every viewer on A, so A alone holds the table and its timer. A is frozen from just before
    the warning until after the time-up: B or C takes the moments over. When A wakes, its own
    timer fires and its claim has expired, but its write is fenced by the log's version: A
    takes the others' events instead of adding its own."""
    a = servers[0]
    roamers, deadline, before = await _round_on(servers, spread=False)
    assert a.proc is not None
    await _at(deadline - WARN_MS - 300)
    await _frozen(a.proc, 3.0)  # longer than the grace (0.5 s) and a claim's life (1.5 s)
    await asyncio.sleep(1.0)  # time for a second time-up, if anything were to write one
    _, late = await _judged("frozen server", database, roamers, Sent(), before, deadline)
    assert late["time_up"] <= 500, "the server that took over armed the time-up itself"
    assert late["warning"] <= 1500, "the overdue warning: within the grace, a claim and a poll"
    assert "VersionConflict" not in a.logs() and "Traceback" not in a.logs()
    for roamer in roamers:
        await roamer.stop()


async def test_redis_frozen_during_fan_out_and_a_timer_moment(
    servers: list[Server], redis_server: Redis, database: str
) -> None:
    """Redis stops answering for 3 s across the warning and the time-up while the facilitator
    keeps sending messages: the timers fire on time without it (a claim is not waited for; the
    log's version lets one write win), and once Redis is back every viewer catches up."""
    roamers, deadline, before = await _round_on(servers)
    fac, sent = roamers[0], Sent()
    talking = asyncio.create_task(_messages(fac, sent, lambda: fac.view["phase"] != "discussing"))
    assert redis_server.proc is not None
    await _at(deadline - WARN_MS - 500)
    await _frozen(redis_server.proc, 3.0)
    await talking
    measured, late = await _judged("frozen Redis", database, roamers, sent, before, deadline)
    assert measured["acked"] > 10 and measured["moves"] == 0
    assert late["warning"] <= 500 and late["time_up"] <= 500, late
    for roamer in roamers:
        await roamer.stop()


async def test_postgresql_connections_cut_again_and_again_mid_round(
    tmp_path: Path, database: str, redis_server: Redis
) -> None:
    """Every server reaches PostgreSQL through a proxy of ours that resets every connection
    every 0.7 s while the facilitator sends messages and the timers fire: a write whose answer
    was lost is read back (it counted, or it is decided again), never applied twice; a timer
    moment whose write failed is tried again."""
    url = urlsplit(database)
    proxy = await Proxy(url.port or 5432).start()
    proxied = url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}").geturl()
    env = {**FAST, **GENEROUS}  # started off the loop: the proxy runs on it
    servers = [
        Server(tmp_path / f"s{i}.db", env=env, db_url=proxied, redis=redis_server.url)
        for i in range(3)
    ]
    for server in servers:
        await asyncio.to_thread(server.start)
    try:
        roamers, deadline, before = await _round_on(servers)
        fac, sent = roamers[0], Sent()
        over = lambda: fac.view["phase"] != "discussing"  # noqa: E731
        talking = asyncio.create_task(_messages(fac, sent, over))
        cut = 0
        while not over():
            await asyncio.sleep(0.7)
            cut += proxy.cut()
        await talking
        await asyncio.sleep(1.0)  # a write retried after the time-up lands meanwhile
        measured, late = await _judged("cut PostgreSQL", database, roamers, sent, before, deadline)
        read_back = "".join(s.logs() for s in servers).count("reading the log back")
        print(f"{cut} connections reset in {proxy.cuts} cuts, {read_back} writes read back")
        assert cut > 10 and measured["acked"] > 10
        assert late["warning"] <= 1000 and late["time_up"] <= 1000, late
        for roamer in roamers:
            await roamer.stop()
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)
    await proxy.stop()


def _faketime(clock_file: Path) -> dict[str, str]:
    """libfaketime (Debian's `faketime`) for one server: its wall clock is this machine's plus the
    offset in `clock_file`, read again at every call; its monotonic clock is left alone, as an
    NTP step or a resumed VM leaves it."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    assert found, "libfaketime is not installed (apt-get install faketime; make test does)"
    clock_file.write_text("+0\n")
    return {
        "LD_PRELOAD": found[-1],
        "FAKETIME_TIMESTAMP_FILE": str(clock_file),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


async def test_a_server_whose_clock_jumps_ahead_fires_nothing_early(
    tmp_path: Path, database: str, redis_server: Redis
) -> None:
    """B's wall clock jumps 30 s ahead two seconds before the warning, with phones on B: B
    follows the shared clock again within a second, no timer fires early (a claim is checked
    against Redis's clock), and B's phones end with the right time."""
    clock_file = tmp_path / "clock"
    env = {**FAST, **GENEROUS}
    servers = [
        Server(tmp_path / f"s{i}.db", env={**env, **(_faketime(clock_file) if i == 1 else {})},
               db_url=database, redis=redis_server.url).start()
        for i in range(3)
    ]  # fmt: skip
    try:
        roamers, deadline, before = await _round_on(servers)
        fac, sent = roamers[0], Sent()
        talking = asyncio.create_task(
            _messages(fac, sent, lambda: fac.view["phase"] != "discussing")
        )
        await _at(deadline - WARN_MS - 2000)
        clock_file.write_text("+30\n")
        await talking
        _, late = await _judged("clock jump", database, roamers, sent, before, deadline)
        assert 0 <= late["warning"] <= 500 and 0 <= late["time_up"] <= 500, late
        assert "off the shared clock; following it" in servers[1].logs()
        on_b = [r for r in roamers if r.client is not None and r.client.server is servers[1]]
        assert on_b
        for roamer in on_b:  # a fresh ping: B's time is the others' again
            assert roamer.client is not None
            pong = await roamer.client.request({"type": "ping"})
            assert abs(pong["server_now"] - SystemClock().now()) < 200, pong
        for roamer in roamers:
            await roamer.stop()
    finally:
        for server in servers:
            server.stop()
