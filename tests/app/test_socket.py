"""The WebSocket half of the contract: hello and its closes, every bad input answered with its
code while the socket stays open and the game stays as it was, and every command by role."""

import asyncio
import contextlib
import json

import httpx
import pytest
import websockets
from websockets.protocol import State
from websockets.server import ServerProtocol

from app.wire.ws import wire_bytes
from game import COMMANDS, SOCKET_COMMANDS
from tests.app.server import Client, Server, eventually, new_session


async def _closed_with(server: Server, session_id: str, first: str | None) -> int:
    async with websockets.connect(f"{server.ws}/ws/{session_id}") as ws:
        if first is not None:
            await ws.send(first)
        with pytest.raises(websockets.ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 5)
        assert info.value.rcvd is not None
        return info.value.rcvd.code


async def test_hello_opens_the_socket_with_role_and_state(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    await s.join(http, "Ann")
    for role in ("facilitator", "screen", "trainer", "Ann"):
        c = await s.client(role).connect()
        expected = "player" if role == "Ann" else role
        assert c.welcome["role"] == expected
        assert c.welcome["player_id"] == ("p1" if role == "Ann" else None)
        state = await c.next_frame("state")
        assert state["version"] == 2 and state["view"]["phase"] == "lobby"
        await c.close()


async def test_bad_hellos_close_with_the_protocol_codes(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    hello = json.dumps({"type": "hello", "token": s.token("facilitator")})
    assert await _closed_with(server, s.id, json.dumps({"type": "hello", "token": "wrong"})) == 4401
    assert await _closed_with(server, "0000000000000000", hello) == 4404
    assert await _closed_with(server, "x" * 300, hello) == 4404
    assert await _closed_with(server, s.id, None) == 4408  # test server waits 1 s, not 10


@pytest.mark.parametrize(
    "first",
    [
        json.dumps({"type": "command", "name": "start_game"}),
        "not json",
        "[" * 8000 + "]" * 8000,
        b'{"type": "hello", "token": "binary"}',
    ],
)
async def test_a_bad_first_frame_gets_an_error_and_the_socket_waits_for_a_hello(
    server: Server, http: httpx.AsyncClient, first: str | bytes
) -> None:
    s = await new_session(server, http)
    async with websockets.connect(f"{server.ws}/ws/{s.id}") as ws:
        await ws.send(first)
        error = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (error["type"], error["code"]) == ("error", "bad_message")
        await ws.send(json.dumps({"type": "hello", "token": s.token("screen")}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "welcome"
    assert "Traceback" not in server.logs()


async def test_a_token_of_one_session_does_not_open_another(
    server: Server, http: httpx.AsyncClient
) -> None:
    a = await new_session(server, http)
    b = await new_session(server, http)
    hello = json.dumps({"type": "hello", "token": a.token("facilitator")})
    assert await _closed_with(server, b.id, hello) == 4401


BAD_FRAMES: list[tuple[str | bytes, str]] = [
    ("not json at all", "bad_message"),
    ("[1, 2, 3]", "bad_message"),
    ('"just a string"', "bad_message"),
    ('{"no": "type"}', "bad_message"),
    ('{"type": "shout"}', "bad_message"),
    ('{"type": "hello", "token": "again"}', "bad_message"),
    ('{"type": "command"}', "bad_message"),
    ('{"type": "command", "name": "start_game", "args": [1]}', "bad_message"),
    ('{"type": "command", "name": "fly"}', "unknown_command"),
    ('{"type": "command", "name": "join", "args": {"name": "x"}}', "unknown_command"),
    ('{"type": "command", "name": "pick_opdracht", "args": {"slot": 0}}', "forbidden"),
    ('{"type": "command", "name": "start_timer"}', "invalid_phase"),
    ('{"type": "command", "name": "extend_timer", "args": {"seconds": "lots"}}', "invalid_args"),
    ('{"type": "command", "name": "set_picker", "args": {}}', "invalid_args"),
    ("x" * 20_000, "too_large"),
    (b"\xff\xfe binary", "bad_message"),
    ("[" * 8000 + "]" * 8000, "bad_message"),
    (
        '{"type": "command", "name": "configure", "args": ' + "[" * 900 + "]" * 900 + "}",
        "bad_message",
    ),
    ('{"type": "language", "language": "fr"}', "bad_message"),
]


async def test_every_bad_frame_gets_its_error_and_changes_nothing(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    await s.join(http, "Ann")
    fac = await s.client("facilitator").connect()
    other = await s.client("Ann").connect()
    version, seen = fac.version, len(other.frames)
    for frame, code in BAD_FRAMES:
        start = len(fac.frames)
        await fac.send_raw(frame)
        error = await fac.next_frame("error", after=start)
        assert error["code"] == code, (frame[:60], error)
        assert error["message"]
    pong = await fac.request({"type": "ping"})
    assert pong["type"] == "pong" and pong["server_now"] > 0  # the socket is still open
    assert fac.version == version and len(other.frames) == seen  # nothing changed, nobody told
    assert (await fac.command("configure", rounds=2))["type"] == "ack"
    await other.until(lambda v: v["rounds"] == 2)
    await fac.close()
    await other.close()


async def test_a_flood_is_throttled_and_the_game_carries_on(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    await s.join(http, "Ann")
    flooder = await s.client("Ann").connect()
    fac = await s.client("facilitator").connect()
    start = len(flooder.frames)
    for _ in range(200):
        await flooder.send_raw('{"type": "ping"}')
    answered = await eventually(
        lambda: flooder.frames[start:] if len(flooder.frames) - start >= 200 else None
    )  # every frame is answered
    kinds = [f.get("code") or f["type"] for f in answered]
    assert kinds.count("rate_limited") >= 150 and kinds.count("pong") >= 20
    assert (await fac.command("configure", rounds=1))["type"] == "ack"

    async def pong() -> bool:
        return (await flooder.request({"type": "ping"}))["type"] == "pong"

    deadline = asyncio.get_running_loop().time() + 10
    while not await pong():  # the bucket refills (ten a second), and the same socket carries on
        assert asyncio.get_running_loop().time() < deadline
    await flooder.close()
    await fac.close()


async def test_an_oversized_frame_beyond_the_hard_limit_closes_only_that_socket(
    server: Server, http: httpx.AsyncClient
) -> None:
    s = await new_session(server, http)
    rude = await s.client("facilitator").connect()
    polite = await s.client("screen").connect()
    # The server may close while the 2 MiB are still on their way: the send can fail then.
    with contextlib.suppress(websockets.ConnectionClosed, OSError):
        await rude.send_raw("x" * (2 * 1024 * 1024))
    await asyncio.wait_for(rude.reader, 5)  # type: ignore[arg-type]
    assert rude.closed_code == 1009
    assert (await polite.request({"type": "ping"}))["type"] == "pong"
    await polite.close()


async def _playing(server: Server, http: httpx.AsyncClient) -> dict[str, Client]:
    s = await new_session(server, http)
    for name in ("Ann", "Bob", "Cas"):
        await s.join(http, name)
    roles = ("facilitator", "screen", "trainer", "Ann", "Bob")
    return {r: await s.client(r).connect() for r in roles}


async def test_only_the_facilitator_steers_and_only_players_play(
    server: Server, http: httpx.AsyncClient
) -> None:
    c = await _playing(server, http)
    on_socket = {n: COMMANDS[n] for n in SOCKET_COMMANDS}
    facilitator_only = {n for n, c in on_socket.items() if c.roles == {"facilitator"}}
    player_only = {n for n, c in on_socket.items() if c.roles == {"player"}}
    assert facilitator_only | player_only | {"reveal", "ready"} == set(SOCKET_COMMANDS)
    for name in set(COMMANDS) - set(SOCKET_COMMANDS):  # they carry a credential the server makes
        answer = await c["facilitator"].command(name, player_id="p1", claim_hash="x" * 64)
        assert answer["code"] == "unknown_command" and "HTTP" in answer["message"], answer
    for name in SOCKET_COMMANDS:
        for role in ("screen", "trainer"):
            await asyncio.sleep(0.12)  # within the seat's command budget: the refusal, not a limit
            answer = await c[role].command(name)
            assert answer["code"] == "forbidden", (role, name, answer)
    for name in facilitator_only:
        assert (await c["Ann"].command(name))["code"] == "forbidden", name
    for name in player_only:
        assert (await c["facilitator"].command(name))["code"] == "forbidden", name
    assert c["facilitator"].version == 4  # session, three joins: nothing else happened
    for client in c.values():
        await client.close()


async def test_a_player_cannot_act_for_another_unit(
    server: Server, http: httpx.AsyncClient
) -> None:
    c = await _playing(server, http)
    await c["facilitator"].ok("configure", rounds=1)
    await c["facilitator"].ok("start_game")
    await c["facilitator"].ok("choose_opdracht")
    view = await c["Ann"].until(lambda v: v["phase"] == "reading")
    other_unit = next(u["id"] for u in view["units"] if u["id"] != view["me"]["unit"])
    answer = await c["Ann"].command("reveal", unit_id=other_unit)
    assert answer["code"] == "forbidden" and "own card" in answer["message"]
    for client in c.values():
        await client.close()


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_a_frame_made_once_for_many_sockets_is_what_the_websocket_library_writes(
    size: int,
) -> None:
    """Frames of a broadcast go on the wire as bytes made once (`wire_bytes`), beside the
    library: at every length boundary of RFC 6455 (7, 16 and 64 bit), non-ASCII included,
    they must be the library's own bytes, or phones would read garbage."""
    half = "é" * (size // 2)  # two bytes each
    text = half + "x" * (size - 2 * len(half))  # `size` bytes
    server = ServerProtocol()
    server.state = State.OPEN
    server.send_text(text.encode())
    assert wire_bytes(text) == b"".join(server.data_to_send())
    assert wire_bytes(text) is wire_bytes(text)  # made once
