"""Load benchmark: T tables of 12 phones (duos) plus facilitator and screen play real rounds
against `theater serve`, beside a raw FastAPI WebSocket broadcast under the same load shape.

    .venv/bin/python bench/load.py                  (1,000 tables; about seven minutes)
    .venv/bin/python bench/load.py --tables 20 --seconds 5     (a quick look)

Each server runs pinned to core 0, this load generator to core 1. In one invocation, for each of
the two servers:
1. connect storm: the phones of half the tables join at once, each table's twelve one after the
   other (as people scan the QR code), all tables together; "seated" = join (real server only),
   socket, hello and first state;
2. steady play at T/2 tables, then the rest are seated, then steady play at T tables: every table
   gets commands at Poisson moments, one a second on average (a table whose previous command is
   still under way lets the moments that passed go: a delay brings no catch-up burst, though a
   slow server is then sent fewer commands), that the bots choose from what the facilitator
   sees: picks, ready, reveal, start_timer, then the timer (THEATER_CLOCK_SCALE=20:
   rounds of 2 to 5 minutes, by table, last 6 to 15 s, the warning 3 s before the end),
   decision, support, prompts, answers, next round. Each window is measured after WARM_UP_S of
   play, so the tables are spread over a round's phases instead of all starting their game in the
   same second;
3. (real server) a restart, timing the recovery of every session from the store;
4. on one PostgreSQL and one Redis (started here, like the scaled-out tests), the same tables on
   one server, then on two: every command enters on server A, every measured phone sits on
   server B (so each state change crosses the store and the fan-out); scaling out is judged
   against one server on the same store at the same load.

Latency is from a command's send to the moment the *last* of the table's 12 phones has the state
it produced. A stall probe pings the server 50 times a second; its round trip shows event-loop
stalls. The side-by-side table comes first, one JSON line last.
"""

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadkit import Bot, Counters, Http, Room, ServerProcess, Together, pct  # noqa: E402
from tests.app.server import free_port  # noqa: E402
from tests.scaled.services import Redis, postgres_cluster  # noqa: E402
from tests.viewing import Follower  # noqa: E402

SCALE = 20
ROUND_MINUTES = (2, 3, 4, 5)  # facilitators choose: tables' timers do not all end at once


def settings(i: int) -> dict[str, int]:
    return {"rounds": 6, "round_seconds": 60 * ROUND_MINUTES[i % len(ROUND_MINUTES)]}


WARN_S = 60 / SCALE
PLAYERS = 12
ORGS = ["Gemeente", "GGD", "Bibliotheek", "Welzijn"]
GENEROUS = {
    "THEATER_JOINS_PER_MINUTE": "10000000",
    "THEATER_FAILED_JOINS_PER_MINUTE": "10000000",
    "THEATER_SESSIONS_PER_MINUTE": "10000000",
    "THEATER_SOCKETS_PER_ADDRESS": "10000000",  # every bot phone comes from 127.0.0.1
    "THEATER_CLOCK_SCALE": str(SCALE),
}
SERVER_CPU, LOAD_CPU = 0, 1
WARM_UP_S = 5.0
NAN = float("nan")


class GameRoom(Room):
    """A real table: its tokens, and the facilitator's view that tells the bot what comes next."""

    def __init__(self, index: int, counters: Counters, created: dict[str, Any]) -> None:
        super().__init__(index, counters)
        self.created = created
        self.view: dict[str, Any] = {}
        self.follower = Follower()  # the facilitator's one socket
        self.by_pid: dict[str, Bot] = {}
        self.fac_moved = asyncio.Event()
        self.timer_events: list[tuple[str, float, int]] = []  # kind, when due (s), version
        self.senders: dict[str, Bot] = {}  # two-server run: each player's commands go via A

    def sockets(self) -> int:
        return super().sockets() + len(self.senders)

    def sender(self, bot: Bot) -> Bot:
        return self.senders.get(bot.player_id or "", bot)

    async def staff(self, facilitator: str, screen: str) -> None:
        """Open the facilitator's and the screen's sockets (each a server's `ws://…/ws`)."""
        for role, base in (("facilitator", facilitator), ("screen", screen)):
            bot = Bot(self, role)
            self.others.append(bot)
            await bot.open(f"{base}/{self.created['session_id']}", self.created[f"{role}_token"])

    async def seat(self, http: Http, i: int, base: str, sender_base: str | None = None) -> float:
        """Join phone `i` and open its socket on `base` (and, for the two-server run, a second
        socket on `sender_base` that sends its commands); the seconds that took."""
        begin = time.perf_counter()
        join = {"join_code": self.created["join_code"], "name": f"Speler {i + 1}",
                "organisation": ORGS[i % len(ORGS)]}  # fmt: skip
        status, body = await http.post("/api/join", join)
        assert status == 201, body
        pid, token = body["player_id"], body["player_token"]
        phone = Bot(self, "player", pid)
        self.phones.append(phone)
        self.by_pid[pid] = phone
        await phone.open(f"{base}/{body['session_id']}", token)
        if sender_base is not None:
            self.senders[pid] = Bot(self, "sender")
            await self.senders[pid].open(f"{sender_base}/{body['session_id']}", token)
        return time.perf_counter() - begin

    def frame(self, bot: Bot, msg: str) -> None:
        """The facilitator's view, patch by patch: the timer's moments and the next move."""
        if bot.role != "facilitator":
            return
        frame = self.follower.take(json.loads(msg))
        view, old, version = frame["view"], self.view, frame["version"]
        if old.get("phase") == "discussing" and old["timer"]["status"] == "running":
            deadline = old["timer"]["deadline"] / 1000
            if view["phase"] == "discussing" and view["timer"]["warned"]:
                if not old["timer"]["warned"]:
                    self.timer_events.append(("warning", deadline - WARN_S, version))
            elif view["phase"] == "deciding":
                self.timer_events.append(("time_up", deadline, version))
        self.view = view
        self.fac_moved.set()

    async def until_fac(self, version: int) -> None:
        while self.others[0].last_version < version:
            self.fac_moved.clear()
            await self.fac_moved.wait()

    def next_move(self) -> tuple[Bot, str, dict[str, Any]] | None:
        """The next command a real table would send, or None while the timer runs."""
        v, fac = self.view, self.others[0]
        phase = v["phase"]
        if phase == "lobby":
            return fac, "start_game", {}
        if phase == "choosing":
            return self.by_pid[v["picker"]], "pick_opdracht", {"slot": 0}
        if phase == "reading":
            for unit in v["units"]:
                member = self.by_pid[unit["members"][0]]
                if v["open_card"] and not unit["revealed"]:
                    return member, "reveal", {"unit_id": unit["id"]}
                if not unit["ready"]:
                    return member, "ready", {}
            return fac, "start_timer", {}
        if phase in ("deciding", "reflecting"):
            if v["decision"] is None:
                return fac, "record_decision", {"text": f"Besluit {v['round']}", "reached": "yes"}
            waiting = [p for p in self.phones if p.player_id not in v["supports"]]
            if waiting:
                return waiting[0], "support", {"value": "yes"}
            prompt = v["prompt"]
            if prompt and prompt["index"] == 1:
                answered = sum(a["prompt_id"] == prompt["id"] for a in v["answers"])
                if answered < 3:
                    return (
                        self.phones[answered],
                        "answer",
                        {"prompt_id": prompt["id"], "text": "Ja"},
                    )
            if prompt is None or prompt["index"] < prompt["count"]:
                return fac, "next_prompt", {}
            return fac, ("next_round" if v["round"] < v["rounds"] else "end_game"), {}
        return None  # discussing: the timer moves the table on; ended: nothing left


async def new_room(http: Http, i: int, counters: Counters) -> GameRoom:
    status, body = await http.post("/api/sessions", settings(i))
    assert status == 201, body
    return GameRoom(i, counters, body)


async def new_rooms(http: Http, tables: int, counters: Counters) -> list[GameRoom]:
    return list(await asyncio.gather(*(new_room(http, i, counters) for i in range(tables))))


async def sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


def arrivals(room: Room, start: float) -> Iterator[float]:
    """Poisson moments from `start`, one a second on average (seeded by the table); moments
    already past when asked for are let go, not caught up."""
    rng, moment = random.Random(room.index), start
    while True:
        moment += rng.expovariate(1.0)
        if moment >= time.time():
            yield moment


async def drive_game(room: Room, start: float, until: float) -> None:
    assert isinstance(room, GameRoom)
    for moment in arrivals(room, start):
        await sleep_until(moment)
        if time.time() >= until:
            return
        move = room.next_move()
        if move is None:
            room.fac_moved.clear()  # the timer moves the table on: wait for that frame
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.fac_moved.wait(), max(0.0, until - time.time()))
            continue
        bot, name, args = move
        version = await room.command(room.sender(bot), name, **args)
        if version is None:
            await asyncio.sleep(0.1)
        else:
            await room.until_fac(version)


async def drive_raw(room: Room, start: float, until: float) -> None:
    k = room.index
    for moment in arrivals(room, start):
        await sleep_until(moment)
        if time.time() >= until:
            return
        await room.command(room.phones[k % len(room.phones)], "tap")
        k += 1


async def probe(bots: list[Bot], start: float, until: float, rtts: list[float]) -> None:
    """A ping every 20 ms (spread over several sockets, under the per-socket frame limit)."""

    async def one(bot: Bot) -> None:
        _, sent = await bot.request({"type": "ping"})
        rtts.append(time.time() - sent)

    tasks, k = set(), 0
    await sleep_until(start)
    while time.time() < until:
        task = asyncio.create_task(one(bots[k % len(bots)]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        k += 1
        await asyncio.sleep(0.02)
    await asyncio.gather(*tasks, return_exceptions=True)


PROFILE: Path | None = None  # --profile: py-spy samples the real server's steady windows


def _profile(server: ServerProcess | Together, seconds: float) -> subprocess.Popen[bytes] | None:
    if PROFILE is None or not isinstance(server, ServerProcess) or "app.cli" not in server.argv:
        return None
    if server.proc is None:
        return None
    out = PROFILE.with_suffix(f".{server.proc.pid}.{int(time.time())}.txt")
    print(f"profiling the server into {out}", file=sys.stderr)
    argv = [
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--nonblocking",
        "--format",
        "raw",
        "-r",
        "200",
    ]
    argv += ["-d", str(int(seconds)), "-p", str(server.proc.pid), "-o", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _each_cpu(server: ServerProcess | Together) -> list[float]:
    """Each server's CPU seconds, of several measured together (where the second one's cost is)."""
    return server.each_cpu_seconds() if isinstance(server, Together) else []


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


async def own_lag(until: float, lags: list[float]) -> None:
    """How late this load generator's own loop wakes up: its stalls would look like the
    server's."""
    while time.time() < until:
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append(time.perf_counter() - before - 0.005)


async def steady(
    server: ServerProcess | Together,
    rooms: list[Room],
    drive: Callable[[Room, float, float], Awaitable[None]],
    seconds: float,
    counters: Counters,
    rss_idle: int,
) -> dict[str, Any]:
    """Play WARM_UP_S, then `seconds` measured, at one command per table per second on average;
    figures for the measured window."""
    gc.collect()
    idle0 = sum(server.cpu_seconds())
    await asyncio.sleep(2.0)  # everyone connected, nobody playing: what holding them costs
    idle = (sum(server.cpu_seconds()) - idle0) / 2.0
    start = time.time() + 1.0 + WARM_UP_S
    until = start + seconds
    rtts: list[float] = []
    probes = [r.others[-1] if r.others else r.phones[0] for r in rooms[:10]]
    drivers = [drive(r, start - WARM_UP_S, until) for r in rooms]
    lags: list[float] = []
    runner = asyncio.gather(*drivers, probe(probes, start, until, rtts), own_lag(until, lags))
    await sleep_until(start)
    spy = _profile(server, seconds)
    cpu0, frames0, own0 = server.cpu_seconds(), counters.frames, _own_cpu()
    chars0, each0 = counters.characters, _each_cpu(server)
    await sleep_until(until)
    cpu1, frames1, own1 = server.cpu_seconds(), counters.frames, _own_cpu()
    chars1, each1 = counters.characters, _each_cpu(server)
    if spy:
        await asyncio.to_thread(spy.wait)
    await runner
    await asyncio.sleep(1.0)  # let the last frames land
    latencies, unreached, changes = [], 0, 0
    for room in rooms:
        for version, sent in room.sent.items():
            if start <= sent < until:
                changes += 1
                reached = room.reached_all(version)
                if reached is None:
                    unreached += 1
                else:
                    latencies.append(reached - sent)
    timers: dict[str, list[float]] = {"warning": [], "time_up": []}
    for room in rooms:
        for kind, due, version in getattr(room, "timer_events", []):
            if start <= due < until:
                changes += 1
                reached = room.reached_all(version)
                if reached is not None:
                    timers[kind].append(reached - due)
    connections = sum(r.sockets() for r in rooms)
    delivered = frames1 - frames0
    out: dict[str, Any] = {
        "tables": len(rooms),
        "connections": connections,
        "changes_per_s": changes / seconds,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "max_ms": max(latencies, default=float("nan")) * 1000,
        "unreached": unreached,
        "unexpected_closes": counters.unexpected_closes,
        "refused": len(counters.errors),
        "rss_kb_per_conn": (server.rss_bytes() - rss_idle) / connections / 1024,
        "cpu_us_per_frame": (sum(cpu1) - sum(cpu0)) / delivered * 1e6 if delivered else NAN,
        "cpu_share": (sum(cpu1) - sum(cpu0)) / seconds,
        "cpu_kernel_part": (cpu1[1] - cpu0[1]) / ((sum(cpu1) - sum(cpu0)) or NAN),
        "frames_per_s": delivered / seconds,
        "bytes_per_frame": (chars1 - chars0) / delivered if delivered else NAN,
        "load_cpu_share": (own1 - own0) / seconds,
        "idle_cpu_share": idle,
        "warning_late_p99_ms": pct(timers["warning"], 99) * 1000,
        "time_up_late_p99_ms": pct(timers["time_up"], 99) * 1000,
        "timer_events": len(timers["warning"]) + len(timers["time_up"]),
        "load_lag_max_ms": max(lags, default=NAN) * 1000,
        "stall_p99_ms": pct(rtts, 99) * 1000,
        "stall_max_ms": max(rtts, default=float("nan")) * 1000,
    }
    if each0:  # several servers: each one's share (single runs only: `median_of` takes numbers)
        out["cpu_share_each"] = [(b - a) / seconds for a, b in zip(each0, each1, strict=True)]
    return out


async def lost_at_the_end(rooms: list[Room]) -> int:
    """State frames some phone never got, over the whole run (timers keep firing after the last
    window, so this waits for them to land first)."""
    await asyncio.sleep(2.0)
    return sum(r.lost() for r in rooms)


async def seat_all(
    rooms: list[Room], seat: Callable[[Room], Awaitable[list[float]]]
) -> dict[str, float]:
    """Every room seats its phones one after another; all rooms at once."""
    start = time.perf_counter()
    results = await asyncio.gather(*(seat(r) for r in rooms))
    took = time.perf_counter() - start
    latencies = [x for r in results for x in r]
    return {
        "seated": len(latencies),
        "seconds": took,
        "seated_per_s": len(latencies) / took,
        "p50_s": pct(latencies, 50),
        "p99_s": pct(latencies, 99),
    }


async def run_raw(tables: int, storm_tables: int, seconds: float, tmp: Path) -> dict[str, Any]:
    argv = [
        sys.executable, "-m", "uvicorn", "bench.baseline:app", "--host", "127.0.0.1",
        "--port", "{port}", "--ws-per-message-deflate", "false", "--log-level", "warning",
    ]  # fmt: skip
    server = ServerProcess(argv, tmp / "baseline.log", cpu=SERVER_CPU).start("/docs")
    counters = Counters()
    url = f"ws://127.0.0.1:{server.port}/ws"
    try:
        rss_idle = server.rss_bytes()
        rooms = [Room(i, counters) for i in range(tables)]

        async def seat(room: Room) -> list[float]:
            times = []
            for _ in range(PLAYERS):
                bot = Bot(room, "player")
                room.phones.append(bot)
                times.append(await bot.open(f"{url}/room{room.index}", "hello"))
            return times

        out: dict[str, Any] = {"storm": await seat_all(rooms[:storm_tables], seat)}
        out["half"] = await steady(
            server, rooms[:storm_tables], drive_raw, seconds, counters, rss_idle
        )
        await seat_all(rooms[storm_tables:], seat)
        out["full"] = await steady(server, rooms, drive_raw, seconds, counters, rss_idle)
        out["frames_lost"] = await lost_at_the_end(rooms)
        for room in rooms:
            room.closing = True
        return out
    finally:
        server.stop()


async def run_game(
    tables: int, storm_tables: int, seconds: float, tmp: Path, loop_turns: bool = False
) -> dict[str, Any]:
    db = tmp / "theater.db"
    serve = ["serve", "--port", "{port}", "--db", f"sqlite:///{db}"]
    turns = tmp / "loop-turns.json"
    if loop_turns:  # the same server, its loop's turns timed (bench/loopturns.py)
        argv = [sys.executable, str(Path(__file__).with_name("loopturns.py")), *serve]
        env = {**GENEROUS, "THEATER_LOOP_STATS": str(turns)}
    else:
        argv, env = [sys.executable, "-m", "app.cli", *serve], GENEROUS
    log = tmp / "theater.log"
    server = ServerProcess(argv, log, env=env, cpu=SERVER_CPU).start("/healthz")
    counters = Counters()
    http = Http(server.port, size=min(500, storm_tables))
    ws = f"ws://127.0.0.1:{server.port}/ws"
    try:
        rss_idle = server.rss_bytes()

        rooms = await new_rooms(http, tables, counters)

        async def seat(room: Room) -> list[float]:
            assert isinstance(room, GameRoom)
            return [await room.seat(http, i, ws) for i in range(PLAYERS)]

        await asyncio.gather(*(r.staff(ws, ws) for r in rooms[:storm_tables]))
        out: dict[str, Any] = {"storm": await seat_all(rooms[:storm_tables], seat)}
        out["half"] = await steady(
            server, rooms[:storm_tables], drive_game, seconds, counters, rss_idle
        )
        await asyncio.gather(*(r.staff(ws, ws) for r in rooms[storm_tables:]))
        await seat_all(rooms[storm_tables:], seat)
        out["full"] = await steady(server, rooms, drive_game, seconds, counters, rss_idle)
        out["collector"] = (await http.get("/healthz"))["collector"]  # its pauses, whole run
        out["frames_lost"] = await lost_at_the_end(rooms)
        out["refused_examples"] = counters.errors[:5]
        for room in rooms:
            room.closing = True
    finally:
        server.stop()
        await http.close()
    if loop_turns:  # written at the server's exit; the whole run, storm and both windows
        out["loop_turns"] = json.loads(turns.read_text())
        server.env = GENEROUS
    server.start("/healthz")  # the same store: every unfinished session comes back
    try:
        found = re.findall(r"recovered (\d+) unfinished sessions in ([\d.]+) s", log.read_text())
        out["recovery"] = {"sessions": int(found[-1][0]), "seconds": float(found[-1][1])}
    finally:
        server.stop()
    return out


async def run_two_servers(tables: int, seconds: float, tmp: Path) -> dict[str, Any]:
    """On one PostgreSQL: one server, then two, on one Redis (fresh tables each time); then
    three servers on a fresh database and Redis, so that the earlier tables' timers, firing on
    whichever server sees them, do not blur what each one holds and reads."""
    with postgres_cluster() as cluster:
        servers, redis = await _scaled(cluster.url, "theater", 2, tmp)
        a, b = servers
        try:
            a.start("/healthz")
            one = await _two_servers(a, a, tables, seconds)
            gc.collect()
            b.start("/healthz")
            two = await _two_servers(a, b, tables, seconds)
        finally:
            for server in servers:
                server.stop()
            redis.stop()
        gc.collect()
        servers, redis = await _scaled(cluster.url, "theater3", 3, tmp)
        try:
            for server in servers:
                server.start("/healthz")
            return {"one": one, "two": two, "three": await _three_servers(servers, tables)}
        finally:
            for server in servers:
                server.stop()
            redis.stop()


async def _scaled(
    admin_url: str, name: str, count: int, tmp: Path
) -> tuple[list[ServerProcess], Redis]:
    """`count` servers (not started) on a new database `name` and a new Redis."""
    import asyncpg

    admin = await asyncpg.connect(admin_url)
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    db = admin_url.rsplit("/", 1)[0] + f"/{name}"
    redis = Redis(free_port(), tmp / f"redis-{name}.log").start()
    argv = [sys.executable, "-m", "app.cli", "serve", "--port", "{port}", "--db", db]
    argv += ["--redis", redis.url]
    servers = [  # all on the server core: the load generator's core stays its own
        ServerProcess(argv, tmp / f"{name}-{'abc'[i]}.log", env=GENEROUS, cpu=SERVER_CPU)
        for i in range(count)
    ]
    return servers, redis


async def _two_servers(
    a: ServerProcess, b: ServerProcess, tables: int, seconds: float
) -> dict[str, Any]:
    both = Together([a] if a is b else [a, b])
    rss_idle = both.rss_bytes()
    counters = Counters()
    http = Http(a.port, size=64)
    rooms = await new_rooms(http, tables, counters)
    on_a, on_b = f"ws://127.0.0.1:{a.port}/ws", f"ws://127.0.0.1:{b.port}/ws"

    async def seat(room: GameRoom) -> None:
        room.observers = {"player", "screen"}  # the sockets on B: what B sent, they all get
        await room.staff(on_a, on_b)
        for i in range(PLAYERS):
            await room.seat(http, i, on_b, sender_base=on_a)

    for start in range(0, tables, 50):
        await asyncio.gather(*(seat(r) for r in rooms[start : start + 50]))
    out = await steady(both, list(rooms), drive_game, seconds, counters, rss_idle)
    out["frames_lost"] = await lost_at_the_end(list(rooms))
    out["versions_merged_on_b"] = sum(r.merged() for r in rooms)
    out["refused_examples"] = counters.errors[:5]
    for room in rooms:  # the next run starts without these sockets and their tables' timers
        await room.close()
    await http.close()
    return out


SPREAD = (0, 1, 1, 2, 2, 2)  # three servers hold a sixth, a third and a half of the tables


async def _three_servers(servers: list[ServerProcess], tables: int) -> dict[str, Any]:
    """Tables spread unevenly over three servers, each table's every socket on its own server:
    each server's store reads and CPU while they play, beside its share of the tables."""
    counters = Counters()
    https = [Http(s.port, size=16) for s in servers]
    rooms: list[tuple[int, GameRoom]] = []
    for i in range(tables):
        k = SPREAD[i % len(SPREAD)]
        rooms.append((k, await new_room(https[k], i, counters)))

    async def seat(k: int, room: GameRoom) -> None:
        ws = f"ws://127.0.0.1:{servers[k].port}/ws"
        await room.staff(ws, ws)
        for i in range(PLAYERS):
            await room.seat(https[k], i, ws)

    reads = [(await http.get("/healthz"))["events_read"] for http in https]
    for start in range(0, tables, 50):
        await asyncio.gather(*(seat(k, r) for k, r in rooms[start : start + 50]))
    cpu = [s.cpu_seconds() for s in servers]
    played = [r for _, r in rooms]
    begin = time.time()
    await asyncio.gather(*(drive_game(r, begin, begin + WARM_UP_S * 3) for r in played))
    took = time.time() - begin
    out = []
    for k, server in enumerate(servers):
        health = await https[k].get("/healthz")
        out.append(
            {
                "server": "ABC"[k],
                "tables": sum(1 for j, _ in rooms if j == k),
                "tables_held": health["sessions"],
                "events_read": health["events_read"] - reads[k],  # seating and play
                "cpu_share": (sum(server.cpu_seconds()) - sum(cpu[k])) / took,  # play
            }
        )
    lost = await lost_at_the_end(played)
    for room in played:
        await room.close()
    for http in https:
        await http.close()
    return {"servers": out, "frames_lost": lost, "refused_examples": counters.errors[:5]}


ROWS: list[tuple[str, str, str, str]] = [
    # label, key, format, ratio?
    ("connections held", "connections", "{:,.0f}", ""),
    ("state changes / s", "changes_per_s", "{:,.0f}", ""),
    ("frames delivered / s", "frames_per_s", "{:,.0f}", ""),
    ("p50 cmd -> last phone (ms)", "p50_ms", "{:.2f}", "ratio"),
    ("p99 cmd -> last phone (ms)", "p99_ms", "{:.2f}", "ratio"),
    ("max cmd -> last phone (ms)", "max_ms", "{:.1f}", "ratio"),
    ("states never reaching all", "unreached", "{:.0f}", ""),
    ("unexpected closes", "unexpected_closes", "{:.0f}", ""),
    ("server RSS / conn (KB)", "rss_kb_per_conn", "{:.1f}", "ratio"),
    ("server CPU / frame (us)", "cpu_us_per_frame", "{:.1f}", "ratio"),
    ("bytes / frame", "bytes_per_frame", "{:,.0f}", "ratio"),
    ("server CPU share, playing", "cpu_share", "{:.2f}", ""),
    ("  of which in the kernel", "cpu_kernel_part", "{:.2f}", ""),
    ("server CPU share, idle", "idle_cpu_share", "{:.3f}", ""),
    ("load generator CPU share", "load_cpu_share", "{:.2f}", ""),
    ("load generator loop lag max (ms)", "load_lag_max_ms", "{:.1f}", ""),
    ("stall probe p99 (ms)", "stall_p99_ms", "{:.2f}", "ratio"),
    ("stall probe max (ms)", "stall_max_ms", "{:.1f}", "ratio"),
    ("warning late p99 (ms)", "warning_late_p99_ms", "{:.1f}", ""),
    ("time-up late p99 (ms)", "time_up_late_p99_ms", "{:.1f}", ""),
]


def ratio(ours: float, raw: float) -> float:
    return ours / raw if raw else NAN


def judge(raw: dict[str, Any], game: dict[str, Any]) -> dict[str, bool]:
    """The capacity issue's targets (#23), as ratios to the raw baseline of the same run where they
    can be (so they hold on a machine of any speed). A target with nothing to judge is left out
    (no raw run, no timer in the window, a CPU share of 0.7 or more for the stall probe)."""
    out: dict[str, bool] = {}
    for name in ("half", "full"):
        ours, base = game[name], raw[name]
        if "p99_ms" in base:
            out[f"{name}_p99_le_2x_raw"] = ours["p99_ms"] <= 2 * base["p99_ms"]
            out[f"{name}_cpu_per_frame_le_raw"] = (
                ours["cpu_us_per_frame"] <= base["cpu_us_per_frame"]
            )
            out[f"{name}_bytes_per_frame_le_raw"] = (
                ours["bytes_per_frame"] <= base["bytes_per_frame"]
            )
        if ours["cpu_share"] < 0.7:
            out[f"{name}_stall_p99_le_20ms"] = ours["stall_p99_ms"] <= 20
        if ours["timer_events"]:
            late = max(ours["warning_late_p99_ms"], ours["time_up_late_p99_ms"])
            out[f"{name}_timers_le_50ms"] = late <= 50
        out[f"{name}_no_frames_lost"] = ours["unreached"] == 0
        out[f"{name}_no_unexpected_closes"] = ours["unexpected_closes"] == 0
        if "rss_kb_per_conn" in base:
            out[f"{name}_rss_le_raw"] = ours["rss_kb_per_conn"] <= base["rss_kb_per_conn"]
    out["half_max_le_100ms"] = game["half"]["max_ms"] <= 100
    if "seated_per_s" in raw["storm"]:
        out["storm_ge_0.8x_raw"] = (
            game["storm"]["seated_per_s"] >= 0.8 * raw["storm"]["seated_per_s"]
        )
    out["storm_p99_le_1s"] = game["storm"]["p99_s"] <= 1
    out["no_frames_lost_whole_run"] = game["frames_lost"] == 0
    out["recovery_le_1s"] = game["recovery"]["seconds"] <= 1
    out["collector_p99_le_20ms"] = game["collector"]["p99_ms"] <= 20
    if "two_servers" in game:
        one, two = game["two_servers"]["one"], game["two_servers"]["two"]
        out["two_servers_p99_le_1.5x_one"] = two["p99_ms"] <= 1.5 * one["p99_ms"]
        out["two_servers_cpu_per_frame_le_1.15x_one"] = (
            two["cpu_us_per_frame"] <= 1.15 * one["cpu_us_per_frame"]
        )
        out["two_servers_no_frames_lost"] = one["frames_lost"] == two["frames_lost"] == 0
        three = game["two_servers"]["three"]["servers"]
        out["three_servers_no_frames_lost"] = game["two_servers"]["three"]["frames_lost"] == 0
        total = sum(s["tables"] for s in three)
        for s in three:  # a server holds its own tables only, and its CPU follows them
            share = s["tables"] / total
            out[f"three_servers_{s['server']}_holds_its_tables"] = s["tables_held"] == s["tables"]
            out[f"three_servers_{s['server']}_cpu_follows_its_tables"] = (
                0.5 * share <= s["cpu_share"] / sum(x["cpu_share"] for x in three) <= 1.5 * share
            )
    return out


def report(raw: dict[str, Any], game: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    header = f"{'':32}"
    for window in ("half", "full"):
        n = game[window]["tables"] * PLAYERS
        header += f"{'raw ' + format(n, ','):>14}{'theater':>12}{'ratio':>8}"
    print(header)
    for label, key, fmt, has_ratio in ROWS:
        line = f"{label:32}"
        for window in ("half", "full"):
            a, b = raw[window].get(key, NAN), game[window][key]
            line += f"{fmt.format(a):>14}{fmt.format(b):>12}"
            line += f"{ratio(b, a):>8.2f}" if has_ratio else f"{'':>8}"
        print(line)
    print()
    print(f"{'connect storm':32}{'raw':>14}{'theater':>12}{'ratio':>8}")
    for label, key, fmt in (
        ("seated", "seated", "{:,.0f}"),
        ("seated / s", "seated_per_s", "{:,.0f}"),
        ("p50 seat (s)", "p50_s", "{:.3f}"),
        ("p99 seat (s)", "p99_s", "{:.3f}"),
    ):
        a, b = raw["storm"].get(key, NAN), game["storm"][key]
        print(f"{label:32}{fmt.format(a):>14}{fmt.format(b):>12}{ratio(b, a):>8.2f}")
    print(
        f"{'frames lost (whole run)':32}{raw.get('frames_lost', NAN):>14}{game['frames_lost']:>12}"
    )
    if "loop_turns" in game:
        turns = game["loop_turns"]
        print("\nserver event-loop turns (whole run), by length in ms:")
        for (label, n), ms in zip(
            turns["turns_by_ms"].items(), turns["time_ms_by_turn_ms"].values(), strict=True
        ):
            print(f"  {label:>8} ms: {n:>9,} turns, {ms:>8,} ms in all")
        print(
            "  ready callbacks in turns of 20 ms or more:",
            turns["ready_callbacks_in_turns_ge_20ms"],
        )
        print("  slowest callbacks:")
        for slow in turns["slowest_callbacks"][:8]:
            print(f"    {slow['ms']:>8.1f} ms  {slow['what'][:150]}")
    gcs = game["collector"]
    print(
        f"\nserver's garbage collection (whole run): {gcs['ticks']:,} ticks, {gcs['walks']:,} of"
        f" them walking the second's objects; pause p99 {gcs['p99_ms']:.1f} ms, longest"
        f" {gcs['max_ms']:.1f} ms;"
        f" {gcs['full_walks']} whole-heap walks, longest {gcs['full_max_ms']:.0f} ms"
    )
    rec = game["recovery"]
    print(f"\nrecovered {rec['sessions']:,} sessions from the store in {rec['seconds']:.3f} s")
    if game.get("refused_examples"):
        print("refused commands (should be none):", game["refused_examples"])
    targets = judge(raw, game)
    two = game.get("two_servers")
    if two:
        one, both = two["one"], two["two"]
        print(f"\nPostgreSQL + Redis, {both['tables']} tables: one server, then two (commands")
        print(f"enter on A, the {both['tables'] * PLAYERS:,} measured phones sit on B)")
        print(f"{'':32}{'one':>14}{'two':>12}{'ratio':>8}")
        for label, key, fmt, has_ratio in ROWS:
            if key in both:
                line = f"{label:32}{fmt.format(one[key]):>14}{fmt.format(both[key]):>12}"
                print(line + (f"{ratio(both[key], one[key]):>8.2f}" if has_ratio else ""))
        a, b = both["cpu_share_each"]
        print(f"{'  of which A / B':32}{'':>14}{f'{a:.2f} / {b:.2f}':>12}")
        print(f"{'frames lost':32}{one['frames_lost']:>14}{both['frames_lost']:>12}")
        print(f"{'versions merged by B catch-ups':32}{'':>14}{both['versions_merged_on_b']:>12}")
        print("\nthree servers, each table's sockets on one of them (events read while seating")
        print(f"and playing, CPU share over {3 * WARM_UP_S:.0f} s of play):")
        print(f"{'server':>8}{'tables':>8}{'held':>8}{'events read':>13}{'CPU share':>11}")
        for s in two["three"]["servers"]:
            print(
                f"{s['server']:>8}{s['tables']:>8}{s['tables_held']:>8}"
                f"{s['events_read']:>13,}{s['cpu_share']:>11.2f}"
            )
        print(f"frames lost: {two['three']['frames_lost']}")
    print("targets:", ", ".join(f"{k}={'ok' if v else 'MISSED'}" for k, v in targets.items()))
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "tables": args.tables,
        "seconds": args.seconds,
        "raw": raw,
        "theater": game,
        "targets": targets,
    }


WINDOWS = ("storm", "half", "full")
LOSSES = {"unreached", "unexpected_closes", "refused"}  # any run's loss counts, not the median's


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Window by window, each figure's median over the runs (a loss: the worst run's); the
    rest (collector, recovery, loop turns) from the last run."""
    out = dict(runs[-1])
    for window in WINDOWS:
        out[window] = {
            key: (max if key in LOSSES else statistics.median)(r[window][key] for r in runs)
            for key in runs[-1][window]
        }
    out["frames_lost"] = sum(r["frames_lost"] for r in runs)
    return out


def ratio_ranges(raws: list[dict[str, Any]], games: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Each ratio to raw, run by run (a run of ours against the raw run just before it):
    name -> [median, lowest, highest]."""
    keys = [(w, key) for w in ("half", "full") for _, key, _, has in ROWS if has]
    keys += [("storm", "seated_per_s"), ("storm", "p99_s")]
    out = {}
    for window, key in keys:
        each = [ratio(g[window][key], r[window][key]) for r, g in zip(raws, games, strict=True)]
        out[f"{window}_{key}"] = [statistics.median(each), min(each), max(each)]
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    if (os.cpu_count() or 1) > LOAD_CPU:
        os.sched_setaffinity(0, {LOAD_CPU})
    gc.disable()  # the load generator's own collector pauses would be blamed on the server
    storm = args.storm_tables or args.tables // 2
    raws: list[dict[str, Any]] = []
    games: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        tmp = args.workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="load-"))
        for i in range(args.repeat):  # raw, ours, raw, ours…: a slow minute hits both alike
            run = Path(tmp) / f"run{i + 1}"
            run.mkdir(parents=True, exist_ok=True)
            if args.raw:
                raws.append(await run_raw(args.tables, storm, args.seconds, run))
            gc.collect()
            games.append(await run_game(args.tables, storm, args.seconds, run, args.loop_turns))
            gc.collect()
        game = median_of(games)
        if args.two_server_tables:
            game["two_servers"] = await run_two_servers(
                args.two_server_tables, args.seconds, Path(tmp)
            )
    raw = median_of(raws) if raws else {k: {} for k in WINDOWS}
    result = report(raw, game, args)
    if len(raws) > 1:
        ranges = ratio_ranges(raws, games)
        print(f"\nratios to raw over {len(raws)} runs, median [lowest, highest]:")
        for name, (mid, low, high) in ranges.items():
            print(f"  {name:32}{mid:>8.2f}  [{low:.2f}, {high:.2f}]")
        result["ratios"] = ranges
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--storm-tables", type=int, default=0, help="default: half the tables")
    parser.add_argument("--seconds", type=float, default=20.0, help="per steady window")
    parser.add_argument(
        "--two-server-tables", type=int, default=200, help="0: skip the two-server run"
    )
    parser.add_argument("--no-raw", dest="raw", action="store_false", help="skip the baseline")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of raw and ours in turn; medians are judged"
    )
    parser.add_argument(
        "--loop-turns",
        action="store_true",
        help="time the server's event-loop turns and slowest callbacks (bench/loopturns.py)",
    )
    parser.add_argument("--workdir", type=Path, help="keep the servers' logs and store here")
    parser.add_argument("--profile", type=Path, help="py-spy the real server into PATH.*.txt")
    options = parser.parse_args()
    PROFILE = options.profile
    result = asyncio.run(main(options))
    print(json.dumps(result, separators=(",", ":")))
