"""Random and adversarial frames against a real server's socket: every frame is answered with a
documented error (or a pong, or a fresh state for a language switch), the socket stays open, the
game does not change, and the server logs no traceback."""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection, connect

from app.errors import CODES
from game import SOCKET_COMMANDS
from tests.app.server import FAST, Server

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
names = st.sampled_from([*SOCKET_COMMANDS, "join", "", "x" * 50, "__class__"]) | st.text(
    max_size=12
)
commands = st.fixed_dictionaries(
    {"type": st.just("command"), "name": names},
    optional={
        "id": json_values,
        "args": json_values | st.dictionaries(st.text(max_size=12), json_values),
    },
)
frames = st.one_of(
    json_values.map(json.dumps),
    commands.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["ping", "hello", "language", "resync", "state", ""])},
        optional={"id": json_values, "token": json_values, "language": json_values},
    ).map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(15_000, 20_000).map(lambda n: json.dumps({"type": "command", "name": "x" * n})),
)
ANSWERS = {"error", "pong", "state", "patch"}


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {**FAST, "THEATER_COMMANDS_PER_SECOND": "100000"}
    server = Server(tmp_path_factory.mktemp("fuzz") / "theater.db", env=env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def table(fuzz_server: Server) -> dict[str, Any]:
    with httpx.Client(base_url=fuzz_server.http) as http:
        created = http.post("/api/sessions", json={}).json()
        for name in ("Ann", "Bob", "Cas"):
            joined = http.post(
                "/api/join", json={"join_code": created["join_code"], "name": name}
            ).json()
            created[name] = joined["player_token"]
    return created


def _open(
    stack: contextlib.ExitStack, server: Server, table: dict[str, Any], token: str
) -> ClientConnection:
    url = f"{server.ws}/ws/{table['session_id']}"
    ws = stack.enter_context(connect(url, max_size=2**22, compression=None))
    ws.send(json.dumps({"type": "hello", "token": token}))
    assert json.loads(ws.recv(5))["type"] == "welcome"
    return ws


@pytest.fixture(scope="module")
def sockets(fuzz_server: Server, table: dict[str, Any]) -> Iterator[dict[bool, ClientConnection]]:
    """One socket for a player in the lobby and one for the screen: neither can change the game,
    whatever they send."""
    with contextlib.ExitStack() as stack:
        yield {True: _open(stack, fuzz_server, table, table["Ann"]),
               False: _open(stack, fuzz_server, table, table["screen_token"])}  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(frames, min_size=1, max_size=8), as_player=st.booleans())
def test_any_frame_gets_a_documented_answer_and_changes_nothing(
    sockets: dict[bool, ClientConnection], batch: list[str | bytes], as_player: bool
) -> None:
    ws = sockets[as_player]
    for i, frame in enumerate(batch):
        ws.send(frame)
        ws.send(json.dumps({"type": "ping", "id": f"fence-{i}"}))
        while True:  # everything up to our fence answers the frame, on the same open socket
            answer = json.loads(ws.recv(5))
            assert answer["type"] in ANSWERS, answer
            if answer["type"] == "error":
                assert answer["code"] in CODES and CODES[answer["code"]].close is None
                assert answer["message"] and answer["reason"]
            if answer["type"] in ("state", "patch"):
                assert answer["version"] == 4, "a fuzzed frame changed the game"
            if answer.get("id") == f"fence-{i}" and answer["type"] == "pong":
                break


def test_the_fuzzing_left_no_traceback_and_the_game_as_it_was(
    fuzz_server: Server, table: dict[str, Any], sockets: dict[bool, ClientConnection]
) -> None:
    with contextlib.ExitStack() as stack:
        first = json.loads(_open(stack, fuzz_server, table, table["facilitator_token"]).recv(5))
    assert first["type"] == "state" and first["version"] == 4  # created, three joins: no more
    log = Path(fuzz_server.log or "").read_text()
    assert "Traceback" not in log and "Exception" not in log
