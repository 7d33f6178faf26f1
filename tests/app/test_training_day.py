"""A training day's mishaps over real sockets against a real server: latecomers, a phone that died,
a player removed by mistake, and a co-facilitator acting at the same time as the facilitator.
Every frame every player and the screen received is scanned for cards they must not see."""

import asyncio

import httpx
import websockets

from tests.app.server import Client, Server, eventually
from tests.app.wire import WireGame, check_deals, check_no_leaks, names, play_round, seat


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def join_late(g: WireGame, http: httpx.AsyncClient, name: str, org: str = "") -> Client:
    joined = await g.session.join(http, name, org)
    client = await g.session.client(name).connect()
    g.players[joined["player_id"]] = client
    return client


async def test_latecomers_a_new_phone_and_a_restored_player_over_the_wire(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(server, http, names(7), rounds=3, round_seconds=60)  # three duos, one solo
    fac = bearer(g.session.token("facilitator"))
    await g.fac.ok("start_game")
    await g.fac.until(lambda v: v["phase"] == "choosing")
    others: list[tuple[str, Client]] = []

    # A latecomer after round 1's deal waits; the facilitator seats them with the player alone.
    await g.fac.ok("choose_opdracht")
    await g.fac.until(lambda v: v["phase"] == "reading")
    anna = await join_late(g, http, "Anna", "Gemeente")
    waiting = await anna.until(lambda v: v["me"]["unit"] is None)
    assert next(p for p in waiting["players"] if p["name"] == "Anna")["waiting"] is True
    assert all(u["strategy"] is None for u in waiting["units"])
    solo = next(u for u in g.fac.view["units"] if len(u["members"]) == 1)
    await g.fac.ok("seat_player", player_id=anna.welcome["player_id"], unit_id=solo["id"])
    seen = await anna.until(lambda v: v["me"]["unit"] == solo["id"])
    card = next(u for u in seen["units"] if u["id"] == solo["id"])["strategy"]
    assert card == next(u for u in g.fac.view["units"] if u["id"] == solo["id"])["strategy"]
    refused = await g.fac.command("seat_player", player_id=anna.welcome["player_id"], unit_id="u1")
    assert refused["type"] == "error" and refused["reason"] == "already_seated"

    # A phone dies: the facilitator moves the seat; the old phone is closed and its token refused.
    victim_id = solo["members"][0]
    old = g.players[victim_id]
    r = await http.post(f"/api/sessions/{g.session.id}/players/{victim_id}/seat", headers=fac)
    assert r.status_code == 201, r.text
    moved = r.json()
    assert moved["qr_svg"].startswith("<?xml") and "#" in moved["link"]
    await eventually(lambda: old.closed_code == 4411)
    with_old = Client(server, g.session.id, old.token, "old phone")
    try:
        await with_old.connect()
        raise AssertionError("the old token still opens the table")
    except (ConnectionError, websockets.ConnectionClosed):
        assert with_old.closed_code == 4401
    claim = moved["link"].split("#", 1)[1]
    r = await http.post(f"/api/sessions/{g.session.id}/claim", json={"claim": claim})
    assert r.status_code == 201 and r.json()["player_id"] == victim_id
    new = await Client(server, g.session.id, r.json()["player_token"], "new phone").connect()
    mine = await new.until(lambda v: v["me"]["unit"] == solo["id"])
    assert next(u for u in mine["units"] if u["id"] == solo["id"])["strategy"] == card
    again = await http.post(f"/api/sessions/{g.session.id}/claim", json={"claim": claim})
    assert again.status_code == 403 and again.json()["error"]["reason"] == "claim_used"
    g.players[victim_id] = new
    others.append((victim_id, old))

    # A player removed by mistake comes back to the same unit and card.
    wrong = next(u for u in g.fac.view["units"] if len(u["members"]) == 2)
    wrong_id = wrong["members"][1]
    wrong_client = g.players[wrong_id]
    await g.fac.ok("remove_player", player_id=wrong_id)
    await eventually(lambda: wrong_client.closed_code == 4403)
    away = Client(server, g.session.id, wrong_client.token, "was offline at the removal")
    try:
        await away.connect()
        raise AssertionError("a removed player's token still opens the table")
    except (ConnectionError, websockets.ConnectionClosed):
        assert away.closed_code == 4403  # told "removed", not "bad link": the seat may come back
    removed = (await g.fac.until(lambda v: v["removed"]))["removed"]
    assert removed == [{"id": wrong_id, "name": removed[0]["name"], "restorable": True}]
    await g.fac.ok("restore_player", player_id=wrong_id)
    back = await Client(server, g.session.id, wrong_client.token, "back").connect()
    view = await back.until(lambda v: v["me"]["unit"] == wrong["id"])
    assert next(u for u in view["units"] if u["id"] == wrong["id"])["strategy"] is not None
    others.append((wrong_id, wrong_client))
    g.players[wrong_id] = back

    # The rest of round 1 as usual, then a second latecomer enters at round 2's deal.
    for unit in g.fac.view["units"]:
        await g.players[unit["members"][0]].ok("ready")
    g.deals[1] = {u["id"]: u["strategy"]["id"] for u in g.fac.view["units"]}
    g.opdrachten.append(g.fac.view["opdracht"]["id"])
    await g.fac.ok("start_timer")
    await g.fac.until(lambda v: v["phase"] == "deciding", timeout=15)
    await g.fac.ok("record_decision", text="Ja", reached="yes")
    bram = await join_late(g, http, "Bram", "GGD")
    await bram.until(lambda v: v["me"]["unit"] is None)
    await g.fac.ok("next_round")
    await play_round(g, answers=False)
    bram_unit = bram.view["me"]["unit"]
    assert bram_unit is not None and len(g.deals[2]) == 5  # a new unit of one, with a card
    await g.fac.ok("next_round")
    await play_round(g, answers=False)
    await g.fac.ok("end_game")
    await g.all_see(lambda v: v["phase"] == "ended")

    check_deals(g)
    assert check_no_leaks(g, others=others) > 300
    events = (await http.get(f"/api/sessions/{g.session.id}/events", headers=fac)).json()
    assert all("claim_hash" not in e and "token_hash" not in e for e in events)
    assert {e["type"] for e in events} >= {"player_seated", "seat_reissued", "player_restored"}
    await g.close()
    for _, c in others:
        await c.close()


async def test_two_facilitators_act_at_once_and_nothing_is_lost(
    server: Server, http: httpx.AsyncClient
) -> None:
    g = await seat(server, http, names(4), rounds=1, round_seconds=600, open_card_last_round=False)
    first = bearer(g.session.token("facilitator"))
    r = await http.post(
        f"/api/sessions/{g.session.id}/facilitators", json={"label": "Co-trainer"}, headers=first
    )
    assert r.status_code == 201, r.text
    co_link = r.json()
    co = await Client(server, g.session.id, co_link["token"], "co").connect()
    assert co.welcome["role"] == "facilitator"
    assert [f["id"] for f in co.view["facilitators"]] == ["f1", "f2"]
    denied = await http.post(
        f"/api/sessions/{g.session.id}/facilitators",
        json={"label": "Third"},
        headers=bearer(co_link["token"]),
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["reason"] == "first_facilitator_only"

    await co.ok("start_game")
    await g.fac.until(lambda v: v["phase"] == "choosing")
    await g.fac.ok("choose_opdracht")
    await g.fac.ok("start_timer")
    # Both press at the same moment: each is acknowledged, or refused with a reason.
    answers = await asyncio.gather(
        g.fac.command("extend_timer", seconds=60), co.command("extend_timer", seconds=60)
    )
    assert [a["type"] for a in answers] == ["ack", "ack"]
    await g.fac.until(lambda v: v["timer"]["duration_ms"] >= 720_000 / 60)
    answers = await asyncio.gather(g.fac.command("end_discussion"), co.command("end_discussion"))
    kinds = sorted(a["type"] for a in answers)
    assert kinds == ["ack", "error"]
    assert next(a for a in answers if a["type"] == "error")["reason"] == "wrong_phase"
    await co.until(lambda v: v["phase"] == "deciding")

    events = (await http.get(f"/api/sessions/{g.session.id}/events", headers=first)).json()
    by = {e["type"]: e.get("facilitator") for e in events}
    assert by["game_started"] == "f2" and by["opdracht_chosen"] == "f1"
    extended = [e.get("facilitator") for e in events if e["type"] == "timer_extended"]
    assert sorted(extended) == ["f1", "f2"]
    assert by["player_joined"] is None

    denied = await http.delete(f"/api/sessions/{g.session.id}", headers=bearer(co_link["token"]))
    assert denied.status_code == 403  # only the first facilitator deletes the session
    r = await http.delete(f"/api/sessions/{g.session.id}/facilitators/f2", headers=first)
    assert r.status_code == 204
    await eventually(lambda: co.closed_code == 4412)
    after = await http.get(f"/api/sessions/{g.session.id}/links", headers=bearer(co_link["token"]))
    assert after.status_code == 403
    await g.fac.until(lambda v: [f["id"] for f in v["facilitators"]] == ["f1"])
    await g.close()
