"""Recovery benchmark: N unfinished sessions (12 players, round 3 under way, a timer running) in a
real SQLite store, then `theater serve` started on it, timed by its own "recovered" log line:
with no snapshot (as an upgrade finds them: snapshots of other rules are not read), as a crash
leaves them (a table writes a snapshot every 50 events) and as a stop leaves them (a snapshot of
every table at its last event).

Beside it, in the same run, the raw baseline: one query reading every stored event and parsing
its JSON, the least a recovery from the log alone must do. The target (#23): 1,000 sessions in
at most 1 s. Run: `.venv/bin/python bench/recovery.py --sessions 1000`.
"""

import argparse
import asyncio
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.stores import snapshot
from app.stores.sqlite import SqliteStore
from bench.loadkit import ServerProcess
from cards import load_decks
from game import (
    FACILITATOR,
    Actor,
    Event,
    Settings,
    create_session,
    decide,
    evolve,
    fold,
    view,
)

PLAYERS = 12
T0 = 1_700_000_000_000


def played(index: int, now: int) -> tuple[str, str, list[Event]]:
    """One session as a training day plays it: twelve joined, rounds 1 and 2 decided, stood
    behind and reflected on (every player answers every question), round 3's discussion running
    (its timer due 15 minutes from `now`, so recovery holds it)."""
    session_id, code = f"{index:016x}", f"R{index:05d}"
    created = create_session(
        session_id=session_id,
        join_code=code,
        settings=Settings(rounds=3, round_seconds=900),
        decks=load_decks("standaard"),
        seed=index,
        time_scale=1.0,
        token_hashes={"facilitator": "f", "screen": "s", "trainer": "t"},
        now=now,
    )
    state, events = evolve(None, created), list[Event]([created])

    def do(actor: Actor, name: str, args: dict[str, object] | None = None) -> None:
        nonlocal state
        for event in decide(state, actor, name, args or {}, now):
            state = evolve(state, event)
            events.append(event)

    def player(pid: str) -> Actor:
        return Actor("player", pid, answer_key=f"k-{pid}")

    for i in range(PLAYERS):
        do(Actor(None), "join", {"name": f"Speler {i + 1}", "token_hash": f"h{index}-{i}"})
    do(FACILITATOR, "start_game")
    for number in (1, 2, 3):
        do(FACILITATOR, "choose_opdracht")
        for uid, unit in list(state.units.items()):
            do(player(unit.members[0]), "ready")
            if state.open_card:
                do(player(unit.members[0]), "reveal", {"unit_id": uid})
        do(FACILITATOR, "start_timer")
        if number == 3:
            break
        do(FACILITATOR, "end_discussion")
        do(FACILITATOR, "record_decision", {"text": "Besluit", "reached": "yes"})
        for pid in state.players:
            do(player(pid), "support", {"value": "yes"})
        while True:  # each question shown, every player answers it
            do(FACILITATOR, "next_prompt")
            prompt = view(state, FACILITATOR, now)["prompt"]
            assert prompt is not None
            for pid in state.players:
                do(player(pid), "answer", {"prompt_id": prompt["id"], "text": "Ja"})
            if prompt["index"] == prompt["count"]:
                break
        do(FACILITATOR, "next_round")
    return session_id, code, events


async def seed(db: Path, sessions: int) -> int:
    """The store, written as the server writes it; returns the number of events."""
    store = SqliteStore(db)
    now = int(time.time() * 1000)
    total = 0
    for i in range(sessions):
        session_id, code, events = played(i, now)
        await store.create(session_id, code, events[0], events[1:])
        total += len(events)
    store.db.close()
    return total


async def keep_snapshots(db: Path, every: int | None) -> None:
    """Each table's snapshot as a server leaves it: none (`every` None: kept by other rules, or
    an older release), the last of one every `every` events (a crash), at its last event (0:
    a stop)."""
    store = SqliteStore(db)
    store.db.execute("DELETE FROM snapshots")
    for row in await store.sessions():
        events = await store.load(row.session_id)
        if every is not None:
            at = len(events) - len(events) % every if every else len(events)
            state = fold(events[:at])
            await store.save_snapshot(row.session_id, state.version, snapshot.dump(state))
    store.db.close()


def raw_read(db: Path) -> float:
    """Seconds to read and parse every stored event in one query."""
    began = time.perf_counter()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT session_id, body FROM events ORDER BY id").fetchall()
    for _, body in rows:
        orjson.loads(body)
    return time.perf_counter() - began


def recovered(db: Path, log: Path) -> tuple[int, float, int]:
    """Start the real server on the store; its recovery line and the events it read (/healthz);
    kill it (a stop would write every table's snapshot, and the next run must find the store
    as its case left it)."""
    argv = [sys.executable, "-m", "app.cli", "serve", "--port", "{port}", "--db", f"sqlite:///{db}"]
    server = ServerProcess(argv, log, cpu=0).start("/healthz")
    try:
        found = re.findall(r"recovered (\d+) unfinished sessions in ([\d.]+) s", log.read_text())
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz") as health:
            read = json.load(health)["events_read"]
        return int(found[-1][0]), float(found[-1][1]), int(read)
    finally:
        server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "theater.db"
        began = time.perf_counter()
        events = asyncio.run(seed(db, args.sessions))
        print(f"stored {args.sessions:,} sessions, {events:,} events in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        raws: list[float] = []
        cases = {"no snapshot": None, "after a crash": 50, "after a stop": 0}
        ours: dict[str, list[float]] = {case: [] for case in cases}
        for case, times in ours.items():
            asyncio.run(keep_snapshots(db, cases[case]))
            for run in range(args.repeat):  # in turn, so both see the same machine
                raws.append(raw_read(db))
                count, seconds, read = recovered(db, Path(tmp) / f"theater-{run}.log")
                assert count == args.sessions, count
                times.append(seconds)
                print(f"{case}, run {run + 1}: raw read {raws[-1]:.3f} s, recovery {seconds:.3f} s, "
                      f"{read:,} events read")  # fmt: skip
    raw = statistics.median(raws)
    print(f"\nrecovery of {args.sessions:,} sessions, medians of {args.repeat} "
          f"(raw read of every event: {raw:.3f} s):")  # fmt: skip
    for case, times in ours.items():
        our = statistics.median(times)
        print(f"  {case:14} {our:.3f} s [{min(times):.3f}-{max(times):.3f}], "
              f"{our / raw:.1f}x raw, target ≤ 1 s {'met' if our <= 1 else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
