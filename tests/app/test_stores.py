"""The event store contract, run against every adapter (SQLite on a real file, PostgreSQL on a real
server, the in-memory twin), then what only SQLite does: grouped commits, migrations of old
files, and deletion that leaves nothing readable on disk."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.stores import (
    CodeTaken,
    DeckRow,
    EventStore,
    FiledSession,
    LibraryRow,
    SqliteStore,
    VersionConflict,
    open_store,
    snapshot,
)
from app.stores.sqlite import MIGRATIONS
from game import Event, parse_event
from tests.conftest import new_database
from tests.game.play import Play


def game_events() -> list[Event]:
    t = Play.new(7, orgs=["A", "B", "C", "D", "A", "B", "C"])
    t.play_game()
    return t.events


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'theater.db'}"
    elif request.param == "postgresql":
        url = await new_database(request.getfixturevalue("postgres"))
    else:
        url = "memory://"
    opened = open_store(url)
    await opened.open()
    yield opened
    await opened.close()


async def test_a_log_is_read_back_whole_or_from_a_version(store: EventStore) -> None:
    events = game_events()
    await store.create("s1", "ABC234", events[0])
    await store.append("s1", 1, events[1:10])
    await store.append("s1", 10, events[10:])
    assert await store.load("s1") == events
    assert await store.load("s1", after=10) == events[10:]
    assert await store.load("nope") == []
    assert await store.find_code("ABC234") == "s1" and await store.find_code("XYZ789") is None
    [row] = await store.sessions()
    assert (row.session_id, row.join_code, row.updated_at, row.ended) == (
        "s1",
        "ABC234",
        events[-1].at,
        True,
    )


async def test_a_stale_writer_is_refused_and_changes_nothing(store: EventStore) -> None:
    events = game_events()
    await store.create("s1", "ABC234", events[0])
    await store.append("s1", 1, events[1:4])
    with pytest.raises(VersionConflict):
        await store.append("s1", 1, events[1:2])  # decided on version 1, but it is at 4
    assert await store.load("s1") == events[:4]


async def test_of_two_writers_at_one_version_exactly_one_wins(store: EventStore) -> None:
    events = game_events()
    await store.create("s1", "ABC234", events[0])
    results = await asyncio.gather(
        store.append("s1", 1, events[1:3]), store.append("s1", 1, events[1:2]),
        return_exceptions=True,
    )  # fmt: skip
    assert sorted(type(r).__name__ for r in results) == ["NoneType", "VersionConflict"]
    assert len(await store.load("s1")) in (2, 3)


async def test_a_join_code_belongs_to_one_session(store: EventStore) -> None:
    events = game_events()
    await store.create("s1", "ABC234", events[0])
    with pytest.raises(CodeTaken):
        await store.create("s2", "ABC234", events[0])
    assert await store.load("s2") == []


async def test_a_session_is_created_with_its_first_events_all_or_nothing(
    store: EventStore,
) -> None:
    """A workshop's table is written whole: nobody can find it half made."""
    events = game_events()
    await store.create("s1", "ABC234-1", events[0], events[1:8])
    assert await store.load("s1") == events[:8]
    with pytest.raises(CodeTaken):
        await store.create("s2", "ABC234-1", events[0], events[1:8])
    assert await store.load("s2") == []
    await store.append("s1", 8, events[8:9])
    assert len(await store.load("s1")) == 9


async def test_a_deleted_session_is_gone_for_every_question(store: EventStore) -> None:
    events = game_events()
    await store.create("s1", "ABC234", events[0])
    await store.create("s2", "DEF567", events[0])
    await store.append("s1", 1, events[1:])
    assert await store.delete("s1") is True
    assert await store.delete("s1") is False
    assert await store.load("s1") == []
    assert await store.find_code("ABC234") is None
    assert [r.session_id for r in await store.sessions()] == ["s2"]


async def test_the_latest_snapshot_is_kept_and_goes_with_its_session(store: EventStore) -> None:
    events = game_events()
    await store.create("s1", "ABC234", events[0], events[1:])
    assert await store.snapshot("s1") is None
    await store.save_snapshot("s1", 20, b"at twenty")
    await store.save_snapshot("s1", 30, b"at thirty")
    await store.save_snapshot("s1", 25, b"late from another server")  # older: not kept
    assert await store.snapshot("s1") == (30, b"at thirty")
    await store.save_snapshot("s1", 30, b"at thirty, by the code now running")  # after an upgrade
    assert await store.snapshot("s1") == (30, b"at thirty, by the code now running")
    await store.delete("s1")
    assert await store.snapshot("s1") is None
    await store.save_snapshot("s1", 40, b"after the delete")  # a table leaving memory late
    assert await store.snapshot("s1") is None


async def test_a_library_files_sessions_and_moving_or_deleting_keeps_the_rest(
    store: EventStore,
) -> None:
    events = game_events()
    for sid, code in (("s1", "ABC234"), ("s2", "DEF567"), ("s3", "GHJ789")):
        await store.create(sid, code, events[0])
    a, b = LibraryRow("la", "hash-a", "Ana", 5), LibraryRow("lb", "hash-b", "Bob", 6)
    await store.save_library(a)
    await store.save_library(b)
    await store.file_session("s1", "la", "Gemeente Delft")
    await store.file_session("s2", "la", "", owned=True)
    await store.file_session("s3", "lb", "GGD")
    await store.file_session("nope", "la", "")  # no such session: nothing filed
    await store.file_session("s3", "nope", "")  # no such library: s3 stays where it was
    assert sorted(await store.filed("la"), key=lambda f: f.session_id) == [
        FiledSession("s1", "Gemeente Delft"),
        FiledSession("s2", "", owned=True),
    ]
    assert await store.library_of("s3") == (b, FiledSession("s3", "GGD"))
    assert await store.library_of("nope") is None
    await store.file_session("s2", "lb", "Provincie")  # moved, with a new label
    assert await store.filed("la") == [FiledSession("s1", "Gemeente Delft")]
    await store.save_library(LibraryRow("la", "hash-new", "Ana", 5))  # a new key
    assert await store.library("la") == LibraryRow("la", "hash-new", "Ana", 5)
    await store.delete("s1")
    assert await store.filed("la") == []
    await store.unfile("s3")  # out of the library; the session stays
    assert await store.library_of("s3") is None
    await store.file_session("s3", "lb", "GGD", filed_by="f-co")  # a co-facilitator's link
    assert await store.library_of("s3") == (b, FiledSession("s3", "GGD", filed_by="f-co"))
    assert FiledSession("s3", "GGD", filed_by="f-co") in await store.filed("lb")
    assert await store.drop_library("lb") is True and await store.drop_library("lb") is False
    assert await store.library("lb") is None and await store.library_of("s3") is None
    assert sorted(r.session_id for r in await store.sessions()) == ["s2", "s3"]  # sessions stay


async def test_a_library_keeps_every_version_of_its_decks_and_loses_them_with_it(
    store: EventStore,
) -> None:
    await store.save_library(LibraryRow("la", "hash-a", "Ana", 5))
    await store.save_library(LibraryRow("lb", "hash-b", "Bob", 6))
    first = DeckRow("la", "buurt", 1, "Buurtteams", '{"v": 1}', 10)
    await store.save_deck(first)
    await store.save_deck(DeckRow("la", "buurt", 2, "Buurtteams", '{"v": 2}', 20))
    await store.save_deck(DeckRow("lb", "buurt", 1, "Bob's", "{}", 15))  # another library's own
    with pytest.raises(VersionConflict):  # two saves raced: the second is refused, not merged
        await store.save_deck(DeckRow("la", "buurt", 2, "Buurtteams", '{"v": "other"}', 21))
    await store.save_deck(DeckRow("nope", "buurt", 1, "", "{}", 1))  # no such library: nothing
    assert await store.decks("la") == [
        first,
        DeckRow("la", "buurt", 2, "Buurtteams", '{"v": 2}', 20),
    ]
    assert await store.decks("nope") == []
    await store.drop_library("la")
    assert await store.decks("la") == [] and len(await store.decks("lb")) == 1


# --- SQLite only -----------------------------------------------------------------------------


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
            assert await store.load(f"s{n}") == events[:3], n
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


async def test_anonymous_answers_of_old_logs_lose_their_author_in_the_migration(
    fresh_db: Path,
) -> None:
    """Logs written before anonymity was kept in the store named the author; no longer."""
    old = SqliteStore(fresh_db)
    t = Play.new(3)
    await old.create("s1", "ABC234", t.events[0])
    await old.close()
    db = sqlite3.connect(fresh_db, isolation_level=None)
    body = (
        '{"at":1,"type":"answer_given","answer_id":"a1","player_id":"p2","prompt_id":"in-spel-1",'
        '"text":"Geheim","anonymous":true}'
    )
    db.execute("INSERT INTO events (session_id, version, type, at, body) VALUES "
               "('s1', 2, 'answer_given', 1, ?)", (body,))  # fmt: skip
    db.execute("PRAGMA user_version = 2")  # before migration 3, which drops the authors
    db.close()
    store = SqliteStore(fresh_db)
    try:
        [answer] = await store.load("s1", after=1)
        assert answer.type == "answer_given" and answer.player_id is None
    finally:
        await store.close()
    assert b'"p2"' not in b"".join(p.read_bytes() for p in fresh_db.parent.glob("theater.db*"))


async def test_deleting_leaves_no_name_or_answer_readable_in_the_files(fresh_db: Path) -> None:
    store = SqliteStore(fresh_db)
    t = Play.new(3)
    t.join("Zeldzaam Naampje")
    t.fac("start_game")
    t.play_round()
    t.fac("next_prompt")
    t.player("p1", "answer", {"prompt_id": "in-spel-1", "text": "Een heel bijzonder antwoord"})
    keep = Play.new(3)
    keep.play_game()
    try:
        await store.create("s1", "ABC234", t.events[0])
        await store.create("s2", "DEF567", keep.events[0])
        for i in range(1, max(len(t.events), len(keep.events))):  # rows of both on shared pages
            await store.append("s1", i, t.events[i : i + 1])
            await store.append("s2", i, keep.events[i : i + 1])
        await store.save_snapshot("s1", len(t.events), snapshot.dump(t.state))
        await store.save_snapshot("s2", len(keep.events), snapshot.dump(keep.state))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as after a long day: in the .db
        assert b"Zeldzaam Naampje" in fresh_db.read_bytes()
        await store.delete("s1")
        await store.append("s2", len(keep.events), [keep.events[-1]])  # the store goes on
        for path in fresh_db.parent.glob("theater.db*"):
            data = path.read_bytes()
            assert b"Zeldzaam Naampje" not in data, path.name
            assert b"bijzonder antwoord" not in data, path.name
        assert len(await store.load("s2")) == len(keep.events) + 1
    finally:
        await store.close()
