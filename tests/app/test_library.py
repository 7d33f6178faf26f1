"""Trainers' libraries against a real server: sessions created in one or filed by their trainer
token, listed, opened with the library's key, deleted; one library never opens another's
sessions or endpoints; a rotated or revoked key stops at once; a library key is no seat."""

import sqlite3
from typing import Any

import httpx
import websockets

from app.tokens import hash_token
from tests.app.server import Client, Server, Session, new_session

DAY_MS = 24 * 3600 * 1000


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def library(http: httpx.AsyncClient, label: str) -> dict[str, Any]:
    r = await http.post("/api/libraries", json={"label": label})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["link"].endswith(f"/l/{made['library_id']}#{made['key']}")
    return made


async def filed_session(
    server: Server, http: httpx.AsyncClient, lib: dict[str, Any], label: str, **settings: Any
) -> Session:
    r = await http.post(
        f"/api/libraries/{lib['library_id']}/sessions",
        json={"settings": settings, "label": label},
        headers=bearer(lib["key"]),
    )
    assert r.status_code == 201, r.text
    return Session(server, r.json())


async def test_a_library_lists_opens_and_deletes_its_sessions(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana de trainer")
    key, lid = bearer(lib["key"]), lib["library_id"]
    made = await filed_session(server, http, lib, "Gemeente Delft", language="en")
    older = await new_session(server, http)
    await older.join(http, "Bram")
    wrong = await http.post(f"/api/libraries/{lid}/filed", headers=key,
                            json={"session_id": older.id, "token": older.token("screen")})  # fmt: skip
    assert wrong.status_code == 403  # a screen's token does not prove the session is yours
    r = await http.post(f"/api/libraries/{lid}/filed", headers=key,
                        json={"session_id": older.id, "token": older.token("trainer"), "label": "GGD"})  # fmt: skip
    assert r.status_code == 204, r.text

    listing = (await http.get(f"/api/libraries/{lid}", headers=key)).json()
    assert listing["label"] == "Ana de trainer" and listing["retention_days"] == 30
    by_id = {s["session_id"]: s for s in listing["sessions"]}
    assert set(by_id) == {made.id, older.id}
    assert by_id[made.id]["label"] == "Gemeente Delft" and by_id[made.id]["language"] == "en"
    assert by_id[made.id]["owned"] is True  # made here: the library may delete it
    assert by_id[older.id] | {"updated_at": 0, "created_at": 0, "retention_until": 0} == {
        "session_id": older.id, "kind": "session", "label": "GGD", "owned": False, "created_at": 0,
        "updated_at": 0, "retention_until": 0, "players": 1, "tables": 1, "rounds_played": 0,
        "rounds": 3, "status": "lobby", "language": "nl", "workshop": None, "table": None,
    }  # fmt: skip
    row = by_id[older.id]
    assert row["retention_until"] == row["updated_at"] + 30 * DAY_MS

    # The key opens each filed session as its trainer link would: log, export, replay, insights.
    for path in (
        "events",
        "export?format=md",
        "replay?version=1",
        "insights",
        "insights?format=csv",
    ):
        r = await http.get(f"/api/sessions/{older.id}/{path}", headers=key)
        assert r.status_code == 200, (path, r.text)
    # ... and nothing a facilitator does.
    assert (await http.get(f"/api/sessions/{older.id}/links", headers=key)).status_code == 403
    assert (await http.delete(f"/api/sessions/{older.id}", headers=key)).status_code == 403

    # Filed with the trainer's link, the library only holds it: "delete" takes it out, it stays.
    r = await http.delete(f"/api/libraries/{lid}/sessions/{older.id}", headers=key)
    assert r.status_code == 204
    listing = (await http.get(f"/api/libraries/{lid}", headers=key)).json()
    assert [s["session_id"] for s in listing["sessions"]] == [made.id]
    trainer = bearer(older.token("trainer"))
    assert (await http.get(f"/api/sessions/{older.id}/events", headers=trainer)).status_code == 200
    again = await http.delete(f"/api/libraries/{lid}/sessions/{older.id}", headers=key)
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"

    # Filed with its first facilitator's link, or made here, the library deletes it whole.
    r = await http.post(f"/api/libraries/{lid}/filed", headers=key,
                        json={"session_id": older.id, "token": older.token("facilitator")})  # fmt: skip
    assert r.status_code == 204
    for sid in (older.id, made.id):
        assert (
            await http.delete(f"/api/libraries/{lid}/sessions/{sid}", headers=key)
        ).status_code == 204
    assert (await http.get(f"/api/sessions/{older.id}/events", headers=trainer)).status_code == 404
    assert (await http.get(f"/api/libraries/{lid}", headers=key)).json()["sessions"] == []


async def test_a_session_in_another_library_moves_only_with_its_first_facilitators_link(
    server: Server, http: httpx.AsyncClient
) -> None:
    ana, bob = await library(http, "Ana"), await library(http, "Bob")
    session = await filed_session(server, http, ana, "GGD")
    co = await http.post(f"/api/sessions/{session.id}/facilitators", json={"label": "Co"},
                         headers=bearer(session.token("facilitator")))  # fmt: skip
    for token in (session.token("trainer"), co.json()["token"]):
        r = await http.post(f"/api/libraries/{bob['library_id']}/filed", headers=bearer(bob["key"]),
                            json={"session_id": session.id, "token": token})  # fmt: skip
        assert r.status_code == 403 and r.json()["error"]["reason"] == "filed_elsewhere"
    listing = await http.get(f"/api/libraries/{ana['library_id']}", headers=bearer(ana["key"]))
    assert [s["session_id"] for s in listing.json()["sessions"]] == [session.id]  # still Ana's
    r = await http.post(f"/api/libraries/{bob['library_id']}/filed", headers=bearer(bob["key"]),
                        json={"session_id": session.id, "token": session.token("facilitator")})  # fmt: skip
    assert r.status_code == 204
    listing = await http.get(f"/api/libraries/{ana['library_id']}", headers=bearer(ana["key"]))
    assert listing.json()["sessions"] == []


async def test_one_library_never_opens_anothers_sessions_or_endpoints(
    server: Server, http: httpx.AsyncClient
) -> None:
    mine, theirs = await library(http, "Ana"), await library(http, "Bob")
    session = await filed_session(server, http, mine, "Gemeente")
    other_key, lid = bearer(theirs["key"]), mine["library_id"]
    refused = [
        await http.get(f"/api/libraries/{lid}", headers=other_key),
        await http.get(f"/api/libraries/{lid}/insights", headers=other_key),
        await http.get(f"/api/libraries/{lid}/insights?format=csv", headers=other_key),
        await http.post(f"/api/libraries/{lid}/key", headers=other_key),
        await http.delete(f"/api/libraries/{lid}", headers=other_key),
        await http.post(f"/api/libraries/{lid}/sessions", headers=other_key, json={}),
        await http.post(f"/api/libraries/{lid}/filed", headers=other_key,
                        json={"session_id": session.id, "token": session.token("trainer")}),
        await http.delete(f"/api/libraries/{lid}/sessions/{session.id}", headers=other_key),
        await http.get(f"/api/sessions/{session.id}/events", headers=other_key),
        await http.get(f"/api/sessions/{session.id}/export", headers=other_key),
        await http.get(f"/api/sessions/{session.id}/replay?version=1", headers=other_key),
        await http.get(f"/api/sessions/{session.id}/insights", headers=other_key),
        await http.get(f"/api/libraries/{lid}"),  # no key at all
        await http.get("/api/libraries/0000000000000000", headers=other_key),  # no such library
    ]  # fmt: skip
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert {r.json()["error"]["code"] for r in refused} == {"forbidden"}
    # Nothing changed: the session is still filed in mine, and theirs is still empty.
    listing = (await http.get(f"/api/libraries/{lid}", headers=bearer(mine["key"]))).json()
    assert [s["session_id"] for s in listing["sessions"]] == [session.id]
    theirs_listing = await http.get(f"/api/libraries/{theirs['library_id']}", headers=other_key)
    assert theirs_listing.json()["sessions"] == []
    # A library's key is no seat: a socket hello with it is refused like any wrong token.
    socket = Client(server, session.id, mine["key"], "library key")
    try:
        await socket.connect()
        raise AssertionError("a library key opened a socket")
    except (ConnectionError, websockets.ConnectionClosed):
        assert socket.closed_code == 4401


async def test_a_rotated_or_revoked_key_stops_at_once(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana")
    session = await filed_session(server, http, lib, "GGD")
    lid, old = lib["library_id"], bearer(lib["key"])
    r = await http.post(f"/api/libraries/{lid}/key", headers=old)
    assert r.status_code == 201
    new = bearer(r.json()["key"])
    assert r.json()["link"].endswith(f"/l/{lid}#{r.json()['key']}")
    assert (await http.get(f"/api/libraries/{lid}", headers=old)).status_code == 403
    assert (await http.get(f"/api/sessions/{session.id}/events", headers=old)).status_code == 403
    assert (await http.get(f"/api/libraries/{lid}", headers=new)).status_code == 200
    assert (await http.get(f"/api/sessions/{session.id}/events", headers=new)).status_code == 200

    assert (await http.delete(f"/api/libraries/{lid}", headers=new)).status_code == 204
    assert (await http.get(f"/api/libraries/{lid}", headers=new)).status_code == 403
    assert (await http.get(f"/api/sessions/{session.id}/events", headers=new)).status_code == 403
    # The session itself stays, with its own links.
    trainer = bearer(session.token("trainer"))
    assert (
        await http.get(f"/api/sessions/{session.id}/events", headers=trainer)
    ).status_code == 200


async def test_a_filed_workshops_tables_are_filed_with_it(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana")
    s = await filed_session(server, http, lib, "Provincie", tables=2)
    for i in range(12):
        await s.join(http, f"Speler {i + 1}")
    r = await http.post(f"/api/sessions/{s.id}/tables", headers=bearer(s.token("facilitator")))
    assert r.status_code == 201, r.text
    tables = [t["session_id"] for t in r.json()["tables"]]
    listing = (
        await http.get(f"/api/libraries/{lib['library_id']}", headers=bearer(lib["key"]))
    ).json()
    by_id = {e["session_id"]: e for e in listing["sessions"]}
    assert by_id[s.id]["kind"] == "workshop" and by_id[s.id]["tables"] == 2
    assert by_id[s.id]["players"] == 12
    assert {
        sid: (by_id[sid]["kind"], by_id[sid]["workshop"], by_id[sid]["label"], by_id[sid]["table"])
        for sid in tables
    } == {sid: ("table", s.id, "Provincie", n) for n, sid in enumerate(tables, 1)}
    r = await http.delete(
        f"/api/libraries/{lib['library_id']}/sessions/{s.id}", headers=bearer(lib["key"])
    )
    assert r.status_code == 204
    listing = (
        await http.get(f"/api/libraries/{lib['library_id']}", headers=bearer(lib["key"]))
    ).json()
    assert listing["sessions"] == []  # the workshop went with its tables


async def test_a_date_filter_out_of_range_is_a_clear_refusal(
    server: Server, http: httpx.AsyncClient
) -> None:
    lib = await library(http, "Ana")
    where, key = f"/api/libraries/{lib['library_id']}/insights", bearer(lib["key"])
    for query in ("until=9999-12-31", "since=9999-12-31&until=9999-12-31", "until=31-12-2026",
                  "since=2026-02-30"):  # fmt: skip
        r = await http.get(f"{where}?{query}", headers=key)
        assert r.status_code == 400, (query, r.text)
        assert r.json()["error"]["code"] == "invalid_args", query
    assert (
        await http.get(f"{where}?since=0001-01-01&until=9999-12-30", headers=key)
    ).status_code == 200


LOG_PATHS = ("events", "export?format=md", "export?format=csv", "export?format=json",
             "replay?version=1", "replay?version=1&viewer=trainer", "insights")  # fmt: skip


async def test_a_co_facilitators_filing_ends_with_their_link(
    server: Server, http: httpx.AsyncClient
) -> None:
    """A co-facilitator who filed the session in their own library reads it there only while
    their link stands: withdrawing the link takes the session out of that library (a black-box
    probe of 2026-12-05 read every card and named answer for the whole retention period)."""
    session = await new_session(server, http)
    await session.join(http, "Bram")
    first = bearer(session.token("facilitator"))
    co = await http.post(f"/api/sessions/{session.id}/facilitators", json={"label": "Sanne"},
                         headers=first)  # fmt: skip
    co_id, co_token = co.json()["facilitator_id"], co.json()["token"]
    sannes = await library(http, "Sanne")
    lid, key = sannes["library_id"], bearer(sannes["key"])
    r = await http.post(f"/api/libraries/{lid}/filed", headers=key,
                        json={"session_id": session.id, "token": co_token})  # fmt: skip
    assert r.status_code == 204
    for path in LOG_PATHS:
        r = await http.get(f"/api/sessions/{session.id}/{path}", headers=key)
        assert r.status_code == 200, (path, r.text)

    r = await http.delete(f"/api/sessions/{session.id}/facilitators/{co_id}", headers=first)
    assert r.status_code == 204
    for path in LOG_PATHS:
        for who in (key, bearer(co_token)):
            r = await http.get(f"/api/sessions/{session.id}/{path}", headers=who)
            assert r.status_code == 403, (path, r.text)
    assert (await http.get(f"/api/libraries/{lid}", headers=key)).json()["sessions"] == []
    # a filing left behind (the store failed between the withdrawal and the unfiling, or a
    # filing raced the withdrawal on another server) is still never read
    with sqlite3.connect(server.db) as db:
        stale = (session.id, lid, hash_token(co_token))  # as her filing named her link
        db.execute("INSERT INTO filed VALUES (?, ?, 'Sanne', 0, ?)", stale)
    for path in LOG_PATHS:
        r = await http.get(f"/api/sessions/{session.id}/{path}", headers=key)
        assert r.status_code == 403, (path, r.text)
    assert (await http.get(f"/api/libraries/{lid}", headers=key)).json()["sessions"] == []
    with sqlite3.connect(server.db) as db:
        db.execute("DELETE FROM filed WHERE session_id = ?", (session.id,))
    refiled = await http.post(f"/api/libraries/{lid}/filed", headers=key,
                              json={"session_id": session.id, "token": co_token})  # fmt: skip
    assert refiled.status_code == 403
    # the session's own links and a filing by the trainer link are untouched
    trainer = bearer(session.token("trainer"))
    assert (
        await http.get(f"/api/sessions/{session.id}/events", headers=trainer)
    ).status_code == 200
    anas = await library(http, "Ana")
    r = await http.post(f"/api/libraries/{anas['library_id']}/filed", headers=bearer(anas["key"]),
                        json={"session_id": session.id, "token": session.token("trainer")})  # fmt: skip
    assert r.status_code == 204
    other = await http.post(f"/api/sessions/{session.id}/facilitators", json={"label": "Kees"},
                            headers=first)  # fmt: skip
    gone = other.json()["facilitator_id"]
    await http.delete(f"/api/sessions/{session.id}/facilitators/{gone}", headers=first)
    r = await http.get(f"/api/sessions/{session.id}/events", headers=bearer(anas["key"]))
    assert r.status_code == 200  # withdrawing someone else's link leaves Ana's filing


async def _every_way_in(
    server: Server, http: httpx.AsyncClient, session: Session, token: str
) -> dict[str, int]:
    """What one credential reaches of a session's log: each HTTP path, and a socket."""
    reached = {
        path: (
            await http.get(f"/api/sessions/{session.id}/{path}", headers=bearer(token))
        ).status_code
        for path in LOG_PATHS
    }
    socket = Client(server, session.id, token, "probe")
    try:
        await socket.connect()
        reached["socket"] = 101
        await socket.close()
    except (ConnectionError, websockets.ConnectionClosed):
        reached["socket"] = socket.closed_code or 0
    return reached


async def test_every_way_into_the_log_closes_with_each_kind_of_withdrawal(
    server: Server, http: httpx.AsyncClient
) -> None:
    """The matrix: a co-facilitator withdrawn, a seat moved to a new phone, a player removed, a
    library key rotated, a library revoked; each credential that was withdrawn reaches nothing
    (every export, replay, insight and the socket), and what was not withdrawn still works."""
    session = await new_session(server, http)
    first = bearer(session.token("facilitator"))
    for name in ("Anna", "Bram", "Chris"):
        await session.join(http, name)
    co = (await http.post(f"/api/sessions/{session.id}/facilitators", json={"label": "Sanne"},
                          headers=first)).json()  # fmt: skip
    sannes = await library(http, "Sanne")
    r = await http.post(f"/api/libraries/{sannes['library_id']}/filed",
                        headers=bearer(sannes["key"]),
                        json={"session_id": session.id, "token": co["token"]})  # fmt: skip
    assert r.status_code == 204
    staff = {path: 200 for path in LOG_PATHS} | {"socket": 101}
    assert await _every_way_in(server, http, session, co["token"]) == staff
    assert await _every_way_in(server, http, session, sannes["key"]) == {**staff, "socket": 4401}
    player = {path: 403 for path in LOG_PATHS} | {"socket": 101}  # a seat, never the log
    anna = session.players["Anna"]["player_token"]
    assert await _every_way_in(server, http, session, anna) == player

    withdrawn = {path: 403 for path in LOG_PATHS}
    # a co-facilitator withdrawn: their link and their library's filing
    await http.delete(f"/api/sessions/{session.id}/facilitators/{co['facilitator_id']}",
                      headers=first)  # fmt: skip
    assert await _every_way_in(server, http, session, co["token"]) == {**withdrawn, "socket": 4401}
    assert await _every_way_in(server, http, session, sannes["key"]) == {
        **withdrawn,
        "socket": 4401,
    }
    lib = await library(http, "Ana")  # the session can go to another library now
    r = await http.post(f"/api/libraries/{lib['library_id']}/filed", headers=bearer(lib["key"]),
                        json={"session_id": session.id, "token": session.token("trainer")})  # fmt: skip
    assert r.status_code == 204
    assert await _every_way_in(server, http, session, lib["key"]) == {**staff, "socket": 4401}
    # a seat moved to a new phone: the old phone's link opens nothing; the new one plays
    bram = session.players["Bram"]
    r = await http.post(f"/api/sessions/{session.id}/players/{bram['player_id']}/seat",
                        headers=first)  # fmt: skip
    claimed = await http.post(
        f"/api/sessions/{session.id}/claim", json={"claim": r.json()["link"].split("#")[1]}
    )
    assert claimed.status_code == 201, claimed.text
    assert await _every_way_in(server, http, session, bram["player_token"]) == {
        **withdrawn,
        "socket": 4401,
    }
    assert await _every_way_in(server, http, session, claimed.json()["player_token"]) == player
    # a player removed: their link is told so, and reaches nothing
    fac = await session.client("facilitator").connect()
    await fac.ok("remove_player", player_id=session.players["Chris"]["player_id"])
    await fac.close()
    chris = session.players["Chris"]["player_token"]
    assert await _every_way_in(server, http, session, chris) == {**withdrawn, "socket": 4403}
    # a library key rotated, then the library revoked
    lid = lib["library_id"]
    rotated = (await http.post(f"/api/libraries/{lid}/key", headers=bearer(lib["key"]))).json()
    assert await _every_way_in(server, http, session, lib["key"]) == {**withdrawn, "socket": 4401}
    assert await _every_way_in(server, http, session, rotated["key"]) == {**staff, "socket": 4401}
    assert (
        await http.delete(f"/api/libraries/{lid}", headers=bearer(rotated["key"]))
    ).status_code == 204
    assert await _every_way_in(server, http, session, rotated["key"]) == {
        **withdrawn,
        "socket": 4401,
    }
    # and what nobody withdrew still works: the first facilitator, the trainer, Anna
    assert await _every_way_in(server, http, session, session.token("trainer")) == staff
    assert await _every_way_in(server, http, session, anna) == player
