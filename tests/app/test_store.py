"""The SQLite event store on a real file: optimistic concurrency, grouped commits, migrations."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from app.store import MIGRATIONS, SqliteStore, VersionConflict
from game import Event, parse_event
from tests.game.table import Table


def game_events() -> list[Event]:
    t = Table.new(7, orgs=["A", "B", "C", "D", "A", "B", "C"])
    t.fac("start_game")
    return t.events


async def test_a_stale_writer_is_refused_and_changes_nothing(fresh_db: Path) -> None:
    events = game_events()
    first, second = SqliteStore(fresh_db), SqliteStore(fresh_db)  # two servers, one file
    try:
        await first.create("s1", "ABC234", events[0])
        await first.append("s1", 1, events[1:4])
        with pytest.raises(VersionConflict):
            await second.append("s1", 1, events[1:2])  # decided on version 1, but it is at 4
        assert [e.type for e in await second.load("s1")] == [e.type for e in events[:4]]
    finally:
        await first.close()
        await second.close()


async def test_appends_in_one_turn_share_a_commit_and_a_conflict_stays_its_own(
    fresh_db: Path,
) -> None:
    events = game_events()
    store = SqliteStore(fresh_db)
    try:
        for n in range(20):
            await store.create(f"s{n}", f"CODE{n:02d}", events[0])
        appends = [store.append(f"s{n}", 1, events[1:3]) for n in range(20)]
        appends.append(store.append("s7", 1, events[1:2]))  # same version as s7's first append
        results = await asyncio.gather(*appends, return_exceptions=True)
        assert results[:20] == [None] * 20
        assert isinstance(results[20], VersionConflict)
        for n in range(20):
            stored = await store.load(f"s{n}")
            assert [e.type for e in stored] == [e.type for e in events[:3]], n
    finally:
        await store.close()


async def test_a_database_of_the_first_layout_is_migrated_and_keeps_its_games(
    fresh_db: Path,
) -> None:
    events = game_events()
    db = sqlite3.connect(fresh_db, isolation_level=None)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO sessions VALUES ('old', 'OLD234', 1, 0)")
    db.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
        [("old", i + 1, e.type, e.at, e.model_dump_json()) for i, e in enumerate(events)],
    )
    db.execute("PRAGMA user_version = 1")
    db.close()

    store = SqliteStore(fresh_db)
    try:
        assert await store.load("old") == [parse_event(e.model_dump_json()) for e in events]
        await store.append("old", len(events), [events[1]])
        with pytest.raises(VersionConflict):
            await store.append("old", len(events), [events[1]])
        assert await store.find_code("OLD234") == "old"
    finally:
        await store.close()
    (version,) = sqlite3.connect(fresh_db).execute("PRAGMA user_version").fetchone()
    assert version == len(MIGRATIONS)
