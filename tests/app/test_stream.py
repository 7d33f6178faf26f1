"""The fallback transport for networks that block WebSockets, against a real server: a whole
game with some phones and the screen on server-sent events and the rest on sockets (every frame,
patches too, scanned for hidden cards), and the socket's refusals and limits said the same way
over HTTP."""

import json

import httpx

from tests.app.server import Server, StreamClient, eventually, new_session
from tests.app.wire import check_deals, check_guesses, check_no_leaks, names, play_game, seat


async def test_a_whole_game_with_phones_and_the_screen_on_the_fallback(
    server: Server, http: httpx.AsyncClient
) -> None:
    streams = frozenset({"Speler 1", "Speler 2", "Speler 5", "screen"})
    g = await seat(server, http, names(7), streams=streams, round_seconds=120)
    assert sum(isinstance(c, StreamClient) for c in g.everyone) == 4
    await play_game(g)
    check_deals(g)
    assert len(g.deals) == 3
    assert check_no_leaks(g) > 300
    check_guesses(g)
    on_stream = [c for c in g.players.values() if isinstance(c, StreamClient)]
    assert all(c.view["phase"] == "ended" and c.view["summary"] for c in on_stream)
    # the stream carries the socket's frames: after the first view, patches (each checked to fit)
    assert all(c.follower.patches > 50 for c in g.everyone if isinstance(c, StreamClient))
    await g.close()


async def _stream_close(server: Server, session_id: str, body: bytes | str) -> dict:
    async with httpx.AsyncClient(base_url=server.http) as client:
        r = await client.post(f"/api/sessions/{session_id}/stream", content=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert r.text.startswith("event: close\ndata: "), r.text
    return json.loads(r.text.split("data: ", 1)[1])


async def test_the_stream_refuses_what_the_socket_refuses_with_the_same_codes(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    bad = await _stream_close(server, s.id, json.dumps({"type": "hello", "token": "nope"}))
    assert bad["code"] == 4401
    gone = await _stream_close(
        server, "0123456789abcdef", json.dumps({"type": "hello", "token": "x"})
    )
    assert gone["code"] == 4404
    assert (await _stream_close(server, s.id, "not json"))["code"] == 4408
    assert (await _stream_close(server, s.id, "x" * 20_000))["code"] == 4408

    for name in ("Anna", "Bram", "Chris", "Dewi"):
        await s.join(http, name)
    anna = await s.client("Anna", kind=StreamClient).connect()
    fac = await s.client("facilitator", kind=StreamClient).connect()

    async def frame(body: str | bytes, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await http.post(f"/api/sessions/{s.id}/frames", content=body, headers=headers)
        assert r.status_code == 200
        return r.json()

    token = anna.token
    assert (await frame('{"type": "ping", "id": 1}', token))["type"] == "pong"
    assert (await frame("{oops", token))["code"] == "bad_message"
    assert (await frame("[1]", token))["code"] == "bad_message"
    assert (await frame("x" * 17_000, token))["code"] == "too_large"
    assert (await frame('{"type": "hello", "token": "t"}', token))["code"] == "bad_message"
    assert (await frame('{"type": "language", "language": "en"}', token))["code"] == "bad_message"
    assert (await frame('{"type": "resync"}', token))["code"] == "bad_message"  # reopen instead
    assert (await frame('{"type": "command", "name": "ready"}'))["code"] == "bad_token"
    wrong_role = await frame('{"type": "command", "id": "x", "name": "start_game"}', token)
    assert (wrong_role["id"], wrong_role["code"]) == ("x", "forbidden")
    flood = [await frame('{"type": "ping"}', token) for _ in range(40)]
    assert {f.get("code") for f in flood} >= {"rate_limited"}
    # None of it changed the game or shook the others.
    assert (await fac.command("start_game"))["type"] == "ack"
    await anna.until(lambda v: v["phase"] == "choosing")

    # A removed player's stream ends with the socket's code.
    bram_id = s.players["Bram"]["player_id"]
    bram = await s.client("Bram", kind=StreamClient).connect()
    await fac.ok("remove_player", player_id=bram_id)
    await eventually(lambda: bram.closed_code == 4403)
    for c in (anna, fac, bram):
        await c.close()
