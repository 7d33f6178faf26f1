"""Who may join, over HTTP and the sockets of a real server: a locked table, someone let in or
turned away, a removed player's name coming back, and the tokens that go with each."""

import httpx
import pytest

from tests.app.server import Client, Server, new_session


async def _ask(http: httpx.AsyncClient, code: str, name: str) -> httpx.Response:
    return await http.post("/api/join", json={"join_code": code, "name": name})


async def _admission(http: httpx.AsyncClient, session_id: str, token: str) -> dict:
    r = await http.get(
        f"/api/sessions/{session_id}/admission", headers={"authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_at_a_locked_table_the_facilitator_lets_newcomers_in_one_by_one(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    await s.join(http, "Anouk")
    fac = await s.client("facilitator").connect()
    await fac.ok("lock_joining", locked=True)
    code = s.created["join_code"]
    asked = {name: await _ask(http, code, name) for name in ("Bram", "Chris")}
    for r in asked.values():
        assert r.status_code == 202 and r.json()["waiting"] and r.json()["player_id"] is None
    bram, chris = (r.json()["player_token"] for r in asked.values())
    assert await _admission(http, s.id, bram) == {"status": "waiting", "player_id": None}
    view = await fac.until(lambda v: len(v["knocking"]) == 2)
    assert [p["name"] for p in view["players"]] == ["Anouk"]
    waiting = {k["name"]: k["id"] for k in view["knocking"]}

    outside = Client(server, s.id, bram, "Bram")  # not let in yet: the socket opens nothing
    with pytest.raises(ConnectionError):
        await outside.connect()
    assert outside.closed_code == 4401

    await fac.ok("admit", knock_id=waiting["Bram"])
    await fac.ok("refuse", knock_id=waiting["Chris"])
    let_in = await _admission(http, s.id, bram)
    assert let_in["status"] == "admitted" and let_in["player_id"]
    assert await _admission(http, s.id, chris) == {"status": "refused", "player_id": None}
    phone = await Client(server, s.id, bram, "Bram").connect()
    seen = await phone.until(lambda v: v["me"]["name"] == "Bram")
    assert seen["locked"] is True and "knocking" not in seen
    assert (await fac.command("admit", knock_id=waiting["Chris"]))["reason"] == "no_such_knock"

    await fac.ok("lock_joining", locked=False)
    assert (await _ask(http, code, "Dirk")).status_code == 201
    await phone.close()
    await fac.close()


async def test_a_removed_player_who_tries_the_code_again_is_shown_to_the_facilitator(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    for name in ("Anouk", "Bram", "Chris"):
        await s.join(http, name)
    fac = await s.client("facilitator").connect()
    await fac.ok("remove_player", player_id=s.players["Bram"]["player_id"])
    again = await _ask(http, s.created["join_code"], "bram")
    assert again.status_code == 202 and again.json()["waiting"]
    view = await fac.until(lambda v: v["knocking"])
    assert [(k["name"], k["returning"]) for k in view["knocking"]] == [("bram", True)]
    assert [p["name"] for p in view["players"]] == ["Anouk", "Chris"]
    await fac.close()


async def test_a_bad_admission_question_changes_nothing(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    r = await http.get(f"/api/sessions/{s.id}/admission")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = await http.get("/api/sessions/nope/admission", headers={"authorization": "Bearer x"})
    assert r.status_code == 404
    unknown = await _admission(http, s.id, "a-token-nobody-has")
    assert unknown == {"status": "refused", "player_id": None}
